// Text PostgreSQL cannot store, or would store as something else, is refused before validation: NUL
// (text columns cannot hold 0x00), the other C0 controls and DEL (never meaningful in this API's
// fields; tab, line feed and carriage return stay allowed), and unpaired UTF-16 surrogates (UTF-8
// cannot encode them; they would be stored as U+FFFD). One walk over params, query and body, so every
// route, present and future, gets it without a schema of its own.

// eslint-disable-next-line no-control-regex -- control characters are what this looks for
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]|[\uD800-\uDFFF]/u;

function problemOf(text: string): string | null {
  const found = FORBIDDEN.exec(text);
  if (!found) return null;
  const code = found[0].charCodeAt(0);
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return code >= 0xd800
    ? `contains an unpaired surrogate (${hex}), which is not valid Unicode text`
    : `contains the control character ${hex}`;
}

/** The first string (or object key) in `value` that cannot be stored as text: its dotted path and why. */
export function findUnstorableText(
  value: unknown,
  path: (string | number)[] = [],
): { path: string; message: string } | null {
  if (typeof value === 'string') {
    const problem = problemOf(value);
    return problem ? { path: path.join('.'), message: problem } : null;
  }
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = findUnstorableText(item, [...path, i]);
      if (found) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const keyProblem = problemOf(key);
      if (keyProblem) return { path: [...path, key].join('.'), message: `the key ${keyProblem}` };
      const found = findUnstorableText(item, [...path, key]);
      if (found) return found;
    }
  }
  return null;
}
