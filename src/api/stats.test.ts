// Stats end to end: HTTP triggers -> outbox -> Temporal dev server -> workers (real activities) ->
// PostgreSQL aggregations -> Redis cache. Its own database: aggregations read every game there is.
import { randomUUID } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, waitFor, type TestApi, type TestStack } from '../../test/harness.ts';
import { DEFAULT_STATS_SCOPE, statsCoordinatorWorkflowId, type RefreshRequest } from '../contracts/stats.ts';

let stack: TestStack;
let env: TestWorkflowEnvironment;
let api: TestApi;
let http: TestStack['http'];

beforeAll(async () => {
  stack = await startStack();
  ({ env, api, http } = stack);
});

afterAll(async () => {
  await stack?.stop();
});

async function players(...names: string[]): Promise<string[]> {
  return Promise.all(
    names.map(async (name) => (await http('POST', '/api/players', { body: { name } })).body.id as string),
  );
}

/** A game: `starters` then `subs`, kicking off at `kickoffAt`. */
async function game(kickoffAt: string, starters: string[], subs: string[] = []): Promise<string> {
  const res = await http('POST', '/api/games', {
    body: {
      homeTeam: 'Home',
      awayTeam: 'Away',
      kickoffAt,
      lineup: [
        ...starters.map((playerId) => ({ playerId, starter: true })),
        ...subs.map((playerId) => ({ playerId, starter: false })),
      ],
    },
  });
  expect(res.status).toBe(201);
  return res.body.id;
}

/** Waits until the job has closed, and returns it. */
async function closedJob(workflowId: string) {
  return waitFor(
    async () => {
      const res = await http('GET', `/api/admin/jobs/${encodeURIComponent(workflowId)}`);
      return res.status === 200 && res.body.status !== 'running' ? res.body : null;
    },
    60_000,
    `job ${workflowId} to close`,
  );
}

async function setSwitches(body: unknown) {
  const res = await http('PUT', '/api/admin/stats-switches', { body });
  expect(res.status).toBe(200);
  return res.body;
}

