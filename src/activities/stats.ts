import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { TaggedCache } from '../cache/tagged-cache.ts';
import type { PrismaClient } from '../db/client.ts';
import { sqlStateOf } from '../db/errors.ts';
import { cacheTagOf, type AggregationName, type StatsSwitches } from '../domain/stats/aggregations.ts';
import type { RefreshRequest } from '../domain/stats/runs.ts';
import type { Redis } from '../redis.ts';
import { runAggregation } from '../services/stats/aggregations.ts';
import { getStatsSwitches } from '../services/stats/switches.ts';
import { StatsFailureTypes } from '../vocabulary.ts';
import { joinRefresh, statsCoordinatorWorkflow } from '../workflows/stats.ts';

export interface StatsActivityDeps {
  prisma: PrismaClient;
  redis: Redis;
  /** A client, for the one thing a workflow cannot do itself: signal-with-start the coordinator. */
  temporal: Client;
  taskQueues: { stats: string };
}

export interface AggregationResult {
  rowsWritten: number;
  attempt: number;
}

/** PostgreSQL errors of class 22 (data exception) and 23 (integrity): bad data, retrying cannot help. */
function isDataError(err: unknown): boolean {
  return /^(22|23)/.test(sqlStateOf(err) ?? '');
}

export function coordinatorWorkflowId(scope: string): string {
  return `stats-coordinator:${scope}`;
}

export function createStatsActivities({ prisma, redis, temporal, taskQueues }: StatsActivityDeps) {
  const cache = new TaggedCache(redis);

  /** One aggregation as an activity: its rows, and its attempt number for the run's summary. */
  const aggregate = (name: AggregationName) => async (): Promise<AggregationResult> => {
    const { attempt, startToCloseTimeoutMs } = Context.current().info;
    try {
      // Stop the statement a second before the attempt's own timeout, so it never outlives it.
      return { rowsWritten: await runAggregation(prisma, name, Math.max(1000, startToCloseTimeoutMs - 1000)), attempt };
    } catch (err) {
      const nonRetryable = isDataError(err);
      throw ApplicationFailure.create({
        message: `${name}: ${(err as Error).message}`,
        type: nonRetryable ? StatsFailureTypes.aggregationDataError : StatsFailureTypes.aggregationFailed,
        nonRetryable,
        details: [{ attempt }],
        cause: err instanceof Error ? err : undefined,
      });
    }
  };

  return {
    async readStatsSwitches(): Promise<StatsSwitches> {
      return getStatsSwitches(prisma);
    },

    /** Asks the scope's coordinator for a refresh (starting it if none runs). Idempotent per workflow. */
    async joinStatsRefresh(input: { scope: string; request: RefreshRequest }): Promise<void> {
      await temporal.workflow.signalWithStart(statsCoordinatorWorkflow, {
        workflowId: coordinatorWorkflowId(input.scope),
        taskQueue: taskQueues.stats,
        args: [{ scope: input.scope }],
        signal: joinRefresh,
        signalArgs: [input.request],
      });
    },

    /** Drops the Redis cache entries built from an aggregation's output. */
    async invalidateAggregationCache(name: AggregationName): Promise<{ invalidatedKeys: number }> {
      return { invalidatedKeys: await cache.invalidate([cacheTagOf(name)]) };
    },

    aggregateSeasonStats: aggregate('season-stats'),
    aggregateAllTimeStats: aggregate('all-time-stats'),
    aggregateHallOfFame: aggregate('hall-of-fame'),
    aggregateRecentForm: aggregate('recent-form'),
    aggregateSeasonHonours: aggregate('season-honours'),
    aggregateMatchReports: aggregate('match-reports'),
    aggregatePersonalBests: aggregate('personal-bests'),
    aggregatePlayerProfiles: aggregate('player-profiles'),
    aggregateSeasonRace: aggregate('season-race'),
    aggregatePowerRatings: aggregate('power-ratings'),
  };
}

export type StatsActivities = ReturnType<typeof createStatsActivities>;
