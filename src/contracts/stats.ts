// The stats concern's contract: its triggers and aggregations, the stats, coordinator and refresh
// workflows with their signals and IDs, the activities they call, and their failure types.
import { defineSignal } from '@temporalio/workflow';
import { Triggers } from './common.ts';

export const statsTriggers = [Triggers.postMatch, Triggers.admin, Triggers.cron] as const;
export type StatsTrigger = (typeof statsTriggers)[number];

export const aggregationNames = [
  'season-stats',
  'all-time-stats',
  'hall-of-fame',
  'recent-form',
  'season-honours',
  'match-reports',
  'personal-bests',
  'player-profiles',
  'season-race',
  'power-ratings',
] as const;
export type AggregationName = (typeof aggregationNames)[number];

/** The activity that runs each aggregation. */
export const aggregationActivities = {
  'season-stats': 'aggregateSeasonStats',
  'all-time-stats': 'aggregateAllTimeStats',
  'hall-of-fame': 'aggregateHallOfFame',
  'recent-form': 'aggregateRecentForm',
  'season-honours': 'aggregateSeasonHonours',
  'match-reports': 'aggregateMatchReports',
  'personal-bests': 'aggregatePersonalBests',
  'player-profiles': 'aggregatePlayerProfiles',
  'season-race': 'aggregateSeasonRace',
  'power-ratings': 'aggregatePowerRatings',
} as const satisfies Record<AggregationName, string>;
export type AggregationActivityName = (typeof aggregationActivities)[AggregationName];

export interface StatsSwitches {
  triggers: Record<StatsTrigger, boolean>;
  aggregations: Record<AggregationName, boolean>;
}

/** Refreshes are coalesced per scope; every trigger uses this one unless it names another. */
export const DEFAULT_STATS_SCOPE = 'league';

/** The workflow ID of the stats run a request (a result, a correction, the admin trigger) starts. */
export function statsWorkflowId(requestId: string): string {
  return `stats:${requestId}`;
}

/** The one coordinator of a scope: stats runs signal-with-start it. */
export function statsCoordinatorWorkflowId(scope: string): string {
  return `stats-coordinator:${scope}`;
}

/** One refresh the coordinator runs; `id` is unique to it: the coordinator's run ID and its refresh count. */
export function statsRefreshWorkflowId(scope: string, id: string): string {
  return `stats-refresh:${scope}:${id}`;
}

/** A trigger's stats run asking the scope's coordinator for a refresh. */
export interface RefreshRequest {
  workflowId: string;
  requestId: string;
  triggeredBy: StatsTrigger;
  gameId?: string;
}

export type AggregationStatus = 'succeeded' | 'failed' | 'skipped';

export interface AggregationOutcome {
  name: AggregationName;
  status: AggregationStatus;
  /** Rows the aggregation changed or deleted (a materialized view: the rows it holds). */
  rowsWritten: number | null;
  durationMs: number;
  /** Attempts made, retries included (null when unknown, e.g. a timed-out attempt). */
  attempts: number | null;
  /** Cache keys dropped after it succeeded. */
  invalidatedKeys?: number;
  error?: string;
}

export interface RefreshSummary {
  scope: string;
  status: 'completed' | 'failed';
  /** The ended games a post-match refresh recomputed what they touch for; absent: everything. */
  games?: string[];
  /** Workflow IDs of the stats runs this refresh served (one batch of triggers). */
  served: string[];
  durationMs: number;
  aggregations: AggregationOutcome[];
  failed: AggregationName[];
}

export interface StatsRunInput {
  triggeredBy: StatsTrigger;
  /** Defaults to the workflow ID (a scheduled run has no request). */
  requestId?: string;
  /** The ended game of a post-match run: its minutes are made fresh first. */
  gameId?: string;
  /** Where the minutes recalculation of a post-match run goes. */
  minutesTaskQueue?: string;
  /** The coalescing scope; one refresh runs at a time per scope. */
  scope?: string;
}

export interface StatsRunSummary {
  status: 'completed' | 'failed' | 'switched-off';
  triggeredBy: StatsTrigger;
  requestId: string;
  gameId?: string;
  message?: string;
  /** A post-match run's minutes recalculation: calculated, superseded (already fresh) or invalid. */
  minutes?: { workflowId: string; outcome: string; error?: string };
  /** The refresh that served this run, and every run it served. */
  refresh?: { workflowId: string; served: string[] };
  aggregations: AggregationOutcome[];
}

export interface RefreshInput {
  scope: string;
  served: RefreshRequest[];
  /** Aggregations in flight at once (all ten unless lower, for a gentler run). */
  concurrency?: number;
}

export interface CoordinatorInput {
  scope: string;
  /** Carried across continue-as-new. */
  waiting?: RefreshRequest[];
  refreshes?: number;
}

/** A stats run asks its scope's coordinator for a refresh (sent with signal-with-start). */
export const joinRefresh = defineSignal<[RefreshRequest]>('joinRefresh');
/** The coordinator tells each run it served how the refresh went. */
export const refreshDone = defineSignal<[{ refreshWorkflowId: string; summary: RefreshSummary }]>('refreshDone');

/** ApplicationFailure types of the stats slice. */
export const StatsFailureTypes = {
  /** An aggregation failed for a reason a retry may fix (database down, timeout). */
  aggregationFailed: 'AggregationFailed',
  /** An aggregation met data it cannot handle: never retried. */
  aggregationDataError: 'AggregationDataError',
  /** A refresh ended with at least one failed aggregation; its details hold the summary. */
  refreshFailed: 'StatsRefreshFailed',
} as const;

/** What an aggregation recomputes: what `games` touch (their players, seasons, reports), or everything. */
export interface AggregationInput {
  games?: string[];
}

/**
 * The games a refresh serving `served` is scoped to: the post-match runs' games when every run it
 * serves is one (sorted, each once); undefined, for everything, when any is not (admin, cron).
 */
export function refreshGames(served: RefreshRequest[]): string[] | undefined {
  if (served.length === 0 || served.some((r) => r.triggeredBy !== Triggers.postMatch || !r.gameId)) return undefined;
  return [...new Set(served.map((r) => r.gameId!))].sort();
}

/** What an aggregation activity answers; a failure's details carry `{attempt}` the same way. */
export interface AggregationResult {
  rowsWritten: number;
  attempt: number;
}

export type StatsActivities = {
  readStatsSwitches(): Promise<StatsSwitches>;
  /** Asks the scope's coordinator for a refresh (starting it if none runs). Idempotent per run. */
  joinStatsRefresh(input: { scope: string; request: RefreshRequest }): Promise<void>;
  /** Drops the Redis cache entries built from an aggregation's output. */
  invalidateAggregationCache(name: AggregationName): Promise<{ invalidatedKeys: number }>;
} & Record<AggregationActivityName, (input?: AggregationInput) => Promise<AggregationResult>>;

export interface StatsWorkflows {
  statsWorkflow(input: StatsRunInput): Promise<StatsRunSummary>;
  statsCoordinatorWorkflow(input: CoordinatorInput): Promise<{ refreshes: number }>;
  statsRefreshWorkflow(input: RefreshInput): Promise<RefreshSummary>;
}