describe('stats triggers', () => {
  let p1: string, p2: string, p3: string, p4: string, firstGame: string;

  beforeAll(async () => {
    [p1, p2, p3, p4] = (await players('One', 'Two', 'Three', 'Four')) as [string, string, string, string];
    firstGame = await game('2026-04-01T18:00:00Z', [p1, p2], [p3, p4]);
    const g = `/api/games/${firstGame}`;
    // Minutes: p1 85 (second yellow at 85), p2 60 (off at 60), p3 30 (on at 60), p4 0.
    for (const [path, body] of [
      [`${g}/substitutions`, { minute: 60, playerOutId: p2, playerInId: p3 }],
      [`${g}/goals`, { scorerId: p1, assistId: p2, minute: 10 }],
      [`${g}/goals`, { scorerId: p3, assistId: p1, minute: 75 }],
      [`${g}/goals`, { scorerId: p2, minute: 50, ownGoal: true }],
      [`${g}/disciplinary-actions`, { playerId: p2, cardType: 'yellow', minute: 30 }],
    ] as const) {
      expect((await http('POST', path, { body })).status).toBe(201);
    }
    await waitFor(async () => (await http('GET', `${g}/report`)).body.status === 'calculated', 20_000, 'the report');
    // The second yellow arrives from outside the API (a provider import): the version moves, and
    // no recalculation is started for it. Only the post-match run's own recalculation can see it.
    await api.prisma.$transaction([
      api.prisma.disciplinaryAction.create({
        data: { id: `sy-${firstGame}`, gameId: firstGame, playerId: p1, cardType: 'second_yellow', minute: 85 },
      }),
      api.prisma.game.update({ where: { id: firstGame }, data: { eventsVersion: { increment: 1 } } }),
    ]);
    expect((await http('GET', `${g}/report`)).body.status).toBe('pending');
  });

  it('post-match: saves the result, ends the game, and its run makes minutes fresh before it aggregates', async () => {
    const key = `result-${firstGame}`;
    const res = await http('POST', `/api/games/${firstGame}/result`, { body: { homeGoals: 2, awayGoals: 1 }, key });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({
      settlement: { workflowId: expect.stringMatching(new RegExp(`^settle:${firstGame}:`)) },
      stats: { workflowId: `stats:${key}` },
    });
    expect((await http('GET', `/api/games/${firstGame}`)).body).toMatchObject({
      status: 'ended',
      homeGoals: 2,
      awayGoals: 1,
    });

    const job = await closedJob(`stats:${key}`);
    expect(job).toMatchObject({ type: 'stats', triggeredBy: 'post-match', status: 'completed', gameId: firstGame });
    expect(job.result).toMatchObject({
      status: 'completed',
      triggeredBy: 'post-match',
      requestId: key,
      gameId: firstGame,
    });
    expect(job.result.minutes).toEqual({ workflowId: `minutes-recalc:stats:${key}`, outcome: 'calculated' });
    expect(job.result.aggregations.map((a: { status: string }) => a.status)).toEqual(Array(10).fill('succeeded'));
    expect(job.result.refresh.served).toContain(`stats:${key}`);

    const description = await env.client.workflow.getHandle(`stats:${key}`).describe();
    expect(description.searchAttributes).toMatchObject({
      FulltimeTrigger: ['post-match'],
      FulltimeGameId: [firstGame],
      FulltimeRequestId: [key],
    });
    expect(description.memo).toMatchObject({ triggeredBy: 'post-match', requestId: key, gameId: firstGame });

    // Minutes came from the final events: p1's second yellow at 85 counts as a red and no yellow;
    // p2's own goal counts for nobody.
    const stats = (id: string) => http('GET', `/api/players/${id}/stats`, { token: null });
    const one = { appearances: 1, minutesPlayed: 85, goals: 1, assists: 1, yellowCards: 0, redCards: 1 };
    expect((await stats(p1)).body).toEqual({ playerId: p1, allTime: one, seasons: [{ season: '2026', ...one }] });
    const two = { appearances: 1, minutesPlayed: 60, goals: 0, assists: 1, yellowCards: 1, redCards: 0 };
    expect((await stats(p2)).body).toEqual({ playerId: p2, allTime: two, seasons: [{ season: '2026', ...two }] });
    const three = { appearances: 1, minutesPlayed: 30, goals: 1, assists: 0, yellowCards: 0, redCards: 0 };
    expect((await stats(p3)).body.allTime).toEqual(three);
    const four = { appearances: 0, minutesPlayed: 0, goals: 0, assists: 0, yellowCards: 0, redCards: 0 };
    expect((await stats(p4)).body).toEqual({ playerId: p4, allTime: four, seasons: [{ season: '2026', ...four }] });
    expect((await http('GET', '/api/players/nobody/stats')).status).toBe(404);

    const report = await http('GET', `/api/games/${firstGame}/match-report`);
    expect(report.body).toMatchObject({ gameId: firstGame, homeGoals: 2, awayGoals: 1 });
    expect(report.body.goals).toHaveLength(3);
  });

  it('answers the same score again with the first runs, and starts nothing', async () => {
    const before = await api.prisma.gameResult.count({ where: { gameId: firstGame } });
    const again = await http('POST', `/api/games/${firstGame}/result`, { body: { homeGoals: 2, awayGoals: 1 } });
    expect(again.status).toBe(202);
    const first = await api.prisma.gameResult.findFirstOrThrow({ where: { gameId: firstGame } });
    expect(again.body).toEqual({
      settlement: { workflowId: first.settlementWorkflowId },
      stats: { workflowId: `stats:result-${firstGame}` },
    });
    expect(await api.prisma.gameResult.count({ where: { gameId: firstGame } })).toBe(before);
    const { count } = await env.client.workflow.count(`FulltimeRequestId = "${again.headers.get('x-request-id')}"`);
    expect(count).toBe(0);
  });

  it('treats a different score later as a correction with its own run', async () => {
    const res = await http('POST', `/api/games/${firstGame}/result`, { body: { homeGoals: 3, awayGoals: 1 } });
    expect(res.status).toBe(202);
    expect(res.body.stats.workflowId).toBe(`stats:${res.headers.get('x-request-id')}`);
    expect((await closedJob(res.body.stats.workflowId)).status).toBe('completed');
    const results = await api.prisma.gameResult.findMany({ where: { gameId: firstGame }, orderBy: { id: 'asc' } });
    expect(results.map((r) => `${r.homeGoals}-${r.awayGoals}`)).toEqual(['2-1', '3-1']);
    expect(results[0]!.resultHash).not.toBe(results[1]!.resultHash);
    expect((await http('GET', `/api/games/${firstGame}/match-report`)).body).toMatchObject({
      homeGoals: 3,
      awayGoals: 1,
    });
  });

  it('admin: starts a run now and answers with its run ID; a repeat answers the same', async () => {
    const key = `admin-${randomUUID()}`;
    const first = await http('POST', '/api/admin/stats-jobs', { body: {}, key });
    expect(first.status).toBe(202);
    expect(first.body).toEqual({ workflowId: `stats:${key}`, runId: expect.any(String) });
    const repeat = await http('POST', '/api/admin/stats-jobs', { body: {}, key });
    expect(repeat.body).toEqual(first.body);
    const job = await closedJob(`stats:${key}`);
    expect(job).toMatchObject({ runId: first.body.runId, triggeredBy: 'admin', status: 'completed' });
    expect(job.gameId).toBeUndefined();
    expect((await http('POST', '/api/admin/stats-jobs', { body: {}, token: null })).status).toBe(401);
  });
});

