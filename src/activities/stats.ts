import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { TaggedCache } from '../cache/tagged-cache.ts';
import type { Workflows } from '../contracts/catalog.ts';
import {
  aggregationActivities,
  aggregationNames,
  joinRefresh,
  statsCoordinatorWorkflowId,
  StatsFailureTypes,
  type AggregationActivityName,
  type AggregationInput,
  type AggregationName,
  type AggregationResult,
  type StatsActivities,
} from '../contracts/stats.ts';
import type { PrismaClient } from '../db/client.ts';
import { sqlStateOf } from '../db/errors.ts';
import { cacheTagOf } from '../domain/stats/aggregations.ts';
import type { Redis } from '../redis.ts';
import { runAggregation } from '../services/stats/aggregations.ts';
import { getStatsSwitches } from '../services/stats/switches.ts';

export interface StatsActivityDeps {
  prisma: PrismaClient;
  redis: Redis;
  /** A client, for the one thing a workflow cannot do itself: signal-with-start the coordinator. */
  temporal: Client;
  taskQueues: { stats: string };
}

/** PostgreSQL errors of class 22 (data exception) and 23 (integrity): bad data, retrying cannot help. */
function isDataError(err: unknown): boolean {
  return /^(22|23)/.test(sqlStateOf(err) ?? '');
}

export function createStatsActivities({ prisma, redis, temporal, taskQueues }: StatsActivityDeps): StatsActivities {
  const cache = new TaggedCache(redis);

  /** One aggregation as an activity: its rows, and its attempt number for the run's summary. */
  const aggregate =
    (name: AggregationName) =>
    async (input: AggregationInput = {}): Promise<AggregationResult> => {
      const { attempt, startToCloseTimeoutMs } = Context.current().info;
      try {
        // Stop the statement a second before the attempt's own timeout, so it never outlives it.
        return {
          rowsWritten: await runAggregation(prisma, name, Math.max(1000, startToCloseTimeoutMs - 1000), input.games),
          attempt,
        };
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
  const aggregations = Object.fromEntries(
    aggregationNames.map((name) => [aggregationActivities[name], aggregate(name)]),
  ) as Record<AggregationActivityName, (input?: AggregationInput) => Promise<AggregationResult>>;

  return {
    async readStatsSwitches() {
      return getStatsSwitches(prisma);
    },

    async joinStatsRefresh(input) {
      await temporal.workflow.signalWithStart<Workflows['statsCoordinatorWorkflow'], [typeof input.request]>(
        'statsCoordinatorWorkflow',
        {
          workflowId: statsCoordinatorWorkflowId(input.scope),
          taskQueue: taskQueues.stats,
          args: [{ scope: input.scope }],
          signal: joinRefresh,
          signalArgs: [input.request],
        },
      );
    },

    async invalidateAggregationCache(name) {
      return { invalidatedKeys: await cache.invalidate([cacheTagOf(name)]) };
    },

    ...aggregations,
  };
}
