// A worker process for one task queue: `tsx src/workers/worker.ts minutes` (the default).
// Stops gracefully on SIGINT/SIGTERM: it finishes in-flight activities (up to the grace time), then
// closes its database and Temporal connections.
import { Runtime, Worker } from '@temporalio/worker';
import { loadConfigOrExit } from '../config.ts';
import { createPrisma } from '../db/client.ts';
import { createLogger } from '../logger.ts';
import { connectWorker } from '../temporal/connection.ts';
import { registerSearchAttributes } from '../temporal/register-search-attributes.ts';
import { workerDefinition, type TaskQueueName } from './task-queues.ts';
import { sdkLogger, workflowBundle } from './workflow-bundle.ts';

const config = loadConfigOrExit('worker');
const queueName = (process.argv[2] ?? process.env.WORKER_QUEUE ?? 'minutes') as TaskQueueName;
if (!(queueName in config.taskQueues)) {
  console.error(`[worker] unknown task queue "${queueName}"; expected one of: ${Object.keys(config.taskQueues).join(', ')}`);
  process.exit(1);
}
const logger = createLogger(`worker:${queueName}`, config.LOG_LEVEL, config.LOG_FORMAT);
// The SDK's own log lines (connection trouble, task failures) in the same structured stream.
Runtime.install({ logger: sdkLogger(logger.child({ component: 'temporal-sdk' })) });
// The SDK drains on SIGINT/SIGTERM (up to the grace time below). If the server is gone too, that
// drain can wait forever: exit anyway once the deadline passes, so orchestrators see the process end.
const SHUTDOWN_DEADLINE_MS = 30_000;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    setTimeout(() => {
      logger.error({ signal }, `worker did not stop within ${SHUTDOWN_DEADLINE_MS / 1000} s; exiting`);
      logger.flush();
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
  });
}
const prisma = createPrisma(config.DATABASE_URL);
const connection = await connectWorker(config);
try {
  // Any cluster (docker compose, a shared dev cluster) gets the search attributes the API sets.
  const added = await registerSearchAttributes(connection, config.TEMPORAL_NAMESPACE).catch((err: Error) => {
    logger.warn({ err: err.message }, 'could not register search attributes; register them with `temporal operator search-attribute create`');
    return [];
  });
  if (added.length > 0) logger.info({ added }, 'registered search attributes');
  const definition = workerDefinition(queueName, config, { prisma });
  const worker = await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    ...definition,
    workflowBundle: await workflowBundle(logger),
    shutdownGraceTime: '20 seconds',
  });
  logger.info({ taskQueue: definition.taskQueue, namespace: config.TEMPORAL_NAMESPACE }, 'worker started');
  await worker.run(); // resolves once a shutdown signal has drained the worker
  logger.info('worker stopped');
  logger.flush();
} finally {
  await connection.close();
  await prisma.$disconnect();
}