describe('stats switches', () => {
  it('turns triggers and aggregations off and on at run time, recording each change', async () => {
    const initial = await http('GET', '/api/admin/stats-switches');
    expect(initial.body.triggers).toEqual({ 'post-match': true, admin: true, cron: true });
    expect(Object.values(initial.body.aggregations)).toEqual(Array(10).fill(true));
    expect((await http('GET', '/api/admin/stats-switches', { token: null })).status).toBe(401);

    const key = `switch-admin-off-${randomUUID()}`;
    const off = await http('PUT', '/api/admin/stats-switches', {
      body: { triggers: { admin: false, 'post-match': false }, aggregations: { 'power-ratings': false } },
      key,
    });
    expect(off.status).toBe(200);
    expect(off.body.triggers).toEqual({ 'post-match': false, admin: false, cron: true });
    expect(off.body.aggregations['power-ratings']).toBe(false);
    const changes = await api.prisma.statsSwitchChange.findMany({ where: { requestId: key }, orderBy: { id: 'asc' } });
    expect(changes.map((c) => `${c.kind}:${c.name} ${c.oldEnabled}->${c.newEnabled}`)).toEqual([
      'trigger:post-match true->false',
      'trigger:admin true->false',
      'aggregation:power-ratings true->false',
    ]);
    try {
      // Admin off: 409, and no run starts.
      const refusedKey = `refused-${randomUUID()}`;
      const refused = await http('POST', '/api/admin/stats-jobs', { body: {}, key: refusedKey });
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe('trigger_disabled');
      expect((await env.client.workflow.count(`FulltimeRequestId = "${refusedKey}"`)).count).toBe(0);

      // Post-match off: the result is saved, with no stats run.
      const [p] = await players('Quiet');
      const quietGame = await game('2026-05-01T18:00:00Z', [p!]);
      const saved = await http('POST', `/api/games/${quietGame}/result`, { body: { homeGoals: 0, awayGoals: 0 } });
      expect(saved.status).toBe(202);
      expect(saved.body).toEqual({ settlement: { workflowId: expect.stringMatching(/^settle:/) }, stats: null });
      expect((await http('GET', `/api/games/${quietGame}`)).body.status).toBe('ended');
      // Only the settlement was started from that request; no stats run.
      const started = await api.prisma.workflowOutbox.findMany({
        where: { requestId: saved.headers.get('x-request-id')! },
      });
      expect(started.map((row) => row.workflowId)).toEqual([saved.body.settlement.workflowId]);
    } finally {
      await setSwitches({ triggers: { admin: true, 'post-match': true } });
    }

    // An aggregation switched off shows as skipped in the run's summary.
    try {
      const run = await http('POST', '/api/admin/stats-jobs', { body: {} });
      const job = await closedJob(run.body.workflowId);
      expect(job.result.aggregations.find((a: { name: string }) => a.name === 'power-ratings')).toMatchObject({
        status: 'skipped',
        attempts: 0,
      });
      expect(job.result.aggregations.filter((a: { status: string }) => a.status === 'succeeded')).toHaveLength(9);
    } finally {
      await setSwitches({ aggregations: { 'power-ratings': true } });
    }
  });

  it('rejects unknown switch names and changes nothing', async () => {
    const before = await http('GET', '/api/admin/stats-switches');
    const changesBefore = await api.prisma.statsSwitchChange.count();
    const bad = await http('PUT', '/api/admin/stats-switches', { body: { aggregations: { 'made-up': false } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    const notBoolean = await http('PUT', '/api/admin/stats-switches', { body: { triggers: { cron: 'no' } } });
    expect(notBoolean.status).toBe(400);
    expect((await http('GET', '/api/admin/stats-switches')).body).toEqual(before.body);
    expect(await api.prisma.statsSwitchChange.count()).toBe(changesBefore);
  });
});

/**
 * Until no stats run or refresh is running: an earlier test's queued refresh would otherwise drop
 * cache entries in the middle of a test that counts what it drops.
 */
async function statsIdle() {
  await waitFor(
    async () => {
      const { count } = await env.client.workflow.count(
        "ExecutionStatus = 'Running' AND WorkflowType IN ('statsWorkflow', 'statsRefreshWorkflow', 'recalculateMinutesWorkflow')",
      );
      return count === 0;
    },
    60_000,
    'no stats work running',
  );
}

describe('cached reads', () => {
  it('serves reads from Redis until the aggregation behind them is rewritten', async () => {
    const [scorer, keeper] = (await players('Scorer', 'Keeper')) as [string, string];
    await statsIdle();
    const g1 = await game('2027-02-01T18:00:00Z', [scorer, keeper]);
    await http('POST', `/api/games/${g1}/goals`, { body: { scorerId: scorer, minute: 5 } });
    await closedJob(
      (await http('POST', `/api/games/${g1}/result`, { body: { homeGoals: 1, awayGoals: 0 } })).body.stats.workflowId,
    );

    await statsIdle();
    const first = await http('GET', `/api/players/${scorer}/stats`, { token: null });
    expect(first.body.allTime.goals).toBe(1);
    expect(await api.redis.exists(`cache:player-stats:${scorer}`)).toBe(1);
    // Change the table behind the read: the cached answer stays until an invalidation.
    await api.prisma.playerAllTimeStats.update({ where: { playerId: scorer }, data: { goals: 99 } });
    expect((await http('GET', `/api/players/${scorer}/stats`)).body.allTime.goals).toBe(1);

    // The operators' route drops it: one key carried that tag.
    const dropped = await http('POST', '/api/admin/cache/invalidate', { body: { tags: ['stats:all-time-stats'] } });
    expect(dropped.status).toBe(200);
    expect(dropped.body).toEqual({ invalidated: 1 });
    expect((await http('GET', `/api/players/${scorer}/stats`)).body.allTime.goals).toBe(99);

    expect(await api.redis.exists(`cache:player-stats:${scorer}`)).toBe(1); // cached again, with 99

    // A stats run rewrites the table and drops the cached read again: the entry is gone and the read
    // shows the rewritten value (2), not the cached 99.
    const g2 = await game('2027-02-08T18:00:00Z', [scorer, keeper]);
    await http('POST', `/api/games/${g2}/goals`, { body: { scorerId: scorer, minute: 7 } });
    await closedJob(
      (await http('POST', `/api/games/${g2}/result`, { body: { homeGoals: 1, awayGoals: 0 } })).body.stats.workflowId,
    );
    expect(await api.redis.exists(`cache:player-stats:${scorer}`)).toBe(0);
    expect((await http('GET', `/api/players/${scorer}/stats`)).body.allTime.goals).toBe(2);
  });

  it('serves the leaderboards the aggregations produce', async () => {
    // Its own season: a scorer with a goal in each of two games of 2029.
    const [scorer, keeper] = (await players('Scorer', 'Keeper')) as [string, string];
    for (const [kickoffAt, minute] of [
      ['2029-02-01T18:00:00Z', 5],
      ['2029-02-08T18:00:00Z', 7],
    ] as const) {
      const id = await game(kickoffAt, [scorer, keeper]);
      await http('POST', `/api/games/${id}/goals`, { body: { scorerId: scorer, minute } });
      await closedJob(
        (await http('POST', `/api/games/${id}/result`, { body: { homeGoals: 1, awayGoals: 0 } })).body.stats.workflowId,
      );
    }
    await closedJob((await http('POST', '/api/admin/stats-jobs', { body: {} })).body.workflowId);
    const hall = await http('GET', '/api/stats/hall-of-fame', { token: null });
    expect(hall.body.categories.map((c: { category: string }) => c.category)).toEqual([
      'goals',
      'assists',
      'appearances',
      'minutes-played',
    ]);
    const goals = hall.body.categories[0].entries;
    expect(goals.length).toBeGreaterThan(0);
    expect(goals[0].rank).toBe(1);
    const ratings = await http('GET', '/api/stats/power-ratings?limit=3', { token: null });
    expect(ratings.body.entries).toHaveLength(3);
    expect(ratings.body.total).toBeGreaterThanOrEqual(3);
    const sorted = [...ratings.body.entries].sort(
      (a: { rating: number }, b: { rating: number }) => b.rating - a.rating,
    );
    expect(ratings.body.entries).toEqual(sorted);
    expect((await http('GET', '/api/stats/recent-form?limit=2')).body.entries).toHaveLength(2);
    const race = await http('GET', '/api/stats/season-race/2029');
    expect(race.body).toMatchObject({ season: '2029', matchdays: 2 });
    expect(race.body.players[0]).toMatchObject({ playerId: scorer, totalGoals: 2, cumulativeGoals: [1, 2] });
    const honours = await http('GET', '/api/stats/seasons/2029/honours');
    expect(honours.body.honours).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ honour: 'top-scorer', playerId: scorer, value: 2, gameId: null }),
      ]),
    );
    expect((await http('GET', '/api/stats/seasons/1900/honours')).status).toBe(404);
    expect((await http('GET', '/api/stats/season-race/1900')).status).toBe(404);
    expect((await http('GET', '/api/stats/power-ratings?limit=0')).status).toBe(400);
  });
});

