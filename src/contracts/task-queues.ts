// The task queues: one per concern, each served by its own workers so each scales apart. The one
// table the config module, the worker process, the deployments' checks and the tests derive from.

export const taskQueueTable = {
  minutes: { variable: 'TASK_QUEUE_MINUTES', default: 'fulltime-minutes', serves: 'minutes recalculations' },
  stats: {
    variable: 'TASK_QUEUE_STATS',
    default: 'fulltime-stats',
    serves: 'stats runs, their coordinator and refreshes',
  },
  maintenance: {
    variable: 'TASK_QUEUE_MAINTENANCE',
    default: 'fulltime-maintenance',
    serves: 'retention, materialized views, exports and reconciliation',
  },
  settlement: {
    variable: 'TASK_QUEUE_SETTLEMENT',
    default: 'fulltime-settlement',
    serves: 'settlement, scoreboards and match verification',
  },
} as const;

export type TaskQueueName = keyof typeof taskQueueTable;
export const taskQueueNames = Object.keys(taskQueueTable) as TaskQueueName[];
/** Each queue's name on the server, as configured. */
export type TaskQueues = Record<TaskQueueName, string>;

/** Queues of one's own (a test, a benchmark): `<prefix>-<name>` for each. */
export function taskQueuesPrefixed(prefix: string): TaskQueues {
  return Object.fromEntries(taskQueueNames.map((name) => [name, `${prefix}-${name}`])) as TaskQueues;
}
