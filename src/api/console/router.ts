// The operator console at /admin: server-rendered pages for people, signed in with their own account.
// It reads and acts through the services the JSON API uses (no second path to Temporal or the
// database), and every action is audited as `operator:<username>`. Hardened: helmet's headers with a
// Content-Security-Policy that allows no inline script or style and no framing, forms that post only
// to this origin, each with a CSRF token; a viewer's POST is 403.
import { createHash } from 'node:crypto';
import type { Client } from '@temporalio/client';
import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import helmet from 'helmet';
import { RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../../config.ts';
import { RequestedBy } from '../../contracts/common.ts';
import { aggregationNames, statsTriggers, type StatsSwitches } from '../../contracts/stats.ts';
import type { PrismaClient } from '../../db/client.ts';
import type { AuditAction } from '../../domain/audit.ts';
import type { Logger } from '../../logger.ts';
import { outboxBacklog } from '../../outbox/outbox.ts';
import type { Redis } from '../../redis.ts';
import { listAudit, recordAudit } from '../../services/audit.ts';
import { createExport, exportFileName, listExports, readyExport, streamExport } from '../../services/exports.ts';
import { checkReadiness } from '../../services/health.ts';
import { createJobsService, jobsQuery, MAX_BULK_RETRY, type JobFilter } from '../../services/jobs.ts';
import { createOperators } from '../../services/operators.ts';
import { createScheduleOperations } from '../../services/schedules/operations.ts';
import { scheduleRegistry } from '../../services/schedules/registry.ts';
import { startRebuild } from '../../services/settlement/rebuild.ts';
import { settlementDetail } from '../../services/settlement/status.ts';
import { getStatsSwitches, updateStatsSwitches } from '../../services/stats/switches.ts';
import type { WriteRunner, WriteScope } from '../../services/write.ts';
import { metrics } from '../../telemetry/metrics.ts';
import { auditedWrite } from '../audited-write.ts';
import { toApiError } from '../errors.ts';
import { refreshScript, stylesheet } from './assets.ts';
import { toString, type Html } from './html.ts';
import type { Viewer } from './layout.ts';
import * as pages from './pages.ts';
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

const KEY = /^[\x20-\x7e]{1,200}$/;
/** What a successful action says on the page it leads to (a fixed set: never text from the request). */
const notices = {
  retried: 'Retried: this is the new run.',
  canceled: 'Cancellation requested.',
  terminated: 'Terminated.',
  ran: 'Started a run now.',
  paused: 'Paused.',
  unpaused: 'Unpaused.',
  backfilled: 'Backfill accepted.',
  saved: 'Switches saved.',
  rebuilding: 'Rebuild started: reads come from PostgreSQL until it is done.',
  exporting: 'Export started.',
} as const;
type Notice = keyof typeof notices;

// private: never kept by a shared cache; no-cache: always asked for again, except on Back, which shows
// the page as it was (no-store would reload a confirmation form with a new key: a second bulk retry).
const send = (res: Response, markup: Html, status = 200) => res.status(status).type('html').set('Cache-Control', 'private, no-cache').send(toString(markup));
const noticeOf = (req: Request) => notices[req.query.done as Notice] as string | undefined;
const field = (req: Request, name: string): string | undefined => {
  const value = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
};

export function consoleRouter(deps: ConsoleDeps): Router {
  const { config, prisma, redis, temporal, sessions, logger } = deps;
  const operators = createOperators(prisma);
  const jobs = createJobsService(temporal, { pageTokenSecret: config.SESSION_SECRET });
  const schedules = createScheduleOperations(temporal, scheduleRegistry(config));
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
  router.get('/assets/console.css', (_req, res) => res.type('css').set('Cache-Control', 'public, max-age=300').send(stylesheet));
  router.get('/assets/console.js', (_req, res) => res.type('js').set('Cache-Control', 'public, max-age=300').send(refreshScript));
  router.use(...sessions.middleware, express.urlencoded({ extended: false, limit: '64kb' }));

  /** Every POST carries a valid CSRF token (403 otherwise), sign-in included. */
  router.post('/{*any}', (req, res, next) => {
    if (sessions.validCsrf(req)) return next();
    send(res, pages.messagePage(null, 'Forbidden', 'This form has expired or did not come from this console (no valid CSRF token). Go back, reload it and try again.'), 403);
  });

  // Signing in and out.
  router.get('/login', (req, res) => {
    if (req.session.operator) return res.redirect(303, '/admin');
    send(res, pages.loginPage({ csrf: sessions.csrfToken(req, res) }));
  });
  router.post('/login', async (req, res) => {
    const username = (field(req, 'username') ?? '').toLowerCase().slice(0, 100);
    const password = typeof req.body?.password === 'string' ? (req.body.password as string).slice(0, 1000) : '';
    const client = req.ip ?? 'unknown';
    const { client: perClient, user: perUser } = sessions.loginLimiters;
    const refused = (retryAfterMs: number) => {
      metrics.authFailures.inc({ outcome: 'blocked' });
      res.setHeader('Retry-After', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
      send(res, pages.loginPage({ csrf: sessions.csrfToken(req, res), error: 'Too many failed sign-ins: wait a few minutes and try again.', username }), 429);
    };
    try {
      const [byClient, byUser] = await Promise.all([perClient.get(client), perUser.get(username)]);
      const blocked = [byClient, byUser].find((r, i) => r && r.consumedPoints > (i === 0 ? config.LOGIN_FAILURE_LIMIT * 2 : config.LOGIN_FAILURE_LIMIT));
      if (blocked) return refused(blocked.msBeforeNext);
      const operator = username && password ? await operators.authenticate(username, password) : null;
      if (!operator) {
        metrics.authFailures.inc({ outcome: 'rejected' });
        await Promise.all([perClient.consume(client), perUser.consume(username)]);
        return send(res, pages.loginPage({ csrf: sessions.csrfToken(req, res), error: 'Wrong username or password.', username }), 401);
      }
      await perUser.delete(username);
      // A new session ID at sign-in: a session cookie planted before it is worth nothing after.
      await new Promise<void>((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
      req.session.operator = { username: operator.username, role: operator.role, signedInAt: Date.now() };
      await new Promise<void>((resolve, reject) => req.session.save((err) => (err ? reject(err) : resolve())));
      await recordAudit(prisma, { actor: RequestedBy.operator(operator.username), action: 'operator.login', target: operator.username, outcome: 'succeeded', requestId: req.ctx.requestId });
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

  const viewerOf = (req: Request, res: Response): Viewer => ({ ...req.session.operator!, csrf: sessions.csrfToken(req, res) });

  router.post('/logout', async (req, res) => {
    const { username } = req.session.operator!;
    await recordAudit(prisma, { actor: RequestedBy.operator(username), action: 'operator.logout', target: username, outcome: 'succeeded', requestId: req.ctx.requestId });
    await new Promise<void>((resolve) => req.session.destroy(() => resolve()));
    res.clearCookie('fulltime.sid', { path: '/admin' });
    res.redirect(303, '/admin/login');
  });

  /** Every other POST is an action: operators only (403 for a viewer). */
  router.post('/{*any}', (req, res, next) => {
    if (req.session.operator!.role === 'operator') return next();
    send(res, pages.messagePage(viewerOf(req, res), 'Forbidden', 'Viewers can see everything here and change nothing. Ask an operator.'), 403);
  });

  /**
   * Runs an action as the signed-in operator: audited, in one write with its Idempotency-Key (the
   * form's `_key`, so a form sent twice acts once), then on to `next(result)`; a refusal is shown.
   */
  function action<T>(audit: { action: AuditAction; target: (req: Request) => string | null }, work: (req: Request, scope: WriteScope) => Promise<T>, next: (req: Request, res: Response, result: T) => void): RequestHandler {
    return async (req, res) => {
      const given = field(req, '_key');
      const key = given && KEY.test(given) ? given : req.ctx.requestId;
      const { _csrf: _c, _key: _k, ...fields } = (req.body ?? {}) as Record<string, unknown>;
      const fingerprint = createHash('sha256').update(`${req.method} ${req.baseUrl}${req.path}\n${JSON.stringify(Object.entries(fields).sort())}`).digest('hex');
      const request = { requestId: key, idempotencyKey: key, fingerprint, method: req.method, path: req.originalUrl, requestedBy: RequestedBy.operator(req.session.operator!.username) };
      try {
        const { body } = await auditedWrite(deps, request, { action: audit.action, target: audit.target(req) }, async (scope) => ({ status: 200, body: await work(req, scope) }));
        next(req, res, body as T);
      } catch (err) {
        const apiError = toApiError(err);
        if (apiError.status >= 500) logger.error({ err, requestId: key }, apiError.message);
        send(res, pages.messagePage(viewerOf(req, res), apiError.status >= 500 ? 'It did not work' : 'Not done', apiError.message), apiError.status);
      }
    };
  }
  const param = (name: string) => (req: Request) => String(req.params[name]);

  // Overview.
  router.get('/', async (req, res) => {
    const since = new Date(Date.now() - 24 * 3600_000);
    const readiness = await checkReadiness({ prisma, redis, temporal, scheduleHealth: () => schedules.health() });
    const [health, outbox, counts] = await Promise.all([
      schedules.health().catch(() => []),
      outboxBacklog(prisma).catch(() => null),
      jobs.counts(since).catch(() => null),
    ]);
    send(res, pages.overviewPage(viewerOf(req, res), { readiness, schedules: health, outbox, counts, since: since.toISOString() }));
  });

  // Jobs.
  const filterOf = (source: Record<string, unknown>): JobFilter => {
    const pick = (name: string) => (typeof source[name] === 'string' && (source[name] as string).trim() !== '' ? (source[name] as string).trim().slice(0, 200) : undefined);
    const type = pick('type');
    const status = pick('status');
    return {
      type: (['minutes-recalculation', 'stats', 'settlement', 'scoreboard-rebuild', 'match-verification', 'export'] as const).find((t) => t === type),
      status: (['running', 'completed', 'failed', 'terminated', 'timed_out', 'canceled'] as const).find((s) => s === status),
      trigger: pick('trigger')?.match(/^[A-Za-z0-9._-]+$/)?.[0],
      gameId: pick('gameId'),
      requestId: pick('requestId'),
    };
  };
  router.get('/jobs', async (req, res) => {
    const filter = filterOf(req.query);
    const pageToken = typeof req.query.pageToken === 'string' ? req.query.pageToken : undefined;
    const { jobs: list, nextPageToken } = await jobs.page(filter, 50, pageToken);
    send(res, pages.jobsPage(viewerOf(req, res), { filter, jobs: list, nextPageToken }));
  });
  router.get('/jobs/retry', async (req, res) => {
    const filter = { ...filterOf(req.query), status: 'failed' as const, requestId: undefined };
    const { count } = await temporal.workflow.count(jobsQuery(filter));
    send(res, pages.bulkRetryConfirmPage(viewerOf(req, res), { filter, matched: count, max: MAX_BULK_RETRY }));
  });
  router.post(
    '/jobs/retry',
    action(
      { action: 'jobs.retry', target: (req) => JSON.stringify(filterOf(req.body as Record<string, unknown>)) },
      (req, scope) => {
        const max = Math.max(1, Math.min(MAX_BULK_RETRY, Number(field(req, 'max') ?? MAX_BULK_RETRY) || 1));
        return jobs.retryMatching(scope, { ...filterOf(req.body as Record<string, unknown>), status: 'failed', requestId: undefined }, max);
      },
      (req, res, result) => send(res, pages.bulkRetryDonePage(viewerOf(req, res), result)),
    ),
  );
  router.get('/jobs/:workflowId', async (req, res) => {
    const job = await jobs.get(req.params.workflowId);
    const temporalUi = config.TEMPORAL_UI_URL
      ? `${config.TEMPORAL_UI_URL.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(config.TEMPORAL_NAMESPACE)}/workflows/${encodeURIComponent(job.workflowId)}/${encodeURIComponent(job.runId)}/history`
      : null;
    send(res, pages.jobPage(viewerOf(req, res), { job, temporalUi, notice: noticeOf(req) }));
  });
  const toJob = (done: Notice) => (_req: Request, res: Response, result: { workflowId: string }) => res.redirect(303, `/admin/jobs/${encodeURIComponent(result.workflowId)}?done=${done}`);
  router.post('/jobs/:workflowId/retry', action({ action: 'job.retry', target: param('workflowId') }, (req, scope) => jobs.retry(scope, String(req.params.workflowId)), toJob('retried')));
  router.post('/jobs/:workflowId/cancel', action({ action: 'job.cancel', target: param('workflowId') }, (req) => jobs.cancel(String(req.params.workflowId)), toJob('canceled')));
  router.post(
    '/jobs/:workflowId/terminate',
    action({ action: 'job.terminate', target: param('workflowId') }, (req) => jobs.terminate(String(req.params.workflowId), (field(req, 'reason') ?? 'terminated from the console').slice(0, 500)), toJob('terminated')),
  );

  // Schedules.
  router.get('/schedules', async (req, res) => {
    send(res, pages.schedulesPage(viewerOf(req, res), { jobs: await schedules.list(), notice: noticeOf(req) }));
  });
  const toSchedules = (done: Notice) => (_req: Request, res: Response) => res.redirect(303, `/admin/schedules?done=${done}`);
  router.post('/schedules/:jobKey/run', action({ action: 'schedule.run', target: param('jobKey') }, (req, scope) => schedules.runNow(scope, String(req.params.jobKey)), toSchedules('ran')));
  router.post('/schedules/:jobKey/pause', action({ action: 'schedule.pause', target: param('jobKey') }, (req) => schedules.pause(String(req.params.jobKey), field(req, 'note')?.slice(0, 500)), toSchedules('paused')));
  router.post('/schedules/:jobKey/unpause', action({ action: 'schedule.unpause', target: param('jobKey') }, (req) => schedules.unpause(String(req.params.jobKey), field(req, 'note')?.slice(0, 500)), toSchedules('unpaused')));
  router.post(
    '/schedules/:jobKey/backfill',
    action(
      { action: 'schedule.backfill', target: param('jobKey') },
      (req) => schedules.backfill(String(req.params.jobKey), new Date(field(req, 'from') ?? 'invalid'), new Date(field(req, 'to') ?? 'invalid')),
      toSchedules('backfilled'),
    ),
  );

  // Stats switches: every checkbox of the form, on when sent.
  router.get('/switches', async (req, res) => {
    send(res, pages.switchesPage(viewerOf(req, res), { switches: await getStatsSwitches(prisma), notice: noticeOf(req) }));
  });
  router.post(
    '/switches',
    action(
      { action: 'stats-switches.update', target: () => null },
      (req, scope) => {
        const body = req.body as Record<string, unknown>;
        const patch: StatsSwitches = {
          triggers: Object.fromEntries(statsTriggers.map((t) => [t, body[`triggers.${t}`] === 'on'])) as StatsSwitches['triggers'],
          aggregations: Object.fromEntries(aggregationNames.map((a) => [a, body[`aggregations.${a}`] === 'on'])) as StatsSwitches['aggregations'],
        };
        return updateStatsSwitches(scope, patch);
      },
      (_req, res) => res.redirect(303, '/admin/switches?done=saved'),
    ),
  );

  // A game's settlement, and rebuilding its tournament's boards.
  router.get('/games/:gameId/settlement', async (req, res) => {
    send(res, pages.settlementPage(viewerOf(req, res), { ...(await settlementDetail(prisma, redis, req.params.gameId)), notice: noticeOf(req) }));
  });
  router.post(
    '/tournaments/:tournamentId/rebuild',
    action(
      { action: 'scoreboard.rebuild', target: param('tournamentId') },
      (req, scope) => startRebuild(scope, config.taskQueues.settlement, String(req.params.tournamentId)),
      (req, res) => {
        const gameId = field(req, 'gameId');
        res.redirect(303, gameId ? `/admin/games/${encodeURIComponent(gameId)}/settlement?done=rebuilding` : '/admin');
      },
    ),
  );

  // Exports.
  router.get('/exports', async (req, res) => {
    send(res, pages.exportsPage(viewerOf(req, res), { exports: await listExports(prisma, 50), notice: noticeOf(req) }));
  });
  router.post(
    '/exports',
    action(
      { action: 'export.create', target: (req) => `${field(req, 'kind')} ${field(req, 'tournamentId') ?? field(req, 'season') ?? ''}`.trim() },
      (req, scope) =>
        field(req, 'kind') === 'player-stats'
          ? createExport(scope, config.taskQueues.maintenance, { kind: 'player-stats', season: (field(req, 'season') ?? '').slice(0, 50) })
          : createExport(scope, config.taskQueues.maintenance, { kind: 'tournament-scoreboard', tournamentId: (field(req, 'tournamentId') ?? '').slice(0, 200) }),
      (_req, res) => res.redirect(303, '/admin/exports?done=exporting'),
    ),
  );
  router.get('/exports/:exportId/download', async (req, res) => {
    const view = await readyExport(prisma, req.params.exportId);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${exportFileName(view)}"`);
    await streamExport(prisma, view.exportId, async (chunk) => {
      if (!res.write(chunk)) await new Promise<void>((resolve) => res.once('drain', resolve));
    });
    res.end();
  });

  router.get('/audit', async (req, res) => {
    send(res, pages.auditPage(viewerOf(req, res), await listAudit(prisma, 200)));
  });

  // Anything else under /admin, and errors, as pages (never the API's JSON).
  router.use((req, res) => send(res, pages.messagePage(viewerOf(req, res), 'Not found', `There is no page ${req.originalUrl}.`), 404));
  const pageErrors: express.ErrorRequestHandler = (err, req, res, _next) => {
    const apiError = toApiError(err);
    if (apiError.status >= 500) logger.error({ err, requestId: req.ctx?.requestId }, apiError.message);
    send(res, pages.messagePage(req.session?.operator ? viewerOf(req, res) : null, apiError.status === 404 ? 'Not found' : 'It did not work', apiError.message), apiError.status);
  };
  router.use(pageErrors);
  return router;
}