describe('jobs API', () => {
  it('lists runs of both kinds, filtered by type, status and trigger', async () => {
    const run = await http('POST', '/api/admin/stats-jobs', { body: {} });
    await closedJob(run.body.workflowId);
    const all = await http('GET', '/api/admin/jobs?limit=200');
    expect(new Set(all.body.jobs.map((j: { type: string }) => j.type))).toEqual(
      new Set(['minutes-recalculation', 'stats', 'settlement']),
    );
    const admin = await http('GET', '/api/admin/jobs?type=stats&trigger=admin&status=completed&limit=200');
    expect(admin.body.jobs.length).toBeGreaterThan(0);
    expect(
      admin.body.jobs.every(
        (j: { type: string; triggeredBy: string; status: string }) =>
          j.type === 'stats' && j.triggeredBy === 'admin' && j.status === 'completed',
      ),
    ).toBe(true);
    expect(admin.body.jobs.map((j: { workflowId: string }) => j.workflowId)).toContain(run.body.workflowId);
    const one = admin.body.jobs.find((j: { workflowId: string }) => j.workflowId === run.body.workflowId);
    expect(one.durationMs).toBe(Date.parse(one.closedAt) - Date.parse(one.startedAt));
    expect((await http('GET', '/api/admin/jobs?limit=2')).body.jobs).toHaveLength(2);
    expect((await http('GET', '/api/admin/jobs?status=exploded')).status).toBe(400);
    expect((await http('GET', "/api/admin/jobs?trigger=x'%20OR%201=1")).status).toBe(400);
    expect((await http('GET', '/api/admin/jobs/no-such-job')).status).toBe(404);
  });

  it('shows a failed run with its summary, and retries it with the same input', async () => {
    // A player with an appearance, so the power-ratings aggregation has a row to write.
    const [rated] = await players('Rated');
    const ratedGame = await game('2029-01-01T18:00:00Z', [rated!]);
    await closedJob(
      (await http('POST', `/api/games/${ratedGame}/result`, { body: { homeGoals: 0, awayGoals: 0 } })).body.stats
        .workflowId,
    );
    // A real failure: a constraint the power-ratings rows break (a data error, so no retries).
    await api.prisma.$executeRawUnsafe(
      'ALTER TABLE player_power_ratings ADD CONSTRAINT test_breaks_power_ratings CHECK (rating < -1000) NOT VALID',
    );
    let failedId: string;
    try {
      await api.prisma.playerPowerRating.deleteMany(); // so the aggregation has rows to insert
      failedId = (await http('POST', '/api/admin/stats-jobs', { body: {} })).body.workflowId;
      const failed = await closedJob(failedId);
      expect(failed.status).toBe('failed');
      expect(failed.error).toMatchObject({
        type: 'StatsRefreshFailed',
        message: expect.stringContaining('power-ratings'),
      });
      const summary = failed.error.details[0];
      expect(summary.aggregations.find((a: { name: string }) => a.name === 'power-ratings')).toMatchObject({
        status: 'failed',
        attempts: 1,
      });
      expect(summary.aggregations.filter((a: { status: string }) => a.status === 'succeeded')).toHaveLength(9);
      expect(
        (await http('GET', '/api/admin/jobs?type=stats&status=failed')).body.jobs.map(
          (j: { workflowId: string }) => j.workflowId,
        ),
      ).toContain(failedId);
      expect(
        (await http('POST', `/api/admin/jobs/${encodeURIComponent(failedId)}/retry`, { body: {}, token: null })).status,
      ).toBe(401);
    } finally {
      await api.prisma.$executeRawUnsafe('ALTER TABLE player_power_ratings DROP CONSTRAINT test_breaks_power_ratings');
    }

    const key = `retry-${randomUUID()}`;
    const retried = await http('POST', `/api/admin/jobs/${encodeURIComponent(failedId)}/retry`, { body: {}, key });
    expect(retried.status).toBe(202);
    expect(retried.body).toEqual({ workflowId: `${failedId}:retry:${key}`, runId: expect.any(String) });
    const done = await closedJob(retried.body.workflowId);
    expect(done).toMatchObject({ status: 'completed', triggeredBy: 'admin' });
    const description = await env.client.workflow.getHandle(retried.body.workflowId).describe();
    expect(description.memo).toMatchObject({ retryOf: { workflowId: failedId } });
    expect(description.searchAttributes).toMatchObject({ FulltimeRequestId: [key], FulltimeTrigger: ['admin'] });
    // The same input: the original request ID.
    expect(done.result.requestId).toBe(failedId.replace(/^stats:/, ''));

    // Only a failed (or terminated, timed-out, canceled) job can be retried.
    const again = await http('POST', `/api/admin/jobs/${encodeURIComponent(retried.body.workflowId)}/retry`, {
      body: {},
    });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('not_retryable');
  });
});

