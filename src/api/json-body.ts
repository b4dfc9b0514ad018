// Reading the JSON API's request bodies. A body must say it is JSON (`Content-Type: application/json`,
// or a `+json` type): anything else is 415, so an HTML form another site posts (text/plain,
// x-www-form-urlencoded) never reaches a route. It is refused before parsing when it is over 1 MiB,
// its bytes are not UTF-8, or it nests deeper than any request of this API does; the depth bound keeps
// every later walk over the body (the text check, the Idempotency-Key fingerprint) far from the
// stack's limit: 50,000 levels of `[` used to be a 500.
import express, { type RequestHandler } from 'express';
import typeis from 'type-is';

/** No body of this API nests deeper than 4; 32 leaves room and stays far from any recursion limit. */
export const MAX_JSON_DEPTH = 32;

/** A body refused before parsing; `api/errors.ts` answers with its status and code. */
export class BodyRefused extends Error {
  constructor(
    readonly status: 400 | 415,
    readonly code: 'malformed_json' | 'body_too_deep' | 'unsupported_media_type',
    message: string,
  ) {
    super(message);
    this.name = 'BodyRefused';
  }
}

/** True when `body` opens more than `max` arrays or objects inside each other (strings skipped). */
export function nestsDeeperThan(body: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  let escaped = false;
  for (const byte of body) {
    if (inString) {
      if (escaped) escaped = false;
      else if (byte === 0x5c)
        escaped = true; // backslash
      else if (byte === 0x22) inString = false; // closing quote
    } else if (byte === 0x22) {
      inString = true;
    } else if (byte === 0x5b || byte === 0x7b) {
      if (++depth > max) return true;
    } else if (byte === 0x5d || byte === 0x7d) {
      depth--;
    }
  }
  return false;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function checkBody(_req: unknown, _res: unknown, body: Buffer): void {
  try {
    strictUtf8.decode(body);
  } catch {
    // Bytes that are not UTF-8 would be decoded to U+FFFD and stored changed.
    throw new BodyRefused(400, 'malformed_json', 'request body is not valid UTF-8');
  }
  if (nestsDeeperThan(body, MAX_JSON_DEPTH)) {
    throw new BodyRefused(
      400,
      'body_too_deep',
      `request body nests arrays or objects more than ${MAX_JSON_DEPTH} levels deep`,
    );
  }
}

/** A body that is there must be JSON: 415 otherwise (before it is read). */
const requireJson: RequestHandler = (req, _res, next) => {
  if (typeis.hasBody(req) && !typeis(req, ['application/json', '+json'])) {
    next(
      new BodyRefused(
        415,
        'unsupported_media_type',
        `send the body as JSON with Content-Type: application/json (got ${req.get('Content-Type') ?? 'none'})`,
      ),
    );
    return;
  }
  next();
};

export const jsonBody = (): RequestHandler[] => [
  requireJson,
  express.json({ limit: '1mb', type: () => true, verify: checkBody }),
];
