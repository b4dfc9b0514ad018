import type { ActivityDeps } from '../activities/index.ts';
import { createMaintenanceActivities } from '../activities/maintenance.ts';
import { createMinutesActivities } from '../activities/minutes.ts';
import { createStatsActivities } from '../activities/stats.ts';
import type { Config } from '../config.ts';

export type TaskQueueName = keyof Config['taskQueues'];
export const taskQueueNames: TaskQueueName[] = ['minutes', 'stats', 'maintenance'];

/**
 * What a worker for each task queue registers: the same workflow bundle everywhere, and the
 * activities its workflows call. A process serves one or several queues.
 */
export function workerDefinition(name: TaskQueueName, config: Config, deps: ActivityDeps) {
  const activities = {
    minutes: () => createMinutesActivities(deps),
    stats: () => createStatsActivities(deps),
    maintenance: () => createMaintenanceActivities(deps),
  }[name]();
  return { taskQueue: config.taskQueues[name], activities };
}
