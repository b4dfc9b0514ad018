// What every concern's contract shares: what started a run, who asked for it, and the search
// attributes and memo that find it again. Pure data and pure functions: workflows import this too.
import type { defineSearchAttributeKey, SearchAttributePair } from '@temporalio/common';

/** What caused a workflow to start; stored in the `FulltimeTrigger` search attribute. */
export const Triggers = {
  gameCreated: 'game.created',
  substitutionCreated: 'substitution.created',
  substitutionUpdated: 'substitution.updated',
  substitutionDeleted: 'substitution.deleted',
  disciplinaryActionCreated: 'disciplinary-action.created',
  disciplinaryActionUpdated: 'disciplinary-action.updated',
  disciplinaryActionDeleted: 'disciplinary-action.deleted',
  goalCreated: 'goal.created',
  goalUpdated: 'goal.updated',
  goalDeleted: 'goal.deleted',
  backfill: 'backfill',
  // Stats runs: the trigger that asked for them (a correction to an ended game is post-match too).
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
  /** A number re-derived by a reconciliation's repair (a recalculation, a settlement, a refresh). */
  repair: 'repair',
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

// What `defineSearchAttributeKey(name, 'KEYWORD')` makes, written out: workflows import this module.
const keyword = (name: string): ReturnType<typeof defineSearchAttributeKey<'KEYWORD'>> => ({ name, type: 'KEYWORD' });
/** The typed keys: four of the ten Keyword attributes the dev server's SQLite visibility allows. */
export const SearchAttributeKeys = {
  trigger: keyword(SearchAttributeNames.trigger),
  gameId: keyword(SearchAttributeNames.gameId),
  requestId: keyword(SearchAttributeNames.requestId),
  jobKey: keyword(SearchAttributeNames.jobKey),
} as const;

/** A run's search attributes in plain JSON (the outbox stores them so); `toSearchAttributePairs` types them. */
export interface RunSearchAttributes {
  trigger: Trigger;
  /** The request that started it; a scheduled run has none. */
  requestId?: string;
  gameId?: string;
  jobKey?: string;
}

export function toSearchAttributePairs(attrs: RunSearchAttributes): SearchAttributePair[] {
  const pairs: SearchAttributePair[] = [{ key: SearchAttributeKeys.trigger, value: attrs.trigger }];
  if (attrs.requestId) pairs.push({ key: SearchAttributeKeys.requestId, value: attrs.requestId });
  if (attrs.gameId) pairs.push({ key: SearchAttributeKeys.gameId, value: attrs.gameId });
  if (attrs.jobKey) pairs.push({ key: SearchAttributeKeys.jobKey, value: attrs.jobKey });
  return pairs;
}

/**
 * Who asked for a run (memo `requestedBy`, the jobs API's `requestedBy`): a client with the bearer
 * token, a person signed in to the console, a schedule, match verification, or the system itself
 * (a backfill, a reader that found a scoreboard behind).
 */
export type RequestedBy = 'token' | `operator:${string}` | `schedule:${string}` | 'verification' | 'system';

export const RequestedBy = {
  token: 'token',
  verification: 'verification',
  system: 'system',
  operator: (username: string): RequestedBy => `operator:${username}`,
  schedule: (jobKey: string): RequestedBy => `schedule:${jobKey}`,
} as const;

/** What every run's memo holds (besides what its concern adds), for the Web UI and the jobs API. */
export interface RunMemo {
  requestedBy: RequestedBy;
  /** The request that started it; a scheduled run has none. */
  requestId?: string;
  trigger?: Trigger;
  gameId?: string;
  [key: string]: unknown;
}

/** The ID of a new run of a job that failed, asked for by request `requestId` (the jobs API's retry). */
export function retryWorkflowId(workflowId: string, requestId: string): string {
  return `${workflowId}:retry:${requestId}`;
}

/**
 * The message of a failure a workflow caught: its cause's when it has one, since an activity's or a
 * child's own error is the cause of the ActivityFailure or ChildWorkflowFailure wrapping it.
 */
export function failureMessage(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.cause instanceof Error ? err.cause.message : err.message;
}
