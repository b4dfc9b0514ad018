// Signing in to the console: server-side sessions in PostgreSQL (express-session with
// connect-pg-simple) behind an HttpOnly, SameSite=Strict cookie (Secure in production) that expires
// after OPERATOR_SESSION_IDLE_MINUTES without a request; CSRF tokens on every form (csrf-csrf, bound
// to the session); failed sign-ins limited per client and per username (rate-limiter-flexible).
// The session is the console's only: /api accepts nothing but the bearer token.
import connectPgSimple from 'connect-pg-simple';
import cookieParser from 'cookie-parser';
import { doubleCsrf } from 'csrf-csrf';
import type { Request, RequestHandler } from 'express';
import session from 'express-session';
import pg from 'pg';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RLWrapperTimeouts,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { Config } from '../../config.ts';
import type { OperatorRole } from '../../services/operators.ts';
import type { Redis } from '../../redis.ts';

declare module 'express-session' {
  interface SessionData {
    operator?: { username: string; role: OperatorRole; signedInAt: number };
  }
}

export const SESSION_COOKIE = 'fulltime.sid';
const CSRF_COOKIE = 'fulltime.csrf';
/** However active, a session ends this long after it began. */
const ABSOLUTE_LIFETIME_MS = 12 * 3600_000;

export interface ConsoleSessions {
  /** Cookie parsing, the session (when one exists) and CSRF tokens, for every /admin request. */
  middleware: RequestHandler[];
  /** A CSRF token for a form on this response (bound to the session, or to none before sign-in). */
  csrfToken(req: Request, res: Parameters<RequestHandler>[1]): string;
  /** Checks the CSRF token of a POST: false means 403. */
  validCsrf(req: Request): boolean;
  /** Failed sign-ins: per client (IP) and per username. */
  loginLimiters: { client: RateLimiterAbstract; user: RateLimiterAbstract };
  close(): Promise<void>;
}

export function consoleSessions(config: Config, redis: Redis): ConsoleSessions {
  const secure = config.NODE_ENV === 'production';
  // A small pool of its own: sessions are read on every console request, never inside a write.
  const pool = new pg.Pool({
    connectionString: config.DATABASE_URL,
    max: 5,
    statement_timeout: config.API_STATEMENT_TIMEOUT_MS,
  });
  pool.on('error', () => {});
  const PgStore = connectPgSimple(session);
  const idleMs = config.OPERATOR_SESSION_IDLE_MINUTES * 60_000;
  const sessions = session({
    name: SESSION_COOKIE,
    secret: config.SESSION_SECRET,
    store: new PgStore({
      pool,
      tableName: 'operator_sessions',
      createTableIfMissing: false,
      pruneSessionInterval: 15 * 60,
    }),
    // A session exists only once someone has signed in: a visitor's request stores (and sets) nothing.
    saveUninitialized: false,
    resave: false,
    // Each request moves the idle expiry on.
    rolling: true,
    cookie: { httpOnly: true, sameSite: 'strict', secure, maxAge: idleMs, path: '/admin' },
  });
  // A session past its absolute lifetime is ended however recently it was used.
  const absoluteLifetime: RequestHandler = (req, _res, next) => {
    const signedIn = req.session?.operator?.signedInAt;
    if (signedIn && Date.now() - signedIn > ABSOLUTE_LIFETIME_MS) {
      req.session.destroy(() => next());
      return;
    }
    next();
  };
  const csrf = doubleCsrf({
    getSecret: () => config.SESSION_SECRET,
    // Bound to the signed-in session: a token from another session (or from before sign-in) fails.
    getSessionIdentifier: (req) => (req.session?.operator ? req.sessionID : 'signed-out'),
    cookieName: CSRF_COOKIE,
    cookieOptions: { httpOnly: true, sameSite: 'strict', secure, path: '/admin' },
    getCsrfTokenFromRequest: (req) => (req.body as { _csrf?: string } | undefined)?._csrf,
  });

  const limiter = (keyPrefix: string, points: number) => {
    const options = { points, duration: 15 * 60, blockDuration: 15 * 60, keyPrefix };
    const memory = new RateLimiterMemory(options);
    return new RLWrapperTimeouts({
      limiter: new RateLimiterRedis({
        ...options,
        storeClient: redis,
        rejectIfRedisNotReady: true,
        insuranceLimiter: memory,
      }),
      insuranceLimiter: memory,
      timeoutMs: 200,
    }) as unknown as RateLimiterAbstract;
  };

  return {
    middleware: [cookieParser(), sessions, absoluteLifetime],
    // One token per session (kept while it is valid for it), so an older page's form still posts.
    csrfToken: (req, res) => csrf.generateCsrfToken(req, res, { overwrite: false, validateOnReuse: false }),
    validCsrf: (req) => csrf.validateRequest(req),
    loginLimiters: {
      client: limiter('console-login-client', config.LOGIN_FAILURE_LIMIT * 2),
      user: limiter('console-login-user', config.LOGIN_FAILURE_LIMIT),
    },
    close: () => pool.end(),
  };
}
