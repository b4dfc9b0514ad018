import { fileURLToPath } from 'node:url';
import type { Config } from '../config.ts';
import { createActivities, type ActivityDeps } from '../activities/index.ts';

/** The workflows bundle every worker loads (webpack bundles it once per worker process). */
export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export type TaskQueueName = keyof Config['taskQueues'];

/** What a worker for each task queue registers. One process serves one queue; run as many as needed. */
export function workerDefinition(name: TaskQueueName, config: Config, deps: ActivityDeps) {
  const activities = createActivities(deps);
  switch (name) {
    case 'minutes':
      return {
        taskQueue: config.taskQueues.minutes,
        workflowsPath,
        activities: { recalculateGameMinutes: activities.recalculateGameMinutes },
      };
  }
}
