// The operator console at /admin: server-rendered pages for people, signed in with their own account.
// This file is the console's door: security headers, assets, sessions, sign-in and sign-out, CSRF,
// and the pages and actions of every section (sections/, one file each, mirroring api/routes/),
// declared like the JSON API's routes and served through the same machinery (handler.ts ->
// ../endpoint.ts). Every action is audited as `operator:<username>`. Hardened: helmet's headers with a
// Content-Security-Policy that allows no inline script or style and no framing, forms that post only
// to this origin, each with a CSRF token; a viewer's POST is 403; any input that cannot be stored or
// is not what the page takes is a 400 page.
import type { Client } from '@temporalio/client';
import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import helmet from 'helmet';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { z } from 'zod';
import type { Config } from '../../config.ts';
import { RequestedBy } from '../../contracts/common.ts';
import type { PrismaClient } from '../../db/client.ts';
import type { Logger } from '../../logger.ts';
import type { Redis } from '../../redis.ts';
import { recordAudit } from '../../services/audit.ts';
import { createJobsService } from '../../services/jobs.ts';
import { createOperators } from '../../services/operators.ts';
import { createScheduleOperations } from '../../services/schedules/operations.ts';
import { scheduleRegistry } from '../../services/schedules/registry.ts';
import type { WriteRunner } from '../../services/write.ts';
import { metrics } from '../../telemetry/metrics.ts';
import { parseRequest } from '../endpoint.ts';
import { ApiError, toApiError } from '../errors.ts';
import { parseUrlEncoded } from '../strict-urlencoded.ts';
import { refreshScript, stylesheet } from './assets.ts';
import { consoleHandler, sendPage } from './handler.ts';
import type { Viewer } from './layout.ts';
import * as pages from './pages.ts';
import type { ConsoleContext, ConsoleRoute } from './route.ts';
import { auditSection } from './sections/audit.ts';
import { exportsSection } from './sections/exports.ts';
import { jobsSection } from './sections/jobs.ts';
import { overviewSection } from './sections/overview.ts';
import { reconciliationSection } from './sections/reconciliation.ts';
import { schedulesSection } from './sections/schedules.ts';
import { settlementSection } from './sections/settlement.ts';
import { switchesSection } from './sections/switches.ts';
import type { ConsoleSessions } from './session.ts';

export interface ConsoleDeps {
  config: Config;
  prisma: PrismaClient;
  redis: Redis;
  temporal: Client;
  runWrite: WriteRunner;
  logger: Logger;
  sessions: ConsoleSessions;
}

/** Every page and action of the console, section by section. */
export function consoleRoutes(context: ConsoleContext): ConsoleRoute[] {
  return [
    ...overviewSection(context),
    ...jobsSection(context),
    ...schedulesSection(context),
    ...switchesSection(context),
    ...settlementSection(context),
    ...exportsSection(context),
    ...reconciliationSection(context),
    ...auditSection(context),
  ];
}

/** The sign-in form; empty fields are a wrong sign-in (401), unstorable or overlong ones a 400. */
const LoginForm = z.object({ username: z.string().max(100), password: z.string().max(1000) });

/** The services the sections act through. */
export function consoleContext({
  config,
  prisma,
  redis,
  temporal,
}: Pick<ConsoleDeps, 'config' | 'prisma' | 'redis' | 'temporal'>): ConsoleContext {
  return {
    config,
    prisma,
    redis,
    temporal,
    jobs: createJobsService(temporal, { pageTokenSecret: config.SESSION_SECRET }),
    schedules: createScheduleOperations(temporal, scheduleRegistry(config)),
  };
}

/**
 * Forms as application/x-www-form-urlencoded, decoded strictly (strict-urlencoded.ts): malformed
 * percent-encoding is a 400, not U+FFFD. Up to 64 KiB, like the forms this console has.
 */
const formBody: RequestHandler[] = [
  express.text({ type: 'application/x-www-form-urlencoded', limit: '64kb', defaultCharset: 'utf-8' }),
  (req, _res, next) => {
    if (typeof req.body === 'string') req.body = parseUrlEncoded(req.body, 'form');
    next();
  },
];

