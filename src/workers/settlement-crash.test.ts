// A worker killed in the middle of a settlement: its transaction never commits, the attempt is
// retried on another worker once its heartbeats stop, and the result is applied exactly once.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
let api: TestApi;
let config: Config;
const workers: RunningProcess[] = [];

beforeAll(async () => {
  env = await startLocalTemporal();
  config = testConfig({ TEMPORAL_ADDRESS: env.address });
  api = await startApi(config, { temporal: env.client });
});

afterAll(async () => {
  for (const worker of workers) worker.kill();
  await api?.close();
  await env?.teardown();
});

async function settlementWorker(): Promise<RunningProcess> {
  // One process (node with tsx's loader), so SIGKILL kills the worker itself: the tsx launcher would
  // run it as a child that outlives a SIGKILL to the launcher.
  const worker = runProcess(process.execPath, ['--import', 'tsx', 'src/workers/worker.ts', 'settlement'], config);
  workers.push(worker);
  await waitFor(async () => worker.output().includes('"worker started"'), 60_000, 'a settlement worker to start');
  return worker;
}

describe('a worker killed in the middle of a settlement', () => {
  it('applies the result exactly once after a restart', async () => {
    const http = httpClient(api.baseUrl);
    const post = async (p: string, body: unknown) => (await http('POST', p, { body })).body;
    const tournamentId = (await post('/api/tournaments', { name: 'Crash Cup' })).id as string;
    const [ann, bob, cat] = (await Promise.all(
      ['ann', 'bob', 'cat'].map(async (name) => (await post('/api/users', { name })).id as string),
    )) as [string, string, string];
    const gameId = (
      await post('/api/games', {
        homeTeam: 'H',
        awayTeam: 'A',
        kickoffAt: new Date(Date.now() + 3600_000).toISOString(),
        tournamentId,
      })
    ).id as string;
    await post(`/api/games/${gameId}/predictions`, { userId: ann, homeGoals: 1, awayGoals: 0 }); // exact: 3
    await post(`/api/games/${gameId}/predictions`, { userId: bob, homeGoals: 2, awayGoals: 0 }); // outcome: 1
    await post(`/api/games/${gameId}/predictions`, { userId: cat, homeGoals: 0, awayGoals: 0 }); // 0

    // Hold cat's prediction: the settlement's scoring statement will wait for it, mid-transaction.
    const holder = new pg.Client({ connectionString: config.DATABASE_URL });
    await holder.connect();
    let settlementWorkflowId: string;
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM predictions WHERE game_id = $1 AND user_id = $2 FOR UPDATE', [gameId, cat]);
      const holderPid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;

      const first = await settlementWorker();
      const posted = await http('POST', `/api/games/${gameId}/result`, { body: { homeGoals: 1, awayGoals: 0 } });
      expect(posted.status).toBe(202);
      settlementWorkflowId = posted.body.settlement.workflowId;
      // Polled from another connection: inside the holder's transaction pg_stat_activity is a fixed snapshot.
      await waitFor(
        async () => {
          const [row] = await api.prisma.$queryRaw<
            { n: bigint }[]
          >`SELECT count(*) AS n FROM pg_stat_activity WHERE ${holderPid}::int = ANY(pg_blocking_pids(pid))`;
          return row!.n > 0n;
        },
        30_000,
        'the settlement to be blocked mid-transaction',
      );

      first.child.kill('SIGKILL');
      await first.exited;
      // Nothing of that attempt is visible: its ledger row and scores are uncommitted.
      expect(await api.prisma.settlementLedger.count({ where: { gameId } })).toBe(0);
      expect(await api.prisma.userTournamentTotal.count({ where: { tournamentId } })).toBe(0);

      await settlementWorker();
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
    }

    const status = await waitFor(
      async () => {
        const res = await http('GET', `/api/games/${gameId}/settlement`);
        return res.body.status === 'applied' ? res.body : null;
      },
      60_000,
      'the settlement to be applied by the second worker',
    );
    expect(status).toMatchObject({ predictionsSettled: 3 });
    expect(await api.prisma.settlementLedger.findMany({ where: { gameId } })).toEqual([
      expect.objectContaining({ status: 'applied', predictionsSettled: 3 }),
    ]);
    const totals = await api.prisma.userTournamentTotal.findMany({ where: { tournamentId } });
    expect(Object.fromEntries(totals.map((t) => [t.userId, [t.points, t.exactCount, t.settledPredictions]]))).toEqual({
      [ann]: [3, 1, 1],
      [bob]: [1, 0, 1],
      [cat]: [0, 0, 1],
    });

    // The history shows the dead attempt timing out on its heartbeat, and a second attempt applying it.
    // Read once the run is over: an activity's started event is written when the attempt closes, a
    // moment after its transaction committed what the status above already shows.
    const handle = env.client.workflow.getHandle(settlementWorkflowId!);
    await handle.result();
    const history = await handle.fetchHistory();
    const timedOut = history.events!.filter((e) => e.activityTaskTimedOutEventAttributes);
    const attempts = history
      .events!.filter((e) => e.activityTaskStartedEventAttributes)
      .map((e) => e.activityTaskStartedEventAttributes!.attempt);
    expect(timedOut.length + attempts.filter((a) => (a ?? 1) > 1).length).toBeGreaterThan(0);
  }, 120_000);
});
