// Starting stats runs: the post-match trigger's start (saved with the result, services/results.ts), the
// admin trigger (started at once, answering with the run ID). The cron trigger is a schedule.
import type { Config } from '../../config.ts';
import { ConflictError } from '../../domain/errors.ts';
import type { RequestedBy, Trigger } from '../../contracts/common.ts';
import { statsWorkflowId, type StatsTrigger } from '../../contracts/stats.ts';
import { workflowStart, type WorkflowStart } from '../../temporal/start-workflow.ts';
import type { WriteScope } from '../write.ts';
import { getStatsSwitches } from './switches.ts';

export function statsRunStart(options: {
  requestId: string;
  requestedBy: RequestedBy;
  triggeredBy: StatsTrigger;
  gameId?: string;
  /** A post-match run for a correction to an ended game: the change that asked for it. */
  correction?: Trigger;
  taskQueues: Config['taskQueues'];
}): WorkflowStart<'statsWorkflow'> {
  const { requestId, requestedBy, triggeredBy, gameId, correction, taskQueues } = options;
  return workflowStart('statsWorkflow', {
    workflowId: statsWorkflowId(requestId),
    taskQueue: taskQueues.stats,
    args: [{ triggeredBy, requestId, ...(gameId ? { gameId } : {}), minutesTaskQueue: taskQueues.minutes }],
    searchAttributes: { trigger: triggeredBy, requestId, ...(gameId ? { gameId } : {}) },
    memo: { requestedBy, triggeredBy, requestId, ...(gameId ? { gameId } : {}), ...(correction ? { correction } : {}) },
  });
}

/** The admin trigger: starts a full stats run now, unless the admin trigger is switched off. */
export async function startAdminStatsRun(
  scope: WriteScope,
  taskQueues: Config['taskQueues'],
): Promise<{ workflowId: string; runId: string }> {
  const switches = await getStatsSwitches(scope.tx);
  if (!switches.triggers.admin) {
    throw new ConflictError(
      'trigger_disabled',
      'the admin stats trigger is switched off (see GET /api/admin/stats-switches)',
    );
  }
  return scope.startNow(
    statsRunStart({ requestId: scope.requestId, requestedBy: scope.requestedBy, triggeredBy: 'admin', taskQueues }),
  );
}

/**
 * A change to an ended game's substitutions, cards or goals (a correction after the final whistle):
 * the post-match stats path again, from the same transaction, unless the post-match trigger is
 * switched off. Its run coalesces with every other like a burst of results; the settlement depends
 * on the posted result only and is not touched.
 */
export async function enqueueCorrectionStats(
  scope: WriteScope,
  taskQueues: Config['taskQueues'],
  gameId: string,
  correction: Trigger,
): Promise<{ workflowId: string } | null> {
  if (!(await getStatsSwitches(scope.tx)).triggers['post-match']) return null;
  const start = statsRunStart({
    requestId: scope.requestId,
    requestedBy: scope.requestedBy,
    triggeredBy: 'post-match',
    gameId,
    correction,
    taskQueues,
  });
  await scope.enqueue(start);
  return { workflowId: start.workflowId };
}
