import { log, proxyLocalActivities } from '@temporalio/workflow';
import {
  MinutesFailureTypes,
  type MinutesActivities,
  type RecalculateMinutesInput,
  type RecalculationResult,
} from '../contracts/minutes.ts';

// A local activity: one short database transaction runs inside the workflow task, so a
// recalculation costs the server one workflow task instead of two plus an activity task (measured on
// the dev server: ~1.2x the workflow rate, BENCHMARKS.md). Retries stay durable and visible: with
// localRetryThreshold 0 every backoff is a server-side timer in the workflow history.
const { recalculateGameMinutes } = proxyLocalActivities<MinutesActivities>({
  // One read-compute-write of a game: seconds at most, so a hung attempt is cut short and retried.
  startToCloseTimeout: '30 seconds',
  // Keep trying through a database outage of up to a day; the report shows `pending` meanwhile.
  scheduleToCloseTimeout: '24 hours',
  localRetryThreshold: 0,
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    // Bad data (an impossible timeline, an unknown game) fails at once instead of retrying forever.
    nonRetryableErrorTypes: [MinutesFailureTypes.invalidTimeline, MinutesFailureTypes.gameNotFound],
  },
});

/**
 * Recomputes minutes played for one game from its whole event log. Started once per request that
 * changed the game's events (workflow ID from the request ID); concurrent runs are safe because the
 * activity only ever moves the report forward.
 */
export async function recalculateMinutesWorkflow(input: RecalculateMinutesInput): Promise<RecalculationResult> {
  log.info('recalculating minutes', { gameId: input.gameId, requestId: input.requestId, trigger: input.trigger });
  return await recalculateGameMinutes({ gameId: input.gameId });
}
