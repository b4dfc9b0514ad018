import type { Config } from '../config.ts';
import { createActivities, type ActivityDeps } from '../activities/index.ts';

export type TaskQueueName = keyof Config['taskQueues'];

/** What a worker for each task queue registers. One process serves one queue; run as many as needed. */
export function workerDefinition(name: TaskQueueName, config: Config, deps: ActivityDeps) {
  const activities = createActivities(deps);
  switch (name) {
    case 'minutes':
      return {
        taskQueue: config.taskQueues.minutes,
        activities: { recalculateGameMinutes: activities.recalculateGameMinutes },
      };
  }
}
