// The schedules concern's contract: how a registry schedule and its runs are named and marked, so
// the sync, the operations and the jobs API agree on them.

/** Marks a schedule as this project's: sync deletes a schedule missing from the registry only with it. */
export const SCHEDULE_MARKER = { managedBy: 'fulltime' } as const;

/** The workflow ID prefix of a job's scheduled runs (the server appends the scheduled time). */
export function scheduledWorkflowId(jobKey: string): string {
  return `scheduled:${jobKey}`;
}

/** A run of the job started now, outside its spec, by request `requestId`. */
export function runNowWorkflowId(jobKey: string, requestId: string): string {
  return `${scheduledWorkflowId(jobKey)}:run-now:${requestId}`;
}
