// Names and types shared by the API, workers, workflows and scripts. Workflows import only types
// from here, so this module stays free of I/O.

/** Workflow type names, as registered by the workers and shown in the Web UI. */
export const WorkflowTypes = {
  recalculateMinutes: 'recalculateMinutesWorkflow',
} as const;

/** What caused a workflow to start; stored in the `FulltimeTrigger` search attribute. */
export const Triggers = {
  gameCreated: 'game.created',
  substitutionCreated: 'substitution.created',
  substitutionUpdated: 'substitution.updated',
  substitutionDeleted: 'substitution.deleted',
  disciplinaryActionCreated: 'disciplinary-action.created',
  disciplinaryActionUpdated: 'disciplinary-action.updated',
  disciplinaryActionDeleted: 'disciplinary-action.deleted',
  backfill: 'backfill',
} as const;
export type Trigger = (typeof Triggers)[keyof typeof Triggers];

/** Custom search attributes (all Keyword) so `temporal workflow list --query` and the Web UI can filter. */
export const SearchAttributeNames = {
  trigger: 'FulltimeTrigger',
  gameId: 'FulltimeGameId',
  requestId: 'FulltimeRequestId',
} as const;

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
export const FailureTypes = {
  invalidTimeline: 'InvalidTimeline',
  gameNotFound: 'GameNotFound',
} as const;

export type CardType = 'yellow' | 'second-yellow' | 'red';
/** Cards that send a player off and so end their minutes. */
export const sendingOffCards: readonly CardType[] = ['red', 'second-yellow'];
export function isSendingOff(cardType: CardType): boolean {
  return sendingOffCards.includes(cardType);
}
