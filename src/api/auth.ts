// Bearer-token authentication, with failed attempts limited per client so that a leaked URL cannot
// be used to guess the token at line rate.
import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  RLWrapperTimeouts,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import { RequestedBy } from '../contracts/common.ts';
import type { Redis } from '../redis.ts';
import { metrics } from '../telemetry/metrics.ts';
import { ApiError } from './errors.ts';
import { requiresToken } from './route.ts';

export interface AuthFailureLimits {
  /** Failed attempts a client may make within `windowSeconds`; the next one blocks it. */
  maxFailures: number;
  windowSeconds: number;
  /** How long a blocked client is refused, with any token. */
  blockSeconds: number;
}

export interface AuthFailureCounter {
  limiter: RateLimiterAbstract;
  maxFailures: number;
}

/**
 * Counts failed attempts per client in Redis (shared by every API replica); while Redis is down or
 * slower than 200 ms, each process counts in its own memory instead of failing requests.
 */
export function createAuthFailureCounter(redis: Redis, limits: AuthFailureLimits): AuthFailureCounter {
  const options = {
    points: limits.maxFailures,
    duration: limits.windowSeconds,
    blockDuration: limits.blockSeconds,
    keyPrefix: 'auth-failures',
  };
  const memory = new RateLimiterMemory(options);
  const shared = new RateLimiterRedis({
    ...options,
    storeClient: redis,
    rejectIfRedisNotReady: true,
    insuranceLimiter: memory,
  });
  const limiter = new RLWrapperTimeouts({
    limiter: shared,
    insuranceLimiter: memory,
    timeoutMs: 200,
  }) as unknown as RateLimiterAbstract;
  return { limiter, maxFailures: limits.maxFailures };
}

function tooManyFailures(msBeforeNext: number): ApiError {
  metrics.authFailures.inc({ outcome: 'blocked' });
  const seconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return new ApiError(
    429,
    'too_many_requests',
    `too many failed authentication attempts from this client; retry after ${seconds} s`,
    [],
    { 'Retry-After': String(seconds) },
  );
}

/**
 * `Authorization: Bearer <API_TOKEN>` on every non-GET request and on everything under the admin
 * prefixes. Each wrong credential counts as a failure (a missing one does not). A client (by IP, see
 * TRUST_PROXY) past its failure limit is refused with 429 even with the right token until the block
 * ends: otherwise the limit would not slow guessing at all. The check reads the count before
 * anything is spent, so valid requests in flight never count.
 */
export function requireToken(apiToken: string, { limiter: failures, maxFailures }: AuthFailureCounter): RequestHandler {
  const expected = Buffer.from(apiToken);
  return async (req, _res, next) => {
    if (!requiresToken({ method: req.method === 'HEAD' ? 'GET' : req.method, path: req.path })) return next();
    const client = req.ip ?? 'unknown';
    try {
      const seen = await failures.get(client);
      if (seen && seen.consumedPoints > maxFailures) return next(tooManyFailures(seen.msBeforeNext));
      const authorization = req.get('Authorization');
      const match = /^Bearer (.+)$/.exec(authorization ?? '');
      const given = Buffer.from(match?.[1] ?? '');
      if (given.length === expected.length && timingSafeEqual(given, expected)) {
        // A client that got the token right after a few typos starts afresh.
        if (seen && seen.consumedPoints > 0) await failures.delete(client);
        req.ctx.requestedBy = RequestedBy.token;
        return next();
      }
      // Only a credential that was tried and wrong counts: a request without one guesses nothing.
      if (authorization !== undefined) await failures.consume(client);
      metrics.authFailures.inc({ outcome: 'rejected' });
      next(new ApiError(401, 'unauthorized', 'missing or wrong bearer token (Authorization: Bearer <API_TOKEN>)'));
    } catch (err) {
      if (err instanceof RateLimiterRes) return next(tooManyFailures(err.msBeforeNext));
      next(err);
    }
  };
}
