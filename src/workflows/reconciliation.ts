// Reconciliation: the checks one after another (each one activity, heartbeating between slices),
// then the run marked completed; and the repair of a completed run's mismatches.
import { ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import { failureMessage, RequestedBy, type RunMemo } from '../contracts/common.ts';
import {
  reconciliationChecks,
  ReconciliationFailureTypes,
  type CheckResult,
  type ReconcileInput,
  type ReconcileSummary,
  type ReconciliationActivities,
  type RepairActions,
  type RepairInput,
} from '../contracts/reconciliation.ts';

const retry = {
  initialInterval: '2 seconds',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  nonRetryableErrorTypes: [ReconciliationFailureTypes.unknownReconciliation],
};

// A check over 1.5 M predictions takes tens of seconds; its heartbeats between slices get a dead
// worker's attempt retried in seconds. A database that is down for a while is waited out.
const { runCheck } = proxyActivities<ReconciliationActivities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: { ...retry, maximumAttempts: 10 },
});
// Each re-derivation is a write with its own request ID: a retry replays it, never repairs twice.
const { repairMismatches } = proxyActivities<ReconciliationActivities>({
  startToCloseTimeout: '10 minutes',
  retry: { ...retry, maximumAttempts: 10 },
});
const { beginReconciliation, finishReconciliation, finishRepair } = proxyActivities<ReconciliationActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { ...retry, maximumAttempts: 20 },
});

function failed(what: string, err: unknown): ApplicationFailure {
  return ApplicationFailure.create({
    message: `${what} failed: ${failureMessage(err)}`,
    nonRetryable: true,
    cause: err instanceof Error ? err : undefined,
  });
}

/** Recomputes the numbers of its checks (all of them when none are named) over its scope. */
export async function reconcileWorkflow(input: ReconcileInput): Promise<ReconcileSummary> {
  const info = workflowInfo();
  const scope = input.scope ?? {};
  const checks = reconciliationChecks.filter((c) => !input.checks || input.checks.includes(c));
  const requestedBy = (info.memo as Partial<RunMemo> | undefined)?.requestedBy ?? RequestedBy.system;
  const { reconciliationId } = await beginReconciliation({
    reconciliationId: input.reconciliationId,
    workflowId: info.workflowId,
    scope,
    checks,
    requestedBy,
  });
  const results: CheckResult[] = [];
  try {
    for (const check of checks) results.push(await runCheck({ reconciliationId, check, scope }));
  } catch (err) {
    await finishReconciliation({ reconciliationId, error: failureMessage(err) });
    throw failed(`reconciliation ${reconciliationId}`, err);
  }
  await finishReconciliation({ reconciliationId });
  return { reconciliationId, checks: results };
}

/** Re-derives a completed reconciliation's mismatches through the paths that own them. */
export async function repairReconciliationWorkflow(input: RepairInput): Promise<RepairActions> {
  try {
    const actions = await repairMismatches(input);
    await finishRepair({ repairId: input.repairId, actions });
    return actions;
  } catch (err) {
    await finishRepair({ repairId: input.repairId, error: failureMessage(err) });
    throw failed(`repair ${input.repairId}`, err);
  }
}
