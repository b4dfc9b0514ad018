// A run's status in this product's words (the jobs API, the schedules' recent runs), from Temporal's.

export const runStatuses = ['running', 'completed', 'failed', 'terminated', 'timed_out', 'canceled'] as const;
export type RunStatus = (typeof runStatuses)[number];

/** The name a visibility query uses (`ExecutionStatus = 'Failed'`). */
export const visibilityStatus: Record<RunStatus, string> = {
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  terminated: 'Terminated',
  timed_out: 'TimedOut',
  canceled: 'Canceled',
};

const byExecutionStatus: Record<string, RunStatus> = {
  RUNNING: 'running',
  COMPLETED: 'completed',
  CONTINUED_AS_NEW: 'completed',
  FAILED: 'failed',
  TERMINATED: 'terminated',
  TIMED_OUT: 'timed_out',
  CANCELLED: 'canceled',
};

/** From the SDK's `info.status.name` (`RUNNING`, `CONTINUED_AS_NEW`, …). */
export function runStatusOf(executionStatusName: string): RunStatus {
  return byExecutionStatus[executionStatusName] ?? 'running';
}
