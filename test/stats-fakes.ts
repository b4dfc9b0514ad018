// The stats activity a workflow test cannot do without a client: a run joining its scope's
// coordinator, with signal-with-start as src/activities/stats.ts does, on the test's own task queue.
import type { Client } from '@temporalio/client';
import { joinRefresh, statsCoordinatorWorkflowId, type RefreshRequest } from '../src/contracts/stats.ts';
import { statsCoordinatorWorkflow } from '../src/workflows/stats.ts';

export function joinStatsRefreshOn(client: () => Client, taskQueue: string) {
  return async (input: { scope: string; request: RefreshRequest }): Promise<void> => {
    await client().workflow.signalWithStart(statsCoordinatorWorkflow, {
      workflowId: statsCoordinatorWorkflowId(input.scope),
      taskQueue,
      args: [{ scope: input.scope }],
      signal: joinRefresh,
      signalArgs: [input.request],
    });
  };
}
