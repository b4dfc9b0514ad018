// Starting scoreboard rebuilds: asked by an operator, or by a reader that found a projection behind.
import type { Client } from '@temporalio/client';
import { NotFoundError } from '../../domain/errors.ts';
import { Triggers } from '../../vocabulary.ts';
import { startWorkflowOnce, workflowStart } from '../../temporal/start-workflow.ts';
import type { WriteScope } from '../write.ts';

function rebuildStart(tournamentId: string, workflowId: string, taskQueue: string, reason: string) {
  return workflowStart('rebuildScoreboardWorkflow', {
    workflowId,
    taskQueue,
    args: [{ tournamentId }],
    searchAttributes: { trigger: Triggers.rebuild },
    memo: { tournamentId, reason },
  });
}

/** An operator's rebuild: its own run per request. */
export async function startRebuild(scope: WriteScope, taskQueue: string, tournamentId: string): Promise<{ workflowId: string }> {
  if (!(await scope.tx.tournament.findUnique({ where: { id: tournamentId }, select: { id: true } }))) throw new NotFoundError('tournament', tournamentId);
  const { workflowId } = await scope.startNow(rebuildStart(tournamentId, `scoreboard-rebuild:${tournamentId}:request:${scope.requestId}`, taskQueue, 'asked through the API'));
  return { workflowId };
}

/** A reader's rebuild: one per tournament version, however many readers find it behind. */
export function requestStaleRebuild(temporal: Client, taskQueue: string) {
  return (tournamentId: string, version: number) =>
    startWorkflowOnce(temporal, rebuildStart(tournamentId, `scoreboard-rebuild:${tournamentId}:v${version}`, taskQueue, 'a reader found the projection behind'), 2000);
}
