import { createHash, randomUUID } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { RequestedBy } from '../contracts/common.ts';
import { ApiError } from './errors.ts';

/** 1-200 printable ASCII characters (docs/api.md, "Idempotency-Key"). */
export const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,200}$/;

export interface RequestContext {
  /** The request ID: the Idempotency-Key when given, else generated. Names the workflows started. */
  requestId: string;
  idempotencyKey: string | null;
  /** Who is asking, once authenticated (the bearer token); null for a public read. */
  requestedBy: RequestedBy | null;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      ctx: RequestContext;
    }
  }
}

/** Assigns the request ID (echoed as X-Request-Id on every response) and checks Idempotency-Key. */
export const requestContext: RequestHandler = (req, res, next) => {
  const key = req.get('Idempotency-Key');
  const valid = key !== undefined && IDEMPOTENCY_KEY.test(key);
  req.ctx = { requestId: valid ? key : randomUUID(), idempotencyKey: valid ? key : null, requestedBy: null };
  res.setHeader('X-Request-Id', req.ctx.requestId);
  if (key !== undefined && !valid) {
    next(new ApiError(400, 'invalid_idempotency_key', 'Idempotency-Key must be 1 to 200 printable ASCII characters'));
    return;
  }
  next();
};

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** What makes two requests "the same" for Idempotency-Key purposes: method, path and body. */
export function requestFingerprint(req: Request): string {
  return fingerprintOf(req, req.body);
}

/** The fingerprint of `req`'s method and path with `body` (a console form's fields, without its CSRF token and key). */
export function fingerprintOf(req: Request, body: unknown): string {
  return createHash('sha256')
    .update(`${req.method} ${req.baseUrl}${req.path}\n${canonicalJson(body)}`)
    .digest('hex');
}
