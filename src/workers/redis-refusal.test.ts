// A settlement worker process (as operators run it) against a Redis that refuses writes (maxmemory
// with noeviction: "OOM command not allowed"): the worker stays up, the result is applied in
// PostgreSQL, the projection and an operator's rebuild are retried by their policy while readers get
// the right board from PostgreSQL, and once Redis takes writes again both finish and Redis serves the
// same board. The settlement worker used to die here of an unhandled rejection, again and again.
//
// Tournament, users ann, bob, cat; league {ann, bob}.
//   G1 1-0: ann 1-0 exact 3; bob 2-0 outcome 1; cat 0-1 0.  -> ann 3/1, bob 1/0, cat 0/0
//   G2 2-2: bob 2-2 exact 3; cat 1-1 outcome 1; ann 0-1 0.  -> bob 4/1, ann 3/1, cat 1/0
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer } from '../../test/redis-server.ts';
import {
  httpClient,
  runProcess,
  startApi,
  startLocalTemporal,
  testConfig,
  waitFor,
  type RunningProcess,
  type TestApi,
} from '../../test/harness.ts';
import type { Config } from '../config.ts';

let env: TestWorkflowEnvironment;
let redis: RedisServer;
let api: TestApi;
let config: Config;
let worker: RunningProcess;

beforeAll(async () => {
  [env, redis] = await Promise.all([startLocalTemporal(), RedisServer.start()]);
  config = testConfig({ TEMPORAL_ADDRESS: env.address, REDIS_URL: redis.url });
  api = await startApi(config, { temporal: env.client });
  // One process (node with tsx's loader): its exit is the worker's own.
  worker = runProcess(process.execPath, ['--import', 'tsx', 'src/workers/worker.ts', 'settlement'], config);
  await waitFor(async () => worker.output().includes('"worker started"'), 60_000, 'the settlement worker to start');
});

afterAll(async () => {
  worker?.kill();
  await api?.close();
  await redis?.stop();
  await env?.teardown();
});

/** The worker's metrics page (its address is in its log). */
async function workerMetrics(): Promise<string> {
  const address = /"metricsAddress":"([^"]+)"/.exec(worker.output())![1];
  return (await fetch(`http://${address}/metrics`)).text();
}

/** The attempt the workflow's pending activity is on (0 when none is pending). */
async function pendingAttempt(workflowId: string): Promise<number> {
  const { raw } = await env.client.workflow.getHandle(workflowId).describe();
  return raw.pendingActivities?.[0]?.attempt ?? 0;
}

describe('a settlement worker against a Redis that refuses writes', () => {
  it('stays up, settles, serves the boards from PostgreSQL, and catches Redis up once it takes writes', async () => {
    const http = httpClient(api.baseUrl);
    const post = async (path: string, body: unknown) => (await http('POST', path, { body })).body;
    const tournamentId = (await post('/api/tournaments', { name: 'Refusal Cup' })).id as string;
    const [ann, bob, cat] = (await Promise.all(
      ['ann', 'bob', 'cat'].map(async (name) => (await post('/api/users', { name })).id as string),
    )) as [string, string, string];
    const leagueId = (await post('/api/leagues', { name: 'Pals', tournamentId, memberIds: [ann, bob] })).id as string;
    const kickoffAt = new Date(Date.now() + 3600_000).toISOString();
    const game = async (predictions: [string, number, number][]) => {
      const gameId = (await post('/api/games', { homeTeam: 'H', awayTeam: 'A', kickoffAt, tournamentId })).id as string;
      for (const [userId, homeGoals, awayGoals] of predictions)
        await post(`/api/games/${gameId}/predictions`, { userId, homeGoals, awayGoals });
      return gameId;
    };
    const g1 = await game([
      [ann, 1, 0],
      [bob, 2, 0],
      [cat, 0, 1],
    ]);
    const g2 = await game([
      [bob, 2, 2],
      [cat, 1, 1],
      [ann, 0, 1],
    ]);
    const board = async (path: string) => {
      const res = await http('GET', path);
      return {
        source: res.headers.get('x-scoreboard-source'),
        entries: res.body.entries.map((e: any) => `${e.rank} ${e.userId} ${e.points}/${e.exactCount}`),
      };
    };

    const first = await http('POST', `/api/games/${g1}/result`, { body: { homeGoals: 1, awayGoals: 0 } });
    const firstRun = env.client.workflow.getHandle(first.body.settlement.workflowId);
    // The outbox relay starts the run just after the write commits: result() of a run not yet
    // started is a WorkflowNotFoundError, so wait until it exists.
    await waitFor(() => firstRun.describe(), 30_000, 'the settlement to start');
    expect((await firstRun.result()).projection).toMatchObject({ version: expect.any(Number), rebuilt: false });
    expect(await board(`/api/tournaments/${tournamentId}/scoreboard`)).toEqual({
      source: 'redis',
      entries: [`1 ${ann} 3/1`, `2 ${bob} 1/0`, `3 ${cat} 0/0`],
    });

    await redis.refuseWrites('oom');
    const second = await http('POST', `/api/games/${g2}/result`, { body: { homeGoals: 2, awayGoals: 2 } });
    expect(second.status).toBe(202);
    const settlementId = second.body.settlement.workflowId as string;
    // Applied in PostgreSQL at once; the projection is retried while Redis refuses it.
    await waitFor(
      async () => (await http('GET', `/api/games/${g2}/settlement`)).body.status === 'applied',
      30_000,
      'the settlement to be applied',
    );
    const rebuild = await http('POST', `/api/admin/tournaments/${tournamentId}/scoreboard/rebuild`, { body: {} });
    expect(rebuild.status).toBe(202);
    await waitFor(
      async () => (await pendingAttempt(settlementId)) >= 2 && (await pendingAttempt(rebuild.body.workflowId)) >= 2,
      30_000,
      'the projection and the rebuild to be retried',
    );
    const expected = [`1 ${bob} 4/1`, `2 ${ann} 3/1`, `3 ${cat} 1/0`];
    expect(await board(`/api/tournaments/${tournamentId}/scoreboard`)).toEqual({
      source: 'postgres',
      entries: expected,
    });
    expect(await board(`/api/leagues/${leagueId}/scoreboard`)).toEqual({
      source: 'postgres',
      entries: [`1 ${bob} 4/1`, `2 ${ann} 3/1`],
    });
    expect(worker.child.exitCode).toBeNull();
    expect(worker.output()).not.toContain('unhandled');
    expect(await workerMetrics()).toMatch(/^fulltime_process_errors_total\{kind="unhandled_rejection"\} 0$/m);

    await redis.acceptWrites();
    const settled = await env.client.workflow.getHandle(settlementId).result();
    expect(settled).toMatchObject({ outcome: 'applied', projection: { version: expect.any(Number), users: 3 } });
    expect(await env.client.workflow.getHandle(rebuild.body.workflowId).result()).toMatchObject({
      users: 3,
      leagues: 1,
    });
    expect(await board(`/api/tournaments/${tournamentId}/scoreboard`)).toEqual({ source: 'redis', entries: expected });
    expect(await board(`/api/leagues/${leagueId}/scoreboard`)).toEqual({
      source: 'redis',
      entries: [`1 ${bob} 4/1`, `2 ${ann} 3/1`],
    });
    expect(worker.child.exitCode).toBeNull();
    expect(await workerMetrics()).toMatch(/^fulltime_process_errors_total\{kind="uncaught_exception"\} 0$/m);
  }, 120_000);
});
