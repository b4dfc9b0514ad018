import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { toSearchAttributePairs, type StoredSearchAttributes } from './search-attributes.ts';

/** Everything needed to start one workflow; plain JSON, so the outbox can store it. */
export interface WorkflowStart {
  workflowId: string;
  workflowType: string;
  taskQueue: string;
  args: unknown[];
  searchAttributes: StoredSearchAttributes;
  memo: Record<string, unknown>;
}

export type StartOutcome = { outcome: 'started'; handle: WorkflowHandle } | { outcome: 'alreadyStarted' };

/**
 * Starts the workflow unless its ID has ever run: a workflow ID names one request's work, so it is
 * never run twice, even after it closed (REJECT_DUPLICATE). `deadlineMs` bounds the call.
 */
export async function startWorkflowOnce(client: Client, start: WorkflowStart, deadlineMs?: number): Promise<StartOutcome> {
  const call = () =>
    client.workflow.start(start.workflowType, {
      workflowId: start.workflowId,
      taskQueue: start.taskQueue,
      args: start.args,
      typedSearchAttributes: toSearchAttributePairs(start.searchAttributes),
      memo: start.memo,
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  try {
    const handle = deadlineMs === undefined ? await call() : await client.connection.withDeadline(Date.now() + deadlineMs, call);
    return { outcome: 'started', handle };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { outcome: 'alreadyStarted' };
    throw err;
  }
}
