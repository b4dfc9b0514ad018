import type { Config } from '../config.ts';
import type { Activities } from '../activities/index.ts';

export type TaskQueueName = keyof Config['taskQueues'];
export const taskQueueNames: TaskQueueName[] = ['minutes', 'stats'];

/**
 * What a worker for each task queue registers. Every queue's worker loads the same workflow bundle;
 * the activities are the ones its workflows call. A process serves one or several queues.
 */
export function workerDefinition(name: TaskQueueName, config: Config, activities: Activities) {
  switch (name) {
    case 'minutes':
      return { taskQueue: config.taskQueues.minutes, activities: { recalculateGameMinutes: activities.recalculateGameMinutes } };
    case 'stats': {
      const { recalculateGameMinutes: _minutes, ...stats } = activities;
      return { taskQueue: config.taskQueues.stats, activities: stats };
    }
  }
}
