import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { DecisionCounts, SettlementActivities } from '../contracts/settlement.ts';

const { findVerificationCandidates, recordVerificationRun } = proxyActivities<SettlementActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5 },
});
// A batch asks the provider about up to 25 games, a few at a time, each bounded by PROVIDER_TIMEOUT_MS.
const { verifyGames } = proxyActivities<SettlementActivities>({
  startToCloseTimeout: '3 minutes',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 3 },
});

const BATCH = 25;

/**
 * The match-verification job (every 5 minutes, overlap SKIP): finds kicked-off, unsettled games in the
 * look-back window, asks the provider about them in bounded batches, and stores each decision (noop,
 * retry, ended) with its reason; an `ended` decision records the result, which starts its settlement.
 */
export async function matchVerificationWorkflow(): Promise<{ candidates: number; decisions: DecisionCounts }> {
  const { workflowId } = workflowInfo();
  const candidates = await findVerificationCandidates({ workflowId });
  const decisions: DecisionCounts = { noop: 0, retry: 0, ended: 0 };
  for (let i = 0; i < candidates.length; i += BATCH) {
    const counts = await verifyGames({ runWorkflowId: workflowId, gameIds: candidates.slice(i, i + BATCH) });
    decisions.noop += counts.noop;
    decisions.retry += counts.retry;
    decisions.ended += counts.ended;
  }
  await recordVerificationRun({ workflowId, decisions });
  return { candidates: candidates.length, decisions };
}
