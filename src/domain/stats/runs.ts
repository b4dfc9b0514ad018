// What the stats workflows take and give: plain data (workflows import these as types only).
import type { AggregationName, StatsTrigger } from './aggregations.ts';

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

export const DEFAULT_STATS_SCOPE = 'league';
