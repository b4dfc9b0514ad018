import type { Client } from '@temporalio/client';
import express from 'express';
import type { Config } from '../config.ts';
import type { PrismaClient } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import type { WorkflowStarter } from '../outbox/outbox.ts';
import type { Redis } from '../redis.ts';
import { errorHandler, notFoundRoute } from './errors.ts';
import { readiness } from './health.ts';
import { requestContext, requireToken } from './request-context.ts';
import { createRouter } from './routes.ts';
import { createWriteRunner } from './write.ts';

export interface AppDeps {
  config: Config;
  prisma: PrismaClient;
  redis: Redis;
  temporal: Client;
  starter: WorkflowStarter;
  logger: Logger;
}

export function createApp(deps: AppDeps): express.Express {
  const { config, prisma, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.use(requestContext);
  app.use((req, res, next) => {
    const started = performance.now();
    res.on('finish', () => {
      logger.info(
        { requestId: req.ctx.requestId, method: req.method, path: req.originalUrl, status: res.statusCode, durationMs: Math.round(performance.now() - started) },
        'request',
      );
    });
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', readiness(deps));

  app.use(requireToken(config.API_TOKEN));
  // Every body is read as JSON, whatever its Content-Type, so the 1 MiB limit always applies.
  app.use(express.json({ limit: '1mb', type: () => true }));
  app.use('/api', createRouter({ prisma, config, runWrite: createWriteRunner({ prisma, starter: deps.starter, logger }) }));
  app.use(notFoundRoute);
  app.use(errorHandler(logger));
  return app;
}
