// A worker process: `node dist/src/workers/worker.js [queue ...]` (from sources: `tsx
// src/workers/worker.ts`). With no queue named it serves every task queue (contracts/task-queues.ts);
// name some to scale them apart. Stops gracefully on SIGINT/SIGTERM: it finishes in-flight activities
// (up to the grace time), lets the workflow starts its activities' writes committed go out, then
// closes its database, Redis and Temporal connections.
import { Runtime, Worker } from '@temporalio/worker';
import { loadConfigOrExit } from '../config.ts';
import { createPrisma } from '../db/client.ts';
import { createLogger } from '../logger.ts';
import { createRedis } from '../redis.ts';
import { connectWorker, createTemporalClient } from '../temporal/connection.ts';
import { setWorkflowPriorities } from '../temporal/start-workflow.ts';
import { scheduleRegistry } from '../services/schedules/registry.ts';
import { syncSchedules } from '../services/schedules/sync.ts';
import { startMetricsServer } from '../telemetry/metrics-server.ts';
import { initializeMetrics, registry } from '../telemetry/metrics.ts';
import { installProcessErrorHandlers } from '../telemetry/process-errors.ts';
import { startTracing } from '../telemetry/tracing.ts';
import { registerSearchAttributes } from '../temporal/register-search-attributes.ts';
import { taskQueueNames, type TaskQueueName } from '../contracts/task-queues.ts';
import { promoteOnStart } from '../services/releases/releases.ts';
import { activityDeps, workerDefinition } from './task-queues.ts';
import { workerDeploymentOptions, workerBuildId } from './versioning.ts';
import { fetchSdkMetrics, installRuntime, workerTracingOptions } from './telemetry.ts';
import { sdkLogger, workflowBundle } from './workflow-bundle.ts';
import { SHUTDOWN_DEADLINE_SECONDS, WORKER_SHUTDOWN_GRACE_SECONDS } from './shutdown.ts';

const config = loadConfigOrExit('worker');
// Before anything is started: whether starts carry their priority and fairness keys.
setWorkflowPriorities(config.WORKFLOW_PRIORITIES === 'on');
const requested =
  process.argv.slice(2).length > 0 ? process.argv.slice(2) : (process.env.WORKER_QUEUES?.split(',') ?? taskQueueNames);
