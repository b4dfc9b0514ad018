// Starting scoreboard rebuilds: asked by an operator, or by a reader that found a projection behind.
import type { Client } from '@temporalio/client';
import { NotFoundError } from '../../domain/errors.ts';
import { RequestedBy, Triggers } from '../../contracts/common.ts';
import { scoreboardRebuildWorkflowId } from '../../contracts/settlement.ts';
import { startWorkflowOnce, workflowStart } from '../../temporal/start-workflow.ts';
import type { WriteScope } from '../write.ts';

function rebuildStart(
  tournamentId: string,
  workflowId: string,
  taskQueue: string,
  requestedBy: RequestedBy,
  reason: string,
) {
  return workflowStart('rebuildScoreboardWorkflow', {
    workflowId,
    taskQueue,
    args: [{ tournamentId }],
    searchAttributes: { trigger: Triggers.rebuild },
    memo: { requestedBy, tournamentId, reason },
  });
}

/** An operator's rebuild: its own run per request. */
export async function startRebuild(
  scope: WriteScope,
  taskQueue: string,
  tournamentId: string,
): Promise<{ workflowId: string }> {
  if (!(await scope.tx.tournament.findUnique({ where: { id: tournamentId }, select: { id: true } })))
    throw new NotFoundError('tournament', tournamentId);
  const workflowId = scoreboardRebuildWorkflowId(tournamentId, { requestId: scope.requestId });
  await scope.startNow(rebuildStart(tournamentId, workflowId, taskQueue, scope.requestedBy, 'asked through the API'));
  return { workflowId };
}

/** A reader's rebuild: one per tournament version, however many readers find it behind. */
export function requestStaleRebuild(temporal: Client, taskQueue: string) {
  return (tournamentId: string, version: number) =>
    startWorkflowOnce(
      temporal,
      rebuildStart(
        tournamentId,
        scoreboardRebuildWorkflowId(tournamentId, { version }),
        taskQueue,
        RequestedBy.system,
        'a reader found the projection behind',
      ),
      2000,
    );
}