/** The coordinator's history, in order: which run joined, which refresh started, which closed. */
type CoordinatorEvent = { kind: 'join' | 'start' | 'close'; id: string };
async function coordinatorTimeline(): Promise<CoordinatorEvent[]> {
  const history = await env.client.workflow.getHandle(statsCoordinatorWorkflowId(DEFAULT_STATS_SCOPE)).fetchHistory();
  return history.events!.flatMap((e): CoordinatorEvent[] => {
    const signal = e.workflowExecutionSignaledEventAttributes;
    if (signal?.signalName === 'joinRefresh') {
      return [
        {
          kind: 'join' as const,
          id: defaultPayloadConverter.fromPayload<RefreshRequest>(signal.input!.payloads![0]!).workflowId,
        },
      ];
    }
    const started = e.startChildWorkflowExecutionInitiatedEventAttributes;
    if (started) return [{ kind: 'start' as const, id: started.workflowId! }];
    const closed =
      e.childWorkflowExecutionCompletedEventAttributes ??
      e.childWorkflowExecutionFailedEventAttributes ??
      e.childWorkflowExecutionTimedOutEventAttributes ??
      e.childWorkflowExecutionTerminatedEventAttributes ??
      e.childWorkflowExecutionCanceledEventAttributes;
    if (closed) return [{ kind: 'close' as const, id: closed.workflowExecution!.workflowId! }];
    return [];
  });
}

