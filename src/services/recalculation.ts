import type { WriteScope } from '../api/write.ts';
import { recalculationWorkflowId, WorkflowTypes, type RecalculateMinutesInput, type Trigger } from '../shared.ts';

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
  const workflowId = recalculationWorkflowId(scope.requestId);
  const input: RecalculateMinutesInput = { gameId, requestId: scope.requestId, trigger };
  await scope.enqueue({
    workflowId,
    workflowType: WorkflowTypes.recalculateMinutes,
    taskQueue,
    args: [input],
    searchAttributes: { trigger, requestId: scope.requestId, gameId },
    memo: { gameId, requestId: scope.requestId, trigger, eventsVersion },
  });
  return { workflowId };
}