export function consoleRouter(deps: ConsoleDeps): Router {
  const { config, prisma, sessions, logger } = deps;
  const operators = createOperators(prisma);
  const production = config.NODE_ENV === 'production';
  const router = Router();

  router.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
          objectSrc: ["'none'"],
          ...(production ? { upgradeInsecureRequests: [] } : {}),
        },
      },
      frameguard: { action: 'deny' },
      referrerPolicy: { policy: 'same-origin' },
      strictTransportSecurity: production,
    }),
  );
  router.get('/assets/console.css', (_req, res) =>
    res.type('css').set('Cache-Control', 'public, max-age=300').send(stylesheet),
  );
  router.get('/assets/console.js', (_req, res) =>
    res.type('js').set('Cache-Control', 'public, max-age=300').send(refreshScript),
  );
  router.use(...sessions.middleware, ...formBody);

  /** Every POST carries a valid CSRF token (403 otherwise), sign-in included. */
  router.post('/{*any}', (req, res, next) => {
    if (sessions.validCsrf(req)) return next();
    sendPage(
      res,
      pages.messagePage(
        null,
        'Forbidden',
        'This form has expired or did not come from this console (no valid CSRF token). Go back, reload it and try again.',
      ),
      403,
    );
  });

  // Signing in and out.
  router.get('/login', (req, res) => {
    if (req.session.operator) return res.redirect(303, '/admin');
    sendPage(res, pages.loginPage({ csrf: sessions.csrfToken(req, res) }));
  });
  router.post('/login', async (req, res) => {
    const loginPage = (status: number, error: string, username = '') =>
      sendPage(res, pages.loginPage({ csrf: sessions.csrfToken(req, res), error, username }), status);
    let form: z.output<typeof LoginForm>;
    try {
      form = parseRequest({ body: LoginForm }, req, res, req.body, 'form').body as z.output<typeof LoginForm>;
    } catch (err) {
      if (err instanceof ApiError) return loginPage(err.status, `Not accepted: ${err.message}`);
      throw err;
    }
    const username = form.username.trim().toLowerCase();
    const { password } = form;
    const client = req.ip ?? 'unknown';
    const { client: perClient, user: perUser } = sessions.loginLimiters;
    const refused = (retryAfterMs: number) => {
      metrics.authFailures.inc({ outcome: 'blocked' });
      res.setHeader('Retry-After', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
      loginPage(429, 'Too many failed sign-ins: wait a few minutes and try again.', username);
    };
    try {
      const [byClient, byUser] = await Promise.all([perClient.get(client), perUser.get(username)]);
      const blocked = [byClient, byUser].find(
        (r, i) => r && r.consumedPoints > (i === 0 ? config.LOGIN_FAILURE_LIMIT * 2 : config.LOGIN_FAILURE_LIMIT),
      );
      if (blocked) return refused(blocked.msBeforeNext);
      const operator = username && password ? await operators.authenticate(username, password) : null;
      if (!operator) {
        metrics.authFailures.inc({ outcome: 'rejected' });
        await Promise.all([perClient.consume(client), perUser.consume(username)]);
        return loginPage(401, 'Wrong username or password.', username);
      }
      await perUser.delete(username);
      // A new session ID at sign-in: a session cookie planted before it is worth nothing after.
      await new Promise<void>((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
      req.session.operator = { username: operator.username, role: operator.role, signedInAt: Date.now() };
      await new Promise<void>((resolve, reject) => req.session.save((err) => (err ? reject(err) : resolve())));
      await recordAudit(prisma, {
        actor: RequestedBy.operator(operator.username),
        action: 'operator.login',
        target: operator.username,
        outcome: 'succeeded',
        requestId: req.ctx.requestId,
      });
      res.redirect(303, '/admin');
    } catch (err) {
      if (err instanceof RateLimiterRes) return refused(err.msBeforeNext);
      throw err;
    }
  });

  /** Signed in, as an operator that still exists (with the role it has now), or sent to sign in. */
  const signedIn: RequestHandler = async (req, res, next) => {
    const operator = req.session.operator;
    const role = operator ? await operators.roleOf(operator.username) : null;
    if (!operator || !role) {
      if (operator) await new Promise<void>((resolve) => req.session.destroy(() => resolve()));
      res.redirect(303, '/admin/login');
      return;
    }
    operator.role = role;
    next();
  };
  router.use(signedIn);

  const viewerOf = (req: Request, res: Response): Viewer => ({
    ...req.session.operator!,
    csrf: sessions.csrfToken(req, res),
  });

  router.post('/logout', async (req, res) => {
    const { username } = req.session.operator!;
    await recordAudit(prisma, {
      actor: RequestedBy.operator(username),
      action: 'operator.logout',
      target: username,
      outcome: 'succeeded',
      requestId: req.ctx.requestId,
    });
    await new Promise<void>((resolve) => req.session.destroy(() => resolve()));
    res.clearCookie('fulltime.sid', { path: '/admin' });
    res.redirect(303, '/admin/login');
  });

  // Every page and action, declared in its section.
  for (const route of consoleRoutes(consoleContext(deps))) {
    router[route.kind === 'page' ? 'get' : 'post'](
      route.path,
      consoleHandler(route, { runWrite: deps.runWrite, prisma, logger, viewerOf }),
    );
  }

  // Anything else under /admin, and errors, as pages in the console's look (never the API's JSON).
  router.use((req, res) =>
    sendPage(res, pages.messagePage(viewerOf(req, res), 'Not found', `There is no page ${req.originalUrl}.`), 404),
  );
  const pageErrors: express.ErrorRequestHandler = (err, req, res, _next) => {
    const apiError = toApiError(err);
    if (apiError.status >= 500) logger.error({ err, requestId: req.ctx?.requestId }, apiError.message);
    // A sign-in form refused before its handler (a body that is not text) shows the form again.
    if (req.method === 'POST' && req.path === '/login' && apiError.status < 500) {
      return void sendPage(
        res,
        pages.loginPage({ csrf: sessions.csrfToken(req, res), error: `Not accepted: ${apiError.message}` }),
        apiError.status,
      );
    }
    const viewer = req.session?.operator ? viewerOf(req, res) : null;
    sendPage(res, pages.messagePage(viewer, titleOf(apiError.status), apiError.message), apiError.status);
  };
  router.use(pageErrors);
  return router;
}

/** An error page's title by its status. */
function titleOf(status: number): string {
  if (status === 400 || status === 413 || status === 415) return 'Not accepted';
  if (status === 403) return 'Forbidden';
  if (status === 404) return 'Not found';
  if (status < 500) return 'Not done';
  return status === 503 ? 'A dependency is down' : 'It did not work';
}
