/**
 * Does nothing and returns its input: a workflow with no activity, so the time it takes is the
 * server's and the worker's own overhead. Operators start it to check that a task queue is served
 * (`temporal workflow execute --type pingWorkflow --task-queue fulltime-minutes`); `npm run
 * bench:minutes` uses it to measure how many workflows per second the server completes at most.
 */
export async function pingWorkflow(payload = 'pong'): Promise<string> {
  return payload;
}
