import type { ActivityDeps } from '../activities/index.ts';
import { createMaintenanceActivities } from '../activities/maintenance.ts';
import { createMinutesActivities } from '../activities/minutes.ts';
import { createSettlementActivities } from '../activities/settlement.ts';
import { createStatsActivities } from '../activities/stats.ts';
import type { Client } from '@temporalio/client';
import type { Config } from '../config.ts';
import type { PrismaClient } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import type { Redis } from '../redis.ts';
import { createHttpProvider, type MatchProvider } from '../services/settlement/provider.ts';

export type TaskQueueName = keyof Config['taskQueues'];
export const taskQueueNames: TaskQueueName[] = ['minutes', 'stats', 'maintenance', 'settlement'];

/** Everything the activities are built from, for this configuration. */
export function activityDeps(
  config: Config,
  base: { prisma: PrismaClient; redis: Redis; temporal: Client; logger?: Logger; provider?: MatchProvider },
): ActivityDeps {
  return {
    ...base,
    taskQueues: config.taskQueues,
    provider: base.provider ?? createHttpProvider({ baseUrl: config.PROVIDER_URL, timeoutMs: config.PROVIDER_TIMEOUT_MS }),
    verification: { lookbackHours: config.VERIFICATION_LOOKBACK_HOURS, concurrency: config.VERIFICATION_CONCURRENCY },
  };
}

/**
 * What a worker for each task queue registers: the same workflow bundle everywhere, and the
 * activities its workflows call. A process serves one or several queues.
 */
export function workerDefinition(name: TaskQueueName, config: Config, deps: ActivityDeps) {
  const activities = {
    minutes: () => createMinutesActivities(deps),
    stats: () => createStatsActivities(deps),
    maintenance: () => createMaintenanceActivities(deps),
    settlement: () => createSettlementActivities(deps),
  }[name]();
  return { taskQueue: config.taskQueues[name], activities };
}
