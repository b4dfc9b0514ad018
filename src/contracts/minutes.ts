// The minutes concern's contract: the recalculation workflow, its activity, its workflow IDs and its
// failure types, shared by the workflow, the activity and the services that start it.
import type { Trigger } from './common.ts';

/** The workflow ID of the recalculation a request starts: a repeat of the request names the same run. */
export function recalculationWorkflowId(requestId: string): string {
  return `minutes-recalc:${requestId}`;
}

export interface RecalculateMinutesInput {
  gameId: string;
  requestId: string;
  trigger: Trigger;
}

export type RecalculationOutcome =
  /** Minutes for `eventsVersion` were computed and stored. */
  | 'calculated'
  /** A recalculation had already looked at this version or a newer one; nothing was written. */
  | 'superseded';

export interface RecalculationResult {
  gameId: string;
  eventsVersion: number;
  outcome: RecalculationOutcome;
}

/** ApplicationFailure types that mean "bad data": never retried. */
export const MinutesFailureTypes = {
  invalidTimeline: 'InvalidTimeline',
  gameNotFound: 'GameNotFound',
} as const;

export interface MinutesActivities {
  /**
   * Reads the game's whole event log at its current version and stores the minutes it gives; writes
   * nothing when that version (or a newer one) was already looked at. An impossible timeline fails
   * with `InvalidTimeline`, an unknown game with `GameNotFound`, neither retried.
   */
  recalculateGameMinutes(input: { gameId: string }): Promise<RecalculationResult>;
}

export interface MinutesWorkflows {
  recalculateMinutesWorkflow(input: RecalculateMinutesInput): Promise<RecalculationResult>;
}
