// The stats workflows' own logic on the time-skipping server, with stand-in activities: retries and
// their backoff, a failure for good, switches, and the post-match order (minutes first).
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTimeSkippingTemporal, startWorker, type RunningWorker } from '../../test/harness.ts';
import { joinStatsRefreshOn } from '../../test/stats-fakes.ts';
import {
  aggregationActivities,
  aggregationNames,
  statsTriggers,
  type AggregationInput,
  type AggregationName,
  type StatsRunSummary,
  type StatsSwitches,
} from '../contracts/stats.ts';
import { statsWorkflow } from './stats.ts';

let env: TestWorkflowEnvironment;
let worker: RunningWorker;
const taskQueue = `stats-ts-${randomUUID()}`;

/** How each aggregation behaves in the current test: fail its first N attempts, or `forever`. */
let failures: Partial<Record<AggregationName, { times: number | 'forever'; nonRetryable?: boolean }>>;
let switches: StatsSwitches;
/** Calls in order: `recalculate:<game>`, `aggregate:<name>#<attempt>`, `invalidate:<name>`. */
let calls: string[];
/** What each aggregation was asked to recompute. */
let inputs: Partial<Record<AggregationName, AggregationInput | undefined>>;

const allOn = (): StatsSwitches => ({
  triggers: Object.fromEntries(statsTriggers.map((t) => [t, true])) as StatsSwitches['triggers'],
  aggregations: Object.fromEntries(aggregationNames.map((a) => [a, true])) as StatsSwitches['aggregations'],
});

function aggregate(name: AggregationName) {
  return async (input?: AggregationInput) => {
    const { attempt } = Context.current().info;
    calls.push(`aggregate:${name}#${attempt}`);
    inputs[name] = input;
    const failure = failures[name];
    if (failure && (failure.times === 'forever' || attempt <= failure.times)) {
      // The shape the real activity throws (src/activities/stats.ts).
      throw ApplicationFailure.create({
        message: `${name}: simulated failure on attempt ${attempt}`,
        type: failure.nonRetryable ? 'AggregationDataError' : 'AggregationFailed',
        nonRetryable: failure.nonRetryable ?? false,
        details: [{ attempt }],
      });
    }
    return { rowsWritten: aggregationNames.indexOf(name) + 1, attempt };
  };
}

beforeAll(async () => {
  env = await startTimeSkippingTemporal();
  worker = await startWorker(env.nativeConnection, taskQueue, {
    ...Object.fromEntries(aggregationNames.map((name) => [aggregationActivities[name], aggregate(name)])),
    async readStatsSwitches() {
      return switches;
    },
    joinStatsRefresh: joinStatsRefreshOn(() => env.client, taskQueue),
    async invalidateAggregationCache(name: AggregationName) {
      calls.push(`invalidate:${name}`);
      return { invalidatedKeys: 2 };
    },
    async recalculateGameMinutes(input: { gameId: string }) {
      calls.push(`recalculate:${input.gameId}`);
      return { gameId: input.gameId, eventsVersion: 3, outcome: 'calculated' };
    },
  });
});

afterAll(async () => {
  await worker?.stop();
  await env?.teardown();
});

beforeEach(() => {
  failures = {};
  switches = allOn();
  calls = [];
  inputs = {};
});

/** Each test has its own coalescing scope, so no two tests share a coordinator. */
async function run(triggeredBy: 'post-match' | 'admin' | 'cron', extra: { gameId?: string } = {}) {
  const requestId = randomUUID();
  return env.client.workflow.start(statsWorkflow, {
    taskQueue,
    workflowId: `stats:${requestId}`,
    args: [{ triggeredBy, requestId, scope: `test-${requestId}`, minutesTaskQueue: taskQueue, ...extra }],
  });
}

function failureSummary(err: unknown): StatsRunSummary {
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause as ApplicationFailure;
  expect(cause.type).toBe('StatsRefreshFailed');
  expect(cause.nonRetryable).toBe(true);
  return cause.details![0] as StatsRunSummary;
}

