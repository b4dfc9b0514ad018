import type { Client } from '@temporalio/client';
import { createExportActivities } from '../activities/exports.ts';
import { createMaintenanceActivities, type MaintenanceActivityDeps } from '../activities/maintenance.ts';
import { createMinutesActivities, type MinutesActivityDeps } from '../activities/minutes.ts';
import { createReconciliationActivities } from '../activities/reconciliation.ts';
import { createSettlementActivities, type SettlementActivityDeps } from '../activities/settlement.ts';
import { createStatsActivities, type StatsActivityDeps } from '../activities/stats.ts';
import type { Config } from '../config.ts';
import type { TaskQueueName } from '../contracts/task-queues.ts';
import type { PrismaClient } from '../db/client.ts';
import { createLogger, type Logger } from '../logger.ts';
import { WorkflowStarter } from '../outbox/outbox.ts';
import type { Redis } from '../redis.ts';
import { createHttpProvider, type MatchProvider } from '../services/settlement/provider.ts';
import { createWriteRunner } from '../services/write.ts';

export type ActivityDeps = MinutesActivityDeps & StatsActivityDeps & MaintenanceActivityDeps & SettlementActivityDeps;

/**
 * Everything the activities are built from, for this configuration, and the outbox starter behind
 * their write runner: drain it after the workers stopped and before the Temporal client closes, so
 * no workflow start a write committed is still in flight on a closed connection.
 */
export function activityDeps(
  config: Config,
  base: { prisma: PrismaClient; redis: Redis; temporal: Client; logger?: Logger; provider?: MatchProvider },
): ActivityDeps & { starter: WorkflowStarter } {
  const logger = base.logger ?? createLogger('activities', 'silent');
  const starter = new WorkflowStarter({ prisma: base.prisma, temporal: base.temporal, logger });
  return {
    prisma: base.prisma,
    redis: base.redis,
    temporal: base.temporal,
    starter,
    runWrite: createWriteRunner({ prisma: base.prisma, starter, temporal: base.temporal, logger }),
    taskQueues: config.taskQueues,
    provider:
      base.provider ?? createHttpProvider({ baseUrl: config.PROVIDER_URL, timeoutMs: config.PROVIDER_TIMEOUT_MS }),
    verification: { lookbackHours: config.VERIFICATION_LOOKBACK_HOURS, concurrency: config.VERIFICATION_CONCURRENCY },
  };
}

/** The activities each task queue's workflows call (every queue gets the same workflow bundle). */
const activitiesOf: Record<TaskQueueName, (deps: ActivityDeps) => object> = {
  minutes: createMinutesActivities,
  stats: createStatsActivities,
  // Housekeeping, exports and reconciliation: none is on a hot path.
  maintenance: (deps) => ({
    ...createMaintenanceActivities(deps),
    ...createExportActivities(deps),
    ...createReconciliationActivities(deps),
  }),
  settlement: createSettlementActivities,
};

/** What a worker for a task queue registers. A process serves one or several queues. */
export function workerDefinition(name: TaskQueueName, config: Config, deps: ActivityDeps) {
  return { taskQueue: config.taskQueues[name], activities: activitiesOf[name](deps) };
}
