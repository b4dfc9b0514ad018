// Settling a result, and keeping the Redis scoreboards in step with PostgreSQL.
import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import { failureMessage } from '../contracts/common.ts';
import {
  SettlementFailureTypes,
  type SettledGame,
  type SettlementActivities,
  type SettlementInput,
} from '../contracts/settlement.ts';

// One transaction, however many predictions (a million takes seconds). The heartbeat timeout gets a
// dead worker's attempt retried within seconds; a database outage is retried for up to six hours.
const { applySettlement } = proxyActivities<SettlementActivities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '10 seconds',
  scheduleToCloseTimeout: '6 hours',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: [SettlementFailureTypes.unknownResult],
  },
});
// Redis writes. A Redis that is down, refusing writes (OOM, MISCONF, READONLY) or timing out fails an
// attempt; it is retried every 30 s at most until Redis takes writes again (so the boards catch up on
// their own once it does), for up to an hour. Meanwhile reads are served from PostgreSQL. Past the
// hour the projection is recorded as failed and a reader's or an operator's rebuild catches Redis up.
const { projectScoreboard, rebuildScoreboard } = proxyActivities<SettlementActivities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '10 seconds',
  scheduleToCloseTimeout: '1 hour',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});
const { recordSettlementFailure } = proxyActivities<SettlementActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 20 },
});

/**
 * Settles one result of one game (`settle:<game>:<result hash>`: a flood of repeats of a result
 * settles once) and projects the tournament's scoreboards. A settlement that fails for good is
 * recorded as failed (GET /api/games/:id/settlement) and can be retried through the jobs API.
 */
export async function settleGameWorkflow(input: SettlementInput): Promise<SettledGame> {
  let settled;
  try {
    settled = await applySettlement(input);
  } catch (err) {
    await recordSettlementFailure({ ...input, error: failureMessage(err) });
    throw ApplicationFailure.create({
      message: `settlement of ${input.gameId} (${input.resultHash}) failed: ${failureMessage(err)}`,
      nonRetryable: true,
      cause: err instanceof Error ? err : undefined,
    });
  }
  let projection: SettledGame['projection'] = null;
  if (settled.outcome !== 'skipped' && settled.tournamentId) {
    try {
      projection = await projectScoreboard({ tournamentId: settled.tournamentId });
    } catch (err) {
      // The result is applied in PostgreSQL; reads fall back to it and a rebuild catches Redis up.
      projection = { error: failureMessage(err) };
    }
  }
  return { ...settled, projection };
}

/** Catches a tournament's boards up (after league members were added). */
export async function projectScoreboardWorkflow(input: { tournamentId: string }) {
  return projectScoreboard(input);
}

/** Rebuilds a tournament's boards from PostgreSQL (a reader found them stale, or an operator asked). */
export async function rebuildScoreboardWorkflow(input: { tournamentId: string }) {
  return rebuildScoreboard(input);
}