describe('statsWorkflow on the time-skipping server', () => {
  it('retries an aggregation that fails twice while the others finish, then completes', async () => {
    failures = { 'season-race': { times: 2 } };
    const handle = await run('admin');
    const summary = await handle.result();
    expect(summary.status).toBe('completed');
    expect(summary.aggregations).toHaveLength(10);
    const race = summary.aggregations.find((a) => a.name === 'season-race')!;
    expect(race).toMatchObject({ status: 'succeeded', attempts: 3, rowsWritten: 9, invalidatedKeys: 2 });
    for (const other of summary.aggregations.filter((a) => a.name !== 'season-race')) {
      expect(other).toMatchObject({ status: 'succeeded', attempts: 1, invalidatedKeys: 2 });
    }
    expect(calls.filter((c) => c.startsWith('aggregate:season-race'))).toEqual([
      'aggregate:season-race#1',
      'aggregate:season-race#2',
      'aggregate:season-race#3',
    ]);
    // The others did not wait for it: all nine were invalidated before its last attempt.
    const lastRaceAttempt = calls.indexOf('aggregate:season-race#3');
    expect(calls.slice(0, lastRaceAttempt).filter((c) => c.startsWith('invalidate:'))).toHaveLength(9);
    expect(calls.filter((c) => c.startsWith('invalidate:')).sort()).toEqual(
      aggregationNames.map((n) => `invalidate:${n}`).sort(),
    );
    // Backoff 2 s then 4 s, in (skipped) workflow time.
    expect(race.durationMs).toBeGreaterThanOrEqual(6000);
  });

  it('fails the run, naming the aggregation, when one fails for good; its cache is left alone', async () => {
    failures = { 'hall-of-fame': { times: 'forever', nonRetryable: true } };
    const summary = failureSummary(await (await run('admin')).result().catch((err: unknown) => err));
    expect(summary.status).toBe('failed');
    expect(summary.aggregations.find((a) => a.name === 'hall-of-fame')).toMatchObject({
      status: 'failed',
      attempts: 1,
      rowsWritten: null,
    });
    expect(summary.aggregations.find((a) => a.name === 'hall-of-fame')!.error).toMatch(
      /simulated failure on attempt 1/,
    );
    expect(summary.aggregations.filter((a) => a.status === 'succeeded')).toHaveLength(9);
    expect(calls).not.toContain('invalidate:hall-of-fame');
    expect(calls.filter((c) => c.startsWith('invalidate:'))).toHaveLength(9);
  });

  it('gives up on a retryable failure after the declared attempts', async () => {
    failures = { 'match-reports': { times: 'forever' } };
    const summary = failureSummary(await (await run('admin')).result().catch((err: unknown) => err));
    expect(summary.aggregations.find((a) => a.name === 'match-reports')).toMatchObject({
      status: 'failed',
      attempts: 3,
    });
    expect(calls.filter((c) => c.startsWith('aggregate:match-reports'))).toHaveLength(3);
  });

  it('shows a switched-off aggregation as skipped, and does not touch its cache', async () => {
    switches.aggregations['power-ratings'] = false;
    const summary = await (await run('admin')).result();
    expect(summary.status).toBe('completed');
    expect(summary.aggregations.find((a) => a.name === 'power-ratings')).toEqual({
      name: 'power-ratings',
      status: 'skipped',
      rowsWritten: null,
      durationMs: 0,
      attempts: 0,
    });
    expect(calls.some((c) => c.includes('power-ratings'))).toBe(false);
  });

  it('ends a cron run at once when the cron trigger is switched off', async () => {
    switches.triggers.cron = false;
    const summary = await (await run('cron')).result();
    expect(summary).toMatchObject({ status: 'switched-off', triggeredBy: 'cron', aggregations: [] });
    expect(summary.message).toMatch(/switched off/);
    expect(calls).toEqual([]);
  });

  it("makes the game's minutes fresh before a post-match refresh starts", async () => {
    const handle = await run('post-match', { gameId: 'game-7' });
    const summary = await handle.result();
    expect(summary.minutes).toEqual({ workflowId: `minutes-recalc:${handle.workflowId}`, outcome: 'calculated' });
    expect(calls[0]).toBe('recalculate:game-7');
    expect(calls.slice(1).every((c) => !c.startsWith('recalculate:'))).toBe(true);
    expect(summary.refresh!.served).toEqual([handle.workflowId]);
    // A refresh serving only post-match runs recomputes what their games touch.
    expect(inputs).toEqual(Object.fromEntries(aggregationNames.map((n) => [n, { games: ['game-7'] }])));
  });

  it('recomputes everything for the admin trigger', async () => {
    await (await run('admin')).result();
    expect(inputs).toEqual(Object.fromEntries(aggregationNames.map((n) => [n, {}])));
  });
});