const unknown = requested.filter((name) => !(taskQueueNames as string[]).includes(name));
if (unknown.length > 0) {
  console.error(`[worker] unknown task queue(s) ${unknown.join(', ')}; expected some of: ${taskQueueNames.join(', ')}`);
  process.exit(1);
}
const queues = requested as TaskQueueName[];
const logger = createLogger(`worker:${queues.join('+')}`, config.LOG_LEVEL, config.LOG_FORMAT);
// The SDK's own log lines (connection trouble, task failures) in the same structured stream, and its
// metrics on a loopback port, served again with ours on WORKER_METRICS_ADDRESS.
const { sdkMetricsUrl } = await installRuntime(sdkLogger(logger.child({ component: 'temporal-sdk' })));
const tracing = startTracing(config, 'fulltime-worker');
const SHUTDOWN_DEADLINE_MS = SHUTDOWN_DEADLINE_SECONDS * 1000;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    setTimeout(() => {
      logger.error({ signal }, `worker did not stop within ${SHUTDOWN_DEADLINE_MS / 1000} s; exiting`);
      logger.flush();
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
  });
}
// An error nobody handled is logged and counted; an uncaught one drains the worker (in-flight
// activities finish, up to the grace time) and exits 1, as SIGTERM would, instead of dying mid-activity.
installProcessErrorHandlers({
  component: `worker:${queues.join('+')}`,
  logger,
  shutdown: () => Runtime.instance().shutdown(),
  deadlineMs: SHUTDOWN_DEADLINE_MS,
});
const prisma = createPrisma(config.DATABASE_URL, {
  statementTimeoutMs: config.WORKER_STATEMENT_TIMEOUT_MS,
  onError: (err) => logger.warn({ err: err.message }, 'a PostgreSQL connection failed; the pool replaces it'),
});
// Far above any one Redis call an activity makes (a rebuild's swap of a million-member board takes
// about a second), so only a stalled Redis trips it: the call fails and the activity is retried.
const REDIS_TIMEOUT_MS = 30_000;
const redis = createRedis(config.REDIS_URL, config.REDIS_KEY_PREFIX, { timeoutMs: REDIS_TIMEOUT_MS });
redis.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis unreachable'));
const temporal = createTemporalClient(config, { tracing: tracing.enabled });
const connection = await connectWorker(config);
try {
  // Any cluster (docker compose, a shared dev cluster) gets the search attributes the API sets.
  const added = await registerSearchAttributes(connection, config.TEMPORAL_NAMESPACE).catch((err: Error) => {
    logger.warn(
      { err: err.message },
      'could not register search attributes; register them with `temporal operator search-attribute create`',
    );
    return [];
  });
  if (added.length > 0) logger.info({ added }, 'registered search attributes');
  // The schedules the registry declares; safe when several workers start at once.
  await syncSchedules(temporal, scheduleRegistry(config), (line) => logger.info(line)).catch((err: Error) => {
    logger.error({ err: err.message }, 'could not sync schedules; run npm run schedules:sync');
  });
  const deps = activityDeps(config, { prisma, redis, temporal, logger });
  const bundle = await workflowBundle(logger, { traced: tracing.enabled });
  if (tracing.enabled && Number(process.versions.node.split('.')[0]) < 24) {
    logger.warn(
      { node: process.versions.node, maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS ?? 'the SDK default' },
      "traced workflows on Node before 24 cost each cached workflow heap in proportion to the cache's size; bound WORKER_MAX_CACHED_WORKFLOWS (docs/deploy.md)",
    );
  }
  const workers = await Promise.all(
    queues.map((name) =>
      Worker.create({
        connection,
        namespace: config.TEMPORAL_NAMESPACE,
        ...workerDefinition(name, config, deps),
        ...workerTracingOptions(tracing),
        workflowBundle: bundle,
        workerDeploymentOptions: workerDeploymentOptions(config),
        ...(config.WORKER_MAX_CACHED_WORKFLOWS !== undefined
          ? { maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS }
          : {}),
        shutdownGraceTime: `${WORKER_SHUTDOWN_GRACE_SECONDS} seconds`,
      }),
    ),
  );
  initializeMetrics('worker');
  const metricsServer = await startMetricsServer({
    address: config.WORKER_METRICS_ADDRESS,
    registries: [registry],
    extra: () => fetchSdkMetrics(sdkMetricsUrl),
    // Up while every worker of this process polls its task queue.
    healthy: () => workers.every((worker) => worker.getState() === 'RUNNING'),
    logger,
  });
  const running = Promise.all(workers.map((worker) => worker.run())); // resolve once a shutdown signal has drained them
  running.catch(() => undefined); // awaited below; a failure before then is still thrown there
  // The first deploy (or npm run dev) makes this build the one new runs go to; a release waits for an
  // operator's `npm run release -- ramp|promote` (docs/deploy.md). Done before "worker started", so
  // whoever waits for that line starts runs that find a current version; a failure is logged, never fatal.
  const buildId = workerBuildId(config);
  const promoted = await promoteOnStart(
    { prisma, temporal, deploymentName: config.WORKER_DEPLOYMENT_NAME },
    buildId,
    config.WORKER_PROMOTE_ON_START,
    { actor: 'system', requestId: `worker-start:${buildId}:${process.pid}` },
    workers.map((w) => w.options.taskQueue),
  ).catch((err: Error) => {
    logger.error(
      { err: err.message, buildId },
      'could not make this build current; run npm run release -- promote <buildId>',
    );
    return null;
  });
  if (promoted) logger.info({ buildId }, promoted);
  logger.info(
    {
      taskQueues: workers.map((w) => w.options.taskQueue),
      deployment: config.WORKER_DEPLOYMENT_NAME,
      buildId,
      namespace: config.TEMPORAL_NAMESPACE,
      metricsAddress: metricsServer.address,
    },
    'worker started',
  );
  await running;
  await deps.starter.drain();
  await Promise.allSettled([metricsServer.close(), tracing.shutdown()]);
  logger.info('worker stopped');
  logger.flush();
} catch (err) {
  // Say why before anything else: a worker created but never run still holds the connection, and
  // closing it would throw over the real cause (a metrics port in use, say).
  logger.error({ err }, 'worker failed to start or run');
  logger.flush();
  process.exit(1);
} finally {
  await connection.close();
  await temporal.connection.close();
  await prisma.$disconnect();
  redis.disconnect();
}
