// Reading request bodies: every body as JSON whatever its Content-Type (so the 1 MiB limit always
// applies), refused before parsing when its bytes are not UTF-8 or it nests deeper than any request
// of this API does. The depth bound keeps every later walk over the body (the text check, the
// Idempotency-Key fingerprint) far from the stack's limit: 50,000 levels of `[` used to be a 500.
import express from 'express';

/** No body of this API nests deeper than 4; 32 leaves room and stays far from any recursion limit. */
export const MAX_JSON_DEPTH = 32;

/** A body refused before parsing; `api/errors.ts` answers 400 with its code. */
export class BodyRefused extends Error {
  constructor(
    readonly code: 'malformed_json' | 'body_too_deep',
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
      else if (byte === 0x5c) escaped = true; // backslash
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
    throw new BodyRefused('malformed_json', 'request body is not valid UTF-8');
  }
  if (nestsDeeperThan(body, MAX_JSON_DEPTH)) {
    throw new BodyRefused('body_too_deep', `request body nests arrays or objects more than ${MAX_JSON_DEPTH} levels deep`);
  }
}

export const jsonBody = () => express.json({ limit: '1mb', type: () => true, verify: checkBody });
