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
  // Stats runs: the trigger that asked for them.
  postMatch: 'post-match',
  admin: 'admin',
  cron: 'cron',
  /** A run started by the jobs API's retry of a failed one. */
  retry: 'retry',
  /** A run started by a schedule (its job key is in FulltimeJobKey), or run now through the API. */
  schedule: 'schedule',
  /** A result the match provider reported (match verification), and the settlement it starts. */
  verification: 'verification',
  /** A scoreboard projection rebuilt from PostgreSQL (found stale, or asked for). */
  rebuild: 'rebuild',
} as const;
export type Trigger = (typeof Triggers)[keyof typeof Triggers];

/** Custom search attributes (all Keyword) so `temporal workflow list --query` and the Web UI can filter. */
export const SearchAttributeNames = {
  trigger: 'FulltimeTrigger',
  gameId: 'FulltimeGameId',
  requestId: 'FulltimeRequestId',
  /** The schedule registry entry that started a run (match-verification, stats-nightly, …). */
  jobKey: 'FulltimeJobKey',
} as const;

/** The workflow ID of the recalculation a request starts: a repeat of the request names the same run. */
export function recalculationWorkflowId(requestId: string): string {
  return `minutes-recalc:${requestId}`;
}

/** The settlement of one result of one game: a flood of repeats of that result settles once. */
export function settlementWorkflowId(gameId: string, resultHash: string): string {
  return `settle:${gameId}:${resultHash}`;
}

/** The workflow ID of the stats run a request (result, admin trigger) starts. */
export function statsWorkflowId(requestId: string): string {
  return `stats:${requestId}`;
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

/** ApplicationFailure types of the stats slice. */
export const StatsFailureTypes = {
  /** An aggregation failed for a reason a retry may fix (database down, timeout). */
  aggregationFailed: 'AggregationFailed',
  /** An aggregation met data it cannot handle: never retried. */
  aggregationDataError: 'AggregationDataError',
  /** A refresh ended with at least one failed aggregation; its details hold the summary. */
  refreshFailed: 'StatsRefreshFailed',
} as const;

/** ApplicationFailure types of settlement. */
export const SettlementFailureTypes = {
  /** The game or its result does not exist: never retried. */
  unknownResult: 'UnknownResult',
} as const;

export type CardType = 'yellow' | 'second-yellow' | 'red';
/** Cards that send a player off and so end their minutes. */
export const sendingOffCards: readonly CardType[] = ['red', 'second-yellow'];
export function isSendingOff(cardType: CardType): boolean {
  return sendingOffCards.includes(cardType);
}