/**
 * The coalescing promise, read from the coordinator's own history: at most one refresh of the scope
 * runs at a time, and every run that joined is served by the next refresh to start after it joined
 * (it waits behind at most the one running: one refresh running and one queued, however many ask).
 */
async function expectCoalesced(runs: { workflowId: string; result: { refresh: { workflowId: string } } }[]) {
  const timeline = await coordinatorTimeline();
  let running: string | null = null;
  for (const event of timeline) {
    if (event.kind === 'start') {
      expect(running, `refresh ${event.id} started while ${running} ran`).toBeNull();
      running = event.id;
    } else if (event.kind === 'close') {
      expect(event.id).toBe(running);
      running = null;
    }
  }
  for (const run of runs) {
    const joined = timeline.findIndex((e) => e.kind === 'join' && e.id === run.workflowId);
    expect(joined, `${run.workflowId} joined`).toBeGreaterThanOrEqual(0);
    const next = timeline.find((e, i) => i > joined && e.kind === 'start');
    expect(next?.id, `the refresh after ${run.workflowId} joined`).toBe(run.result.refresh.workflowId);
  }
}

describe('bursts', () => {
  it('coalesces ten results posted at once: one refresh runs at a time, and each run is served by the next one', async () => {
    const squad = await players('B1', 'B2');
    const games = await Promise.all(
      Array.from({ length: 10 }, (_, i) => game(`2028-03-${String(i + 1).padStart(2, '0')}T18:00:00Z`, squad)),
    );
    const posted = await Promise.all(
      games.map((id) => http('POST', `/api/games/${id}/result`, { body: { homeGoals: 1, awayGoals: 1 } })),
    );
    const runs = await Promise.all(posted.map((res) => closedJob(res.body.stats.workflowId)));
    expect(runs.map((r) => r.status)).toEqual(Array(10).fill('completed'));
    for (const run of runs) expect(run.result.refresh.served).toContain(run.workflowId);
    const served = runs.flatMap((r) => r.result.refresh.served as string[]);
    expect(new Set(served)).toEqual(new Set(runs.map((r) => r.workflowId)));
    await expectCoalesced(runs);
  });
});

