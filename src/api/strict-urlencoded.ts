// application/x-www-form-urlencoded (query strings, the console's forms), decoded strictly: a
// percent-encoding that is not UTF-8 (`%ED%A0%80`, a lone surrogate; `%FF`; a lone `%`) is refused
// with a 400 instead of turning into U+FFFD. Node's querystring and URLSearchParams, and so express's
// parsers, substitute the replacement character silently, which would store something the client did
// not send; there is no option to make them strict, hence these few lines.
import { ApiError } from './errors.ts';

export type UrlEncoded = Record<string, string | string[]>;

function decode(part: string, where: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    throw new ApiError(400, 'validation_failed', `invalid ${where}: malformed percent-encoding (not UTF-8 text)`, [
      { path: '', message: 'malformed percent-encoding' },
    ]);
  }
}

/** `a=1&b=2&a=3` -> `{a: ['1', '3'], b: '2'}`; at most `limit` pairs (the rest refused, 400). */
export function parseUrlEncoded(text: string | null | undefined, where: string, limit = 1000): UrlEncoded {
  const result: UrlEncoded = Object.create(null) as UrlEncoded;
  if (!text) return result;
  const pairs = text.split('&');
  if (pairs.length > limit)
    throw new ApiError(400, 'validation_failed', `invalid ${where}: more than ${limit} fields`, []);
  for (const pair of pairs) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    const key = decode(at < 0 ? pair : pair.slice(0, at), where);
    const value = decode(at < 0 ? '' : pair.slice(at + 1), where);
    const existing = result[key];
    if (existing === undefined) result[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else result[key] = [existing, value];
  }
  return result;
}
