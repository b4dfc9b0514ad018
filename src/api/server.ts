// The API process: HTTP on PORT, plus the outbox relay that starts any workflow whose start did not
// happen at write time. SIGINT/SIGTERM stop accepting connections, finish in-flight requests, then
// close connections.
import type { Server } from 'node:http';
import { loadConfigOrExit } from '../config.ts';
import { createPrisma } from '../db/client.ts';
import { createLogger } from '../logger.ts';
import { WorkflowStarter } from '../outbox/outbox.ts';
import { createRedis } from '../redis.ts';
import { startMetricsServer } from '../telemetry/metrics-server.ts';
import { initializeMetrics, registry } from '../telemetry/metrics.ts';
import { installProcessErrorHandlers } from '../telemetry/process-errors.ts';
import { startTracing } from '../telemetry/tracing.ts';
import { ChangeFeed } from '../cache/change-feed.ts';
import { createTemporalClient } from '../temporal/connection.ts';
import { setWorkflowPriorities } from '../temporal/start-workflow.ts';
import { apiGauges, createApp } from './app.ts';
import { consoleSessions } from './console/session.ts';

const config = loadConfigOrExit('api');
// Before anything is started: whether starts carry their priority and fairness keys.
setWorkflowPriorities(config.WORKFLOW_PRIORITIES === 'on');
const logger = createLogger('api', config.LOG_LEVEL, config.LOG_FORMAT);
// Before any client exists: the tracer provider the interceptors and the HTTP spans use.
const tracing = startTracing(config, 'fulltime-api');
const prisma = createPrisma(config.DATABASE_URL, {
  poolSize: 20,
  statementTimeoutMs: config.API_STATEMENT_TIMEOUT_MS,
  onError: (err) => logger.warn({ err: err.message }, 'a PostgreSQL connection failed; the pool replaces it'),
});
const redis = createRedis(config.REDIS_URL, config.REDIS_KEY_PREFIX, { timeoutMs: config.API_REDIS_TIMEOUT_MS });
let redisDown = false;
redis.on('error', (err) => {
  if (!redisDown) logger.warn({ err: err.message }, 'redis unreachable');
  redisDown = true;
});
redis.on('ready', () => (redisDown = false));
const temporal = createTemporalClient(config, {
  grpcRetries: false,
  callTimeoutMs: config.API_TEMPORAL_TIMEOUT_MS,
  tracing: tracing.enabled,
});
const starter = new WorkflowStarter({ prisma, temporal, logger });
const stopRelay = starter.startRelay(config.OUTBOX_RELAY_INTERVAL_MS);

const sessions = consoleSessions(config, redis);
// One Redis subscription for every live stream this process serves.
const feed = new ChangeFeed(redis);
const app = createApp({ config, prisma, redis, temporal, starter, logger, tracing: tracing.enabled, sessions, feed });
const server: Server = app.listen(config.PORT, () => {
  logger.info({ port: config.PORT }, `API listening on http://localhost:${config.PORT}`);
});
initializeMetrics('api');
const metricsServer = await startMetricsServer({
  address: config.API_METRICS_ADDRESS,
  registries: [registry, apiGauges({ config, prisma, redis, temporal })],
  logger,
});

let stopping = false;
async function shutdown(signal: string, exitCode = 0) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  // Finish in-flight requests (up to 10 s), then the starts they dispatched, then close connections.
  const closed = new Promise((resolve) => server.close(resolve));
  server.closeIdleConnections();
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  await stopRelay();
  await Promise.allSettled([metricsServer.close(), tracing.shutdown()]);
  await Promise.allSettled([
    prisma.$disconnect(),
    redis.quit(),
    temporal.connection.close(),
    sessions.close(),
    feed.close(),
  ]);
  logger.flush();
  setTimeout(() => process.exit(exitCode), 100); // let the log buffer drain
}
const onSignal = (signal: string) => () => {
  shutdown(signal).catch((err: unknown) => {
    logger.error({ err }, 'shutdown failed');
    process.exit(1);
  });
};
process.on('SIGINT', onSignal('SIGINT'));
process.on('SIGTERM', onSignal('SIGTERM'));
// An error nobody handled is logged and counted; an uncaught one stops the API as SIGTERM does, exit 1.
installProcessErrorHandlers({
  component: 'api',
  logger,
  shutdown: () => shutdown('uncaughtException', 1),
  deadlineMs: 20_000,
});