describe('corrections after the final whistle', () => {
  it("moves a goal to another scorer after the result, and the players' stats follow", async () => {
    const [ann, bea, cat] = (await players('Ann', 'Bea', 'Cat')) as [string, string, string];
    const gameId = await game('2030-04-01T18:00:00Z', [ann, bea, cat]);
    const goal = (
      await http('POST', `/api/games/${gameId}/goals`, { body: { scorerId: ann, assistId: bea, minute: 30 } })
    ).body.goal;
    const result = await http('POST', `/api/games/${gameId}/result`, { body: { homeGoals: 1, awayGoals: 0 } });
    await closedJob(result.body.stats.workflowId);
    // Each started and played the whole 90 minutes; Ann scored, Bea assisted.
    const line = (goals: number, assists: number) => ({
      appearances: 1,
      minutesPlayed: 90,
      goals,
      assists,
      yellowCards: 0,
      redCards: 0,
    });
    expect((await http('GET', `/api/players/${ann}/stats`)).body.allTime).toEqual(line(1, 0));
    expect((await http('GET', `/api/players/${cat}/stats`)).body.allTime).toEqual(line(0, 0)); // cached now

    // The goal was Cat's: a correction, with its own stats run from the request.
    const key = `correct-goal-${gameId}`;
    const moved = await http('PUT', `/api/games/${gameId}/goals/${goal.id}`, { body: { scorerId: cat }, key });
    expect(moved.status).toBe(200);
    expect(moved.body.goal).toEqual({ id: goal.id, scorerId: cat, assistId: bea, minute: 30, ownGoal: false });
    const run = await closedJob(`stats:${key}`);
    expect(run).toMatchObject({
      status: 'completed',
      type: 'stats',
      triggeredBy: 'post-match',
      requestedBy: 'token',
      gameId,
    });
    expect((await env.client.workflow.getHandle(`stats:${key}`).describe()).memo).toMatchObject({
      correction: 'goal.updated',
      requestedBy: 'token',
      gameId,
    });

    expect((await http('GET', `/api/players/${ann}/stats`)).body.allTime).toEqual(line(0, 0));
    expect((await http('GET', `/api/players/${bea}/stats`)).body.allTime).toEqual(line(0, 1));
    expect((await http('GET', `/api/players/${cat}/stats`)).body.allTime).toEqual(line(1, 0));
    expect((await http('GET', `/api/players/${cat}/stats`)).body.seasons).toEqual([{ season: '2030', ...line(1, 0) }]);

    // Removing the assist, then the goal: each a correction the stats follow.
    const unassisted = await http('PUT', `/api/games/${gameId}/goals/${goal.id}`, {
      body: { assistId: null },
      key: `${key}-2`,
    });
    expect(unassisted.body.goal.assistId).toBeNull();
    await closedJob(`stats:${key}-2`);
    expect((await http('GET', `/api/players/${bea}/stats`)).body.allTime).toEqual(line(0, 0));
    const deleted = await http('DELETE', `/api/games/${gameId}/goals/${goal.id}`, { key: `${key}-3` });
    expect([deleted.status, deleted.body]).toEqual([200, {}]);
    await closedJob(`stats:${key}-3`);
    expect((await http('GET', `/api/players/${cat}/stats`)).body.allTime).toEqual(line(0, 0));

    // The settlement follows the posted result only: still the one, and no new run for the corrections.
    expect(await api.prisma.settlementLedger.count({ where: { gameId } })).toBe(1);
    const started = await http('GET', `/api/admin/jobs?requestId=${encodeURIComponent(key)}`);
    expect(started.body.jobs.map((j: { type: string }) => j.type)).toEqual(['stats']);
  });

  it('starts no stats run for a change before the result, and none while the post-match trigger is off', async () => {
    const [dan, eve] = (await players('Dan', 'Eve')) as [string, string];
    const gameId = await game('2030-05-01T18:00:00Z', [dan, eve]);
    const key = `before-result-${gameId}`;
    expect((await http('POST', `/api/games/${gameId}/goals`, { body: { scorerId: dan, minute: 3 }, key })).status).toBe(
      201,
    );
    await http('POST', `/api/games/${gameId}/result`, { body: { homeGoals: 1, awayGoals: 0 } });
    await setSwitches({ triggers: { 'post-match': false } });
    try {
      const off = `trigger-off-${gameId}`;
      expect(
        (await http('POST', `/api/games/${gameId}/goals`, { body: { scorerId: eve, minute: 80 }, key: off })).status,
      ).toBe(201);
      const outbox = await api.prisma.workflowOutbox.findMany({ where: { requestId: { in: [key, off] } } });
      expect(outbox).toEqual([]);
    } finally {
      await setSwitches({ triggers: { 'post-match': true } });
    }
  });

  it('runs at most two refreshes for a burst of five edits to an ended game', async () => {
    const [fay, gus, hal] = (await players('Fay', 'Gus', 'Hal')) as [string, string, string];
    const gameId = await game('2030-06-01T18:00:00Z', [fay, gus], [hal]);
    await closedJob(
      (await http('POST', `/api/games/${gameId}/result`, { body: { homeGoals: 0, awayGoals: 0 } })).body.stats
        .workflowId,
    );
    // Hold the table the first aggregation writes, so the first refresh of the burst cannot finish
    // (and a second begin) before all five edits have joined; released once they have.
    const holder = new pg.Client({ connectionString: stack.config.DATABASE_URL });
    await holder.connect();
    const keys = Array.from({ length: 5 }, (_, i) => `burst-${i}-${gameId}`);
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE player_season_stats IN ACCESS EXCLUSIVE MODE');
      const edits: [string, string, unknown][] = [
        ['POST', 'goals', { scorerId: fay, minute: 10 }],
        ['POST', 'disciplinary-actions', { playerId: gus, cardType: 'yellow', minute: 20 }],
        ['POST', 'substitutions', { minute: 60, playerOutId: gus, playerInId: hal }],
        ['POST', 'goals', { scorerId: hal, assistId: fay, minute: 70 }],
        ['POST', 'disciplinary-actions', { playerId: fay, cardType: 'red', minute: 85 }],
      ];
      for (const [i, [method, path, body]] of edits.entries()) {
        expect((await http(method, `/api/games/${gameId}/${path}`, { body, key: keys[i] })).status).toBe(201);
      }
      await waitFor(
        async () => {
          const joined = new Set((await coordinatorTimeline()).filter((e) => e.kind === 'join').map((e) => e.id));
          return keys.every((key) => joined.has(`stats:${key}`));
        },
        60_000,
        'all five stats runs to join the coordinator',
      );
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    const runs = await Promise.all(keys.map((key) => closedJob(`stats:${key}`)));
    expect(runs.map((r) => r.status)).toEqual(Array(5).fill('completed'));
    expect(new Set(runs.map((r) => r.result.refresh.workflowId)).size).toBeLessThanOrEqual(2);
    await expectCoalesced(runs);
    // What the burst left: Fay 1 goal, 1 assist, 1 red at 85; Gus 60 minutes and a yellow; Hal on at 60, 1 goal.
    const stats = async (id: string) => (await http('GET', `/api/players/${id}/stats`)).body.allTime;
    expect(await stats(fay)).toEqual({
      appearances: 1,
      minutesPlayed: 85,
      goals: 1,
      assists: 1,
      yellowCards: 0,
      redCards: 1,
    });
    expect(await stats(gus)).toEqual({
      appearances: 1,
      minutesPlayed: 60,
      goals: 0,
      assists: 0,
      yellowCards: 1,
      redCards: 0,
    });
    expect(await stats(hal)).toEqual({
      appearances: 1,
      minutesPlayed: 30,
      goals: 1,
      assists: 0,
      yellowCards: 0,
      redCards: 0,
    });
  });
});
