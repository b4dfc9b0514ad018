import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';
import {
  ConflictError,
  DependencyUnavailableError,
  DomainError,
  InvalidInputError,
  NotFoundError,
} from '../domain/errors.ts';
import { isDatabaseUnavailable } from '../db/errors.ts';
import { BodyRefused } from './json-body.ts';
import type { Logger } from '../logger.ts';
import { isTemporalUnavailable } from '../temporal/errors.ts';

/** An error that exists only in HTTP terms (malformed JSON, a missing token, an unknown route…). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Validates `value` with `schema`, or throws a 400 listing every problem with its path. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, what = 'request body'): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((issue) => ({
    path: issue.path.join('.'),
    message: issue.message,
  }));
  throw new ApiError(
    400,
    'validation_failed',
    `invalid ${what}: ${details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('; ')}`,
    details,
  );
}

export const notFoundRoute: RequestHandler = (req, _res, next) => {
  next(new ApiError(404, 'not_found', `no route for ${req.method} ${req.path}`));
};

/** The one place where errors become HTTP statuses and the contract's error body. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof BodyRefused) return new ApiError(err.status, err.code, err.message);
  if (err instanceof DomainError) {
    const status =
      err instanceof InvalidInputError
        ? 400
        : err instanceof NotFoundError
          ? 404
          : err instanceof ConflictError
            ? 409
            : err instanceof DependencyUnavailableError
              ? 503
              : 500;
    return new ApiError(status, err.code, err.message, err.details);
  }
  // The router could not percent-decode a path segment (`%ZZ`, a lone `%`, bytes that are not UTF-8).
  if (err instanceof URIError)
    return new ApiError(400, 'validation_failed', `malformed percent-encoding in the path: ${err.message}`, [
      { path: '', message: 'malformed percent-encoding' },
    ]);
  const e = err as { type?: string; status?: number; message?: string } | undefined;
  if (e?.type === 'entity.too.large')
    return new ApiError(413, 'payload_too_large', 'request body is larger than 1 MiB');
  if (e?.type === 'entity.parse.failed') {
    return new ApiError(400, 'malformed_json', `request body is not valid JSON: ${e.message}`);
  }
  if (e?.type && typeof e.status === 'number' && e.status < 500)
    return new ApiError(e.status, 'bad_request', e.message ?? 'bad request');
  if (isUnavailable(err)) {
    return new ApiError(503, 'service_unavailable', 'a dependency is down; the request was not saved, retry it later');
  }
  return new ApiError(500, 'internal_error', 'unexpected error; the request id identifies it in the logs');
}

/** The last middleware: every error leaves as the contract's JSON error body. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const apiError = toApiError(err);
    const log = logger.child({ requestId: res.getHeader('X-Request-Id') });
    if (apiError.status >= 500) log.error({ err, method: req.method, path: req.path }, apiError.message);
    for (const [name, value] of Object.entries(apiError.headers)) res.setHeader(name, value);
    res.status(apiError.status).json({
      error: { code: apiError.code, message: apiError.message, details: apiError.details },
    });
  };
}

/** A dependency unreachable, cut off or too slow: the request could not be made durable. */
function isUnavailable(err: unknown): boolean {
  if (isDatabaseUnavailable(err) || isTemporalUnavailable(err)) return true;
  const text = `${(err as Error)?.name ?? ''} ${(err as Error)?.message ?? ''} ${(err as { code?: string })?.code ?? ''}`;
  // Whole words only: "ScheduleNotFoundError" once matched ENOTFOUND and became a 503.
  return /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|57P0[1-3]|53300|Can't reach database|timeout|Timed out fetching a new connection|DatabaseNotReachable|P1001|P2024|P1017)\b/i.test(
    text,
  );
}
