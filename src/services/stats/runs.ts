// Starting stats runs: the post-match trigger's start (saved with the result, services/results.ts), the
// admin trigger (started at once, answering with the run ID). The cron trigger is a schedule.
import type { Config } from '../../config.ts';
import { ConflictError } from '../../domain/errors.ts';
import type { RequestedBy } from '../../contracts/common.ts';
import { statsWorkflowId, type StatsTrigger } from '../../contracts/stats.ts';
import { workflowStart, type WorkflowStart } from '../../temporal/start-workflow.ts';
import type { WriteScope } from '../write.ts';
import { getStatsSwitches } from './switches.ts';

export function statsRunStart(options: {
  requestId: string;
  requestedBy: RequestedBy;
  triggeredBy: StatsTrigger;
  gameId?: string;
  taskQueues: Config['taskQueues'];
}): WorkflowStart<'statsWorkflow'> {
  const { requestId, requestedBy, triggeredBy, gameId, taskQueues } = options;
  return workflowStart('statsWorkflow', {
    workflowId: statsWorkflowId(requestId),
    taskQueue: taskQueues.stats,
    args: [{ triggeredBy, requestId, ...(gameId ? { gameId } : {}), minutesTaskQueue: taskQueues.minutes }],
    searchAttributes: { trigger: triggeredBy, requestId, ...(gameId ? { gameId } : {}) },
    memo: { requestedBy, triggeredBy, requestId, ...(gameId ? { gameId } : {}) },
  });
}

/** The admin trigger: starts a full stats run now, unless the admin trigger is switched off. */
export async function startAdminStatsRun(scope: WriteScope, taskQueues: Config['taskQueues']): Promise<{ workflowId: string; runId: string }> {
  const switches = await getStatsSwitches(scope.tx);
  if (!switches.triggers.admin) {
    throw new ConflictError('trigger_disabled', 'the admin stats trigger is switched off (see GET /api/admin/stats-switches)');
  }
  return scope.startNow(statsRunStart({ requestId: scope.requestId, requestedBy: scope.requestedBy, triggeredBy: 'admin', taskQueues }));
}
