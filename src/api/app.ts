import type { Client } from '@temporalio/client';
import express from 'express';
import swaggerUi from 'swagger-ui-express';
import { ChangeFeed } from '../cache/change-feed.ts';
import type { Config } from '../config.ts';
import type { PrismaClient } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import type { WorkflowStarter } from '../outbox/outbox.ts';
import { packageVersion } from '../paths.ts';
import type { Redis } from '../redis.ts';
import { createApiGauges } from '../services/observability.ts';
import { createScheduleOperations } from '../services/schedules/operations.ts';
import { scheduleRegistry } from '../services/schedules/registry.ts';
import { createWriteRunner } from '../services/write.ts';
import { errorHandler, notFoundRoute } from './errors.ts';
import { consoleRouter } from './console/router.ts';
import type { ConsoleSessions } from './console/session.ts';
import { httpTelemetry } from './http-telemetry.ts';
import { jsonBody } from './json-body.ts';
import { buildOpenApiDocument, type OpenApiDocument } from './openapi.ts';
import { createAuthFailureCounter, requireToken } from './auth.ts';
import { requestContext } from './request-context.ts';
import { parseUrlEncoded } from './strict-urlencoded.ts';
import type { Route } from './route.ts';
import { createRouter } from './router.ts';
import { gameRoutes } from './routes/games.ts';
import { docsRoutes, healthRoutes } from './routes/health.ts';
import { jobsRoutes } from './routes/jobs.ts';
import { minutesRoutes } from './routes/minutes.ts';
import { operationsRoutes } from './routes/operations.ts';
import { peopleRoutes } from './routes/people.ts';
import { reconciliationRoutes } from './routes/reconciliation.ts';
import { scheduleRoutes } from './routes/schedules.ts';
import { settlementRoutes } from './routes/settlement.ts';
import { streamRoutes } from './routes/streams.ts';
import { createCache, statsRoutes } from './routes/stats.ts';

export interface AppDeps {
  config: Config;
  /** Whether this process traces (telemetry/tracing.ts): requests then get a server span. */
  tracing?: boolean;
  /** The console's sessions (console/session.ts); the caller closes them. */
  sessions: ConsoleSessions;
  prisma: PrismaClient;
  redis: Redis;
  temporal: Client;
  starter: WorkflowStarter;
  logger: Logger;
  /** Change notices for the live streams (one Redis subscription); made here when not given. */
  feed?: ChangeFeed;
}

/** Every route the API serves, in the order the document lists them. */
export function apiRoutes(deps: AppDeps): { routes: Route[]; document: OpenApiDocument } {
  const cache = createCache(deps.redis, deps.config);
  const routes: Route[] = [
    ...healthRoutes(deps),
    ...peopleRoutes(),
    ...gameRoutes(deps),
    ...minutesRoutes(deps),
    ...statsRoutes({ ...deps, cache }),
    ...settlementRoutes(deps),
    ...streamRoutes({ ...deps, feed: deps.feed ?? new ChangeFeed(deps.redis) }),
    ...jobsRoutes(deps),
    ...scheduleRoutes(deps),
    ...operationsRoutes(deps),
    ...reconciliationRoutes(deps),
    ...docsRoutes(() => document),
  ];
  const document: OpenApiDocument = buildOpenApiDocument(routes, { version: packageVersion });
  return { routes, document };
}

export function createApp(deps: AppDeps): express.Express {
  const { config, prisma, logger } = deps;
  const { routes } = apiRoutes(deps);
  const runWrite = createWriteRunner({ prisma, starter: deps.starter, temporal: deps.temporal, logger });
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.TRUST_PROXY);
  // Query strings decoded strictly: malformed percent-encoding is a 400, not U+FFFD (strict-urlencoded.ts).
  app.set('query parser', (query: string) => parseUrlEncoded(query, 'query'));
  app.use(requestContext);
  app.use(httpTelemetry({ tracing: deps.tracing ?? false }));
  app.use((req, res, next) => {
    const started = performance.now();
    res.on('finish', () => {
      logger.info(
        {
          requestId: req.ctx.requestId,
          method: req.method,
          path: req.originalUrl,
          status: res.statusCode,
          durationMs: Math.round(performance.now() - started),
        },
        'request',
      );
    });
    next();
  });
  const authFailures = createAuthFailureCounter(deps.redis, {
    maxFailures: config.AUTH_FAILURE_LIMIT,
    windowSeconds: config.AUTH_FAILURE_WINDOW_SECONDS,
    blockSeconds: config.AUTH_BLOCK_SECONDS,
  });
  app.use(requireToken(config.API_TOKEN, authFailures));
  // The console: HTML for people, its own sign-in, forms; never the JSON API's bodies or token.
  app.use(
    '/admin',
    consoleRouter({
      config,
      prisma,
      redis: deps.redis,
      temporal: deps.temporal,
      runWrite,
      logger,
      sessions: deps.sessions,
    }),
  );
  app.use('/api', jsonBody());
  app.use(createRouter(routes, { runWrite, prisma, logger }));
  // Swagger UI's scripts and styles, after the router so GET /docs itself is the documented page.
  app.use('/docs', swaggerUi.serve);
  app.use(notFoundRoute);
  app.use(errorHandler(logger));
  return app;
}

/** The API's scrape-time gauges, for its metrics listener (with the process's own registry). */
export function apiGauges(deps: Pick<AppDeps, 'config' | 'prisma' | 'redis' | 'temporal'>) {
  const schedules = createScheduleOperations(deps.temporal, scheduleRegistry(deps.config));
  return createApiGauges({
    prisma: deps.prisma,
    redis: deps.redis,
    temporal: deps.temporal,
    namespace: deps.config.TEMPORAL_NAMESPACE,
    taskQueues: deps.config.taskQueues,
    scheduleHealth: () => schedules.health(),
  });
}
