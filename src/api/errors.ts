import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';
import type { Logger } from '../logger.ts';

/** An error meant for the client: becomes `{"error": {code, message, details}}` with `status`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const badRequest = (message: string, details: unknown[] = []) =>
  new ApiError(400, 'validation_failed', message, details);
export const notFound = (what: string, id: string) => new ApiError(404, 'not_found', `${what} ${id} does not exist`);
export const conflict = (code: string, message: string, details: unknown[] = []) =>
  new ApiError(409, code, message, details);

/** Validates `value` with `schema`, or throws a 400 listing every problem with its path. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, what = 'request body'): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((issue) => ({
    path: issue.path.join('.'),
    message: issue.message,
  }));
  throw badRequest(`invalid ${what}: ${details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('; ')}`, details);
}

export const notFoundRoute: RequestHandler = (req, _res, next) => {
  next(new ApiError(404, 'not_found', `no route for ${req.method} ${req.path}`));
};

/** The last middleware: every error leaves as the contract's JSON error body. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let apiError: ApiError;
    if (err instanceof ApiError) apiError = err;
    else if (err?.type === 'entity.too.large') {
      apiError = new ApiError(413, 'payload_too_large', 'request body is larger than 1 MiB');
    } else if (err?.type === 'entity.parse.failed') {
      apiError = new ApiError(400, 'malformed_json', `request body is not valid JSON: ${err.message}`);
    } else if (err?.type && typeof err.status === 'number' && err.status < 500) {
      apiError = new ApiError(err.status, 'bad_request', err.message);
    } else if (isUnavailable(err)) {
      apiError = new ApiError(503, 'service_unavailable', 'a dependency is down; the request was not saved, retry it later');
    } else {
      apiError = new ApiError(500, 'internal_error', 'unexpected error; the request id identifies it in the logs');
    }
    const log = logger.child({ requestId: res.getHeader('X-Request-Id') });
    if (apiError.status >= 500) log.error({ err, method: req.method, path: req.path }, apiError.message);
    res.status(apiError.status).json({
      error: { code: apiError.code, message: apiError.message, details: apiError.details },
    });
  };
}

/** Database unreachable / pool exhausted: the request could not be made durable. */
function isUnavailable(err: unknown): boolean {
  const text = `${(err as Error)?.name ?? ''} ${(err as Error)?.message ?? ''} ${(err as { code?: string })?.code ?? ''}`;
  return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|57P0[1-3]|53300|Can't reach database|timeout|Timed out fetching a new connection|DatabaseNotReachable|P1001|P2024|P1017/i.test(
    text,
  );
}
