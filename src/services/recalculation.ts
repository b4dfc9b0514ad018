import type { WriteScope } from '../api/write.ts';
import { recalculationWorkflowId, WorkflowTypes, type RecalculateMinutesInput, type Trigger } from '../shared.ts';
import type { WorkflowStart } from '../temporal/start-workflow.ts';

/** The start of the recalculation a request (or a backfill step) asks for. */
export function recalculationStart(options: {
  requestId: string;
  gameId: string;
  trigger: Trigger;
  eventsVersion: number;
  taskQueue: string;
}): WorkflowStart {
  const { requestId, gameId, trigger, eventsVersion, taskQueue } = options;
  const input: RecalculateMinutesInput = { gameId, requestId, trigger };
  return {
    workflowId: recalculationWorkflowId(requestId),
    workflowType: WorkflowTypes.recalculateMinutes,
    taskQueue,
    args: [input],
    searchAttributes: { trigger, requestId, gameId },
    memo: { gameId, requestId, trigger, eventsVersion },
  };
}

/**
 * Marks the game's minutes-relevant events as changed (bumps eventsVersion) and records, in the same
 * transaction, the recalculation workflow this request starts.
 */
export async function bumpAndRecalculate(
  scope: WriteScope,
  taskQueue: string,
  gameId: string,
  trigger: Trigger,
): Promise<{ workflowId: string }> {
  const { eventsVersion } = await scope.tx.game.update({
    where: { id: gameId },
    data: { eventsVersion: { increment: 1 } },
    select: { eventsVersion: true },
  });
  return enqueueRecalculation(scope, taskQueue, gameId, trigger, eventsVersion);
}

export async function enqueueRecalculation(
  scope: WriteScope,
  taskQueue: string,
  gameId: string,
  trigger: Trigger,
  eventsVersion: number,
): Promise<{ workflowId: string }> {
  const start = recalculationStart({ requestId: scope.requestId, gameId, trigger, eventsVersion, taskQueue });
  await scope.enqueue(start);
  return { workflowId: start.workflowId };
}
