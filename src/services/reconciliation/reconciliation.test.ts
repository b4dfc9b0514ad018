// Reconciliation, repair and explanations on the whole stack (the dev server, the API, the workers,
// PostgreSQL, Redis), with every number worked out by hand. Each round corrupts one kind of number
// directly in PostgreSQL or Redis (as a hand edit, a restore or a bug would), reconciles everything,
// finds exactly the mismatches the corruption makes, repairs through the API, and reconciles again
// to find none; the repaired values are the hand-worked ones.
//
// Tournament T, users u1, u2, u3; league L = {u1, u2}. Season 2030.
//   G1 (90'): lineup s1, s2 starters; b1, b2 on the bench. s2 scores at 10' (assist s1); s1 -> b1 at 60';
//             s2 second yellow at 70'; b1 (the substitute) red at 80'.
//             Minutes: s1 0-60 = 60; s2 0-70 = 70; b1 60-80 = 20; b2 0.
//             Result 1-1, then corrected to 2-1.
//   G2 (90'): the same lineup, no events: s1 90, s2 90, b1 0, b2 0. Result 0-0.
//   G3: no result yet.
//   Predictions  G1 (2-1)           G2 (0-0)           G3
//     u1         2-1 exact 3        1-1 outcome 1      1-0 not settled
//     u2         1-0 outcome 1      0-2 miss 0
//     u3         0-0 miss 0         1-1 outcome 1
//   Totals: u1 4 points (1 exact, 2 settled); u2 1 (0, 2); u3 1 (0, 2). Ranks: u1 1, u2 2, u3 2.
//   s2's season 2030: 2 appearances, 160 minutes, 1 goal, 0 assists, 0 yellows, 1 red (a second
//   yellow is one red and no yellow). s1's: 2 appearances, 150 minutes, 0 goals, 1 assist.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postCreated, startStack, waitFor, type TestStack } from '../../../test/harness.ts';
import { leagueBoardKey } from '../settlement/scoreboards/keys.ts';

let stack: TestStack;
const ids: Record<string, string> = {};
let http: TestStack['http'];

async function post(path: string, body: unknown): Promise<any> {
  const res = await http('POST', path, { body });
  expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
  return res.body;
}

async function settled(gameId: string, homeGoals: number, awayGoals: number): Promise<void> {
  await waitFor(
    async () => {
      const res = await http('GET', `/api/games/${gameId}/settlement`);
      return res.body.status === 'applied' && res.body.homeGoals === homeGoals && res.body.awayGoals === awayGoals;
    },
    60_000,
    `${gameId} settled ${homeGoals}-${awayGoals}`,
  );
}

async function projected(): Promise<void> {
  await waitFor(
    async () =>
      (await http('GET', `/api/tournaments/${ids.T}/scoreboard`)).headers.get('x-scoreboard-source') === 'redis',
    60_000,
    'the boards projected',
  );
}

/** Every stats, settlement, projection, recalculation and repair run finished. */
async function quiet(): Promise<void> {
  await waitFor(
    async () => {
      const { count } = await stack.env.client.workflow.count(
        "ExecutionStatus = 'Running' AND WorkflowType != 'statsCoordinatorWorkflow'",
      );
      return count === 0;
    },
    120_000,
    'every run finished',
  );
}

interface Reconciliation {
  reconciliationId: string;
  status: string;
  checked: Record<string, number>;
  mismatches: Record<string, number>;
}

async function reconcile(body: object = {}): Promise<{ run: Reconciliation; mismatches: any[] }> {
  const started = await http('POST', '/api/admin/reconciliations', { body });
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  const run = await waitFor(
    async () => {
      const res = await http('GET', `/api/admin/reconciliations/${started.body.reconciliationId}`);
      return res.body.status === 'running' ? null : (res.body as Reconciliation);
    },
    60_000,
    'the reconciliation',
  );
  expect(run.status).toBe('completed');
  const page = await http('GET', `/api/admin/reconciliations/${run.reconciliationId}/mismatches?limit=1000`);
  expect(page.status).toBe(200);
  return { run, mismatches: page.body.mismatches };
}

async function repair(reconciliationId: string, body: object = {}): Promise<void> {
  const res = await http('POST', `/api/admin/reconciliations/${reconciliationId}/repair`, { body });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  await waitFor(
    async () => (await stack.env.client.workflow.getHandle(res.body.workflowId).describe()).status.name === 'COMPLETED',
    60_000,
    'the repair',
  );
  await quiet();
}

const none = { ledger: 0, points: 0, totals: 0, boards: 0, minutes: 0, stats: 0 };

beforeAll(async () => {
  stack = await startStack();
  http = stack.http;
  ids.T = (await postCreated(http, '/api/tournaments', { name: 'T' })).id;
  for (const u of ['u1', 'u2', 'u3']) ids[u] = (await postCreated(http, '/api/users', { name: u })).id;
  ids.L = (await postCreated(http, '/api/leagues', { name: 'L', tournamentId: ids.T, memberIds: [ids.u1, ids.u2] })).id;
  for (const p of ['s1', 's2', 'b1', 'b2']) ids[p] = (await postCreated(http, '/api/players', { name: p })).id;
  const lineup = [
    { playerId: ids.s1, starter: true },
    { playerId: ids.s2, starter: true },
    { playerId: ids.b1, starter: false },
    { playerId: ids.b2, starter: false },
  ];
  for (const [g, kickoffAt] of [
    ['G1', '2030-06-01T18:00:00Z'],
    ['G2', '2030-06-05T18:00:00Z'],
    ['G3', '2030-06-10T18:00:00Z'],
  ] as const) {
    ids[g] = (
      await postCreated(http, '/api/games', {
        homeTeam: `${g}H`,
        awayTeam: `${g}A`,
        kickoffAt,
        tournamentId: ids.T,
        lineup,
      })
    ).id;
  }
  const predictions: [string, string, number, number][] = [
    ['G1', 'u1', 2, 1],
    ['G1', 'u2', 1, 0],
    ['G1', 'u3', 0, 0],
    ['G2', 'u1', 1, 1],
    ['G2', 'u2', 0, 2],
    ['G2', 'u3', 1, 1],
    ['G3', 'u1', 1, 0],
  ];
  for (const [g, u, homeGoals, awayGoals] of predictions) {
    await post(`/api/games/${ids[g]}/predictions`, { userId: ids[u], homeGoals, awayGoals });
  }
  await post(`/api/games/${ids.G1}/goals`, { scorerId: ids.s2, assistId: ids.s1, minute: 10 });
  ids.sub = (
    await post(`/api/games/${ids.G1}/substitutions`, { minute: 60, playerOutId: ids.s1, playerInId: ids.b1 })
  ).substitution.id;
  ids.secondYellow = (
    await post(`/api/games/${ids.G1}/disciplinary-actions`, { playerId: ids.s2, cardType: 'second-yellow', minute: 70 })
  ).action.id;
  ids.red = (
    await post(`/api/games/${ids.G1}/disciplinary-actions`, { playerId: ids.b1, cardType: 'red', minute: 80 })
  ).action.id;
  await post(`/api/games/${ids.G1}/result`, { homeGoals: 1, awayGoals: 1 });
  await settled(ids.G1!, 1, 1);
  await post(`/api/games/${ids.G1}/result`, { homeGoals: 2, awayGoals: 1 });
  await post(`/api/games/${ids.G2}/result`, { homeGoals: 0, awayGoals: 0 });
  await settled(ids.G1!, 2, 1);
  await settled(ids.G2!, 0, 0);
  await quiet();
  await projected();
  // The ledger check leaves results younger than a settlement takes: these are "old" now.
  await stack.api.prisma.$executeRaw`UPDATE game_results SET created_at = now() - interval '1 hour'`;
}, 240_000);

afterAll(async () => {
  await stack?.stop();
});

describe('a reconciliation of a healthy matchday', () => {
  it('finds every number right, and says how many it compared', async () => {
    const { run, mismatches } = await reconcile();
    expect(run.mismatches).toEqual(none);
    // 2 ended games' current results; 6 settled predictions; 3 totals; 3 on the tournament board
    // and 2 on the league's; 8 lineup places in 2 fresh reports (G3 has no events: its report is
    // fresh too, 4 more).
    expect(run.checked).toMatchObject({ ledger: 2, points: 6, totals: 3, boards: 5, minutes: 12 });
    expect(run.checked.stats).toBeGreaterThan(0);
    expect(mismatches).toEqual([]);
  });
});

describe('explanations', () => {
  it("explain a user's points game by game, with the corrected result and the one it replaced", async () => {
    const res = await http('GET', `/api/tournaments/${ids.T}/users/${ids.u1}/explain`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ tournamentId: ids.T, userId: ids.u1, points: 4, exactCount: 1, rank: 1 });
    const [g1, g2, g3] = res.body.games;
    expect(g1).toMatchObject({
      gameId: ids.G1,
      homeTeam: 'G1H',
      awayTeam: 'G1A',
      prediction: { homeGoals: 2, awayGoals: 1 },
      result: { homeGoals: 2, awayGoals: 1, source: 'api' },
      rule: 'exact',
      points: 3,
      settlement: { ledgerStatus: 'applied' },
    });
    expect(g1.replaced).toMatchObject([{ homeGoals: 1, awayGoals: 1, status: 'applied' }]);
    expect(g2).toMatchObject({
      gameId: ids.G2,
      result: { homeGoals: 0, awayGoals: 0 },
      rule: 'outcome',
      points: 1,
      replaced: [],
    });
    // A prediction of a game with no result yet: not settled, no points.
    expect(g3).toMatchObject({ gameId: ids.G3, result: null, rule: 'not_settled', points: 0, settlement: null });
    expect(res.body.games.reduce((sum: number, g: { points: number }) => sum + g.points, 0)).toBe(4);

    const u3 = await http('GET', `/api/tournaments/${ids.T}/users/${ids.u3}/explain`);
    expect(u3.body).toMatchObject({ points: 1, exactCount: 0, rank: 2 });
    expect(u3.body.games.map((g: { rule: string }) => g.rule)).toEqual(['miss', 'outcome']);
  });

  it("explain a report's minutes: a second yellow, a substitute sent off", async () => {
    const res = await http('GET', `/api/games/${ids.G1}/report/explain`);
    expect(res.status).toBe(200);
    expect(res.body.gameId).toBe(ids.G1);
    expect(res.body.calculatedVersion).toBe(res.body.eventsVersion);
    expect(res.body.calculatedBy.workflowId).toMatch(/^minutes-recalc:/);
    const by = Object.fromEntries(res.body.players.map((p: { playerId: string }) => [p.playerId, p]));
    expect(by[ids.s1!]).toEqual({
      playerId: ids.s1,
      minutesPlayed: 60,
      entered: { minute: 0, by: 'starter' },
      left: { minute: 60, by: 'substitution', eventId: ids.sub },
    });
    expect(by[ids.s2!]).toEqual({
      playerId: ids.s2,
      minutesPlayed: 70,
      entered: { minute: 0, by: 'starter' },
      left: { minute: 70, by: 'second-yellow', eventId: ids.secondYellow },
    });
    expect(by[ids.b1!]).toEqual({
      playerId: ids.b1,
      minutesPlayed: 20,
      entered: { minute: 60, by: 'substitution', eventId: ids.sub },
      left: { minute: 80, by: 'red', eventId: ids.red },
    });
    expect(by[ids.b2!]).toEqual({ playerId: ids.b2, minutesPlayed: 0, entered: null, left: null });
  });

  it("explain a player's season game by game, adding up to the season's row", async () => {
    const res = await http('GET', `/api/players/${ids.s2}/stats/explain?season=2030`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      playerId: ids.s2,
      season: '2030',
      totals: { appearances: 2, minutesPlayed: 160, goals: 1, assists: 0, yellowCards: 0, redCards: 1 },
      games: [
        {
          gameId: ids.G1,
          kickoffAt: '2030-06-01T18:00:00.000Z',
          appearance: true,
          minutesPlayed: 70,
          goals: 1,
          assists: 0,
          yellowCards: 0,
          redCards: 1,
        },
        {
          gameId: ids.G2,
          kickoffAt: '2030-06-05T18:00:00.000Z',
          appearance: true,
          minutesPlayed: 90,
          goals: 0,
          assists: 0,
          yellowCards: 0,
          redCards: 0,
        },
      ],
    });
  });

  it('answer 404 for what does not exist and 400 for a missing season', async () => {
    expect((await http('GET', `/api/tournaments/${ids.T}/users/nobody/explain`)).status).toBe(404);
    expect((await http('GET', `/api/games/nothing/report/explain`)).status).toBe(404);
    expect((await http('GET', `/api/players/${ids.s2}/stats/explain`)).status).toBe(400);
  });
});

describe('drift, found and repaired through the paths that own it', () => {
  it('a total off by seven: the total, and the boards that show it', async () => {
    await stack.api.prisma.userTournamentTotal.update({
      where: { tournamentId_userId: { tournamentId: ids.T!, userId: ids.u2! } },
      data: { points: { increment: 7 } },
    });
    const { run, mismatches } = await reconcile();
    expect(run.mismatches).toEqual({ ...none, totals: 1, boards: 2 });
    expect(mismatches).toEqual([
      {
        check: 'totals',
        subject: { tournamentId: ids.T, userId: ids.u2 },
        expected: { points: 1, exactCount: 0, settledPredictions: 2 },
        actual: { points: 8, exactCount: 0, settledPredictions: 2 },
      },
      // PostgreSQL's (wrong) total against Redis's (right) board, on both boards u2 is on.
      {
        check: 'boards',
        subject: { tournamentId: ids.T, userId: ids.u2 },
        expected: { points: 8, exactCount: 0 },
        actual: { points: 1, exactCount: 0 },
      },
      {
        check: 'boards',
        subject: { tournamentId: ids.T, leagueId: ids.L, userId: ids.u2 },
        expected: { points: 8, exactCount: 0 },
        actual: { points: 1, exactCount: 0 },
      },
    ]);
    await repair(run.reconciliationId);
    await projected();
    expect((await http('GET', `/api/tournaments/${ids.T}/users/${ids.u2}/rank`)).body).toMatchObject({
      points: 1,
      exactCount: 0,
      rank: 2,
    });
    expect((await reconcile()).run.mismatches).toEqual(none);
  });

  it("a prediction's points: the prediction, and the total that no longer adds up", async () => {
    await stack.api.prisma.prediction.update({
      where: { gameId_userId: { gameId: ids.G2!, userId: ids.u3! } },
      data: { points: 3, exact: true },
    });
    const { run, mismatches } = await reconcile();
    expect(run.mismatches).toEqual({ ...none, points: 1, totals: 1 });
    expect(mismatches).toEqual([
      {
        check: 'points',
        subject: { gameId: ids.G2, userId: ids.u3, tournamentId: ids.T },
        expected: { points: 1, exact: false },
        actual: { points: 3, exact: true },
      },
      {
        check: 'totals',
        subject: { tournamentId: ids.T, userId: ids.u3 },
        expected: { points: 3, exactCount: 1, settledPredictions: 2 },
        actual: { points: 1, exactCount: 0, settledPredictions: 2 },
      },
    ]);
    await repair(run.reconciliationId);
    const prediction = await stack.api.prisma.prediction.findUniqueOrThrow({
      where: { gameId_userId: { gameId: ids.G2!, userId: ids.u3! } },
    });
    expect([prediction.points, prediction.exact]).toEqual([1, false]);
    expect((await reconcile()).run.mismatches).toEqual(none);
    expect((await http('GET', `/api/tournaments/${ids.T}/users/${ids.u3}/explain`)).body).toMatchObject({ points: 1 });
  });

  it('a member missing from a Redis league board', async () => {
    await stack.api.redis.zrem(leagueBoardKey(ids.L!), ids.u1!);
    const { run, mismatches } = await reconcile();
    expect(run.mismatches).toEqual({ ...none, boards: 1 });
    expect(mismatches).toEqual([
      {
        check: 'boards',
        subject: { tournamentId: ids.T, leagueId: ids.L, userId: ids.u1 },
        expected: { points: 4, exactCount: 1 },
        actual: null,
      },
    ]);
    await repair(run.reconciliationId);
    await projected();
    expect(await stack.api.redis.zcard(leagueBoardKey(ids.L!))).toBe(2);
    expect((await reconcile()).run.mismatches).toEqual(none);
  });

  it("a report's minutes", async () => {
    await stack.api.prisma.playerMinutes.update({
      where: { gameId_playerId: { gameId: ids.G1!, playerId: ids.s1! } },
      data: { minutesPlayed: 61 },
    });
    // The stats a minute off would follow from are not touched: this round looks at the minutes alone.
    const { run, mismatches } = await reconcile({ checks: ['minutes'] });
    expect(run.mismatches).toEqual({ minutes: 1 });
    expect(mismatches).toEqual([
      {
        check: 'minutes',
        subject: { gameId: ids.G1, playerId: ids.s1 },
        expected: { minutesPlayed: 60 },
        actual: { minutesPlayed: 61 },
      },
    ]);
    await repair(run.reconciliationId);
    const report = await http('GET', `/api/games/${ids.G1}/report`);
    expect(report.body.players.find((p: { playerId: string }) => p.playerId === ids.s1).minutesPlayed).toBe(60);
    expect((await reconcile()).run.mismatches).toEqual(none);
  });

  it("a season's goals", async () => {
    await stack.api.prisma.playerSeasonStats.update({
      where: { playerId_season_part: { playerId: ids.s2!, season: '2030', part: 'season' } },
      data: { goals: 2 },
    });
    const { run, mismatches } = await reconcile({ scope: { season: '2030' } });
    expect(run.mismatches).toEqual({ ...none, stats: 1 });
    expect(mismatches).toEqual([
      {
        check: 'stats',
        subject: { table: 'player_season_stats', playerId: ids.s2, season: '2030', part: 'season' },
        expected: { appearances: 2, minutesPlayed: 160, goals: 1, assists: 0, yellowCards: 0, redCards: 1 },
        actual: { appearances: 2, minutesPlayed: 160, goals: 2, assists: 0, yellowCards: 0, redCards: 1 },
      },
    ]);
    await repair(run.reconciliationId);
    expect((await http('GET', `/api/players/${ids.s2}/stats/explain?season=2030`)).body.totals.goals).toBe(1);
    expect((await reconcile()).run.mismatches).toEqual(none);
  });

  it('a result whose ledger entry is gone: settled again, the points it gave counted once', async () => {
    const [current] = await stack.api.prisma.gameResult.findMany({
      where: { gameId: ids.G2! },
      orderBy: { id: 'desc' },
    });
    await stack.api.prisma.settlementLedger.delete({
      where: { gameId_resultHash: { gameId: ids.G2!, resultHash: current!.resultHash } },
    });
    const { run, mismatches } = await reconcile();
    expect(run.mismatches).toEqual({ ...none, ledger: 1 });
    expect(mismatches).toEqual([
      {
        check: 'ledger',
        subject: { gameId: ids.G2, tournamentId: ids.T, resultHash: current!.resultHash },
        expected: { status: 'applied', homeGoals: 0, awayGoals: 0 },
        actual: null,
      },
    ]);
    await repair(run.reconciliationId);
    await settled(ids.G2!, 0, 0);
    const totals = await stack.api.prisma.userTournamentTotal.findMany({
      where: { tournamentId: ids.T! },
      orderBy: { points: 'desc' },
      select: { points: true, exactCount: true },
    });
    expect(totals.map((t) => [t.points, t.exactCount])).toEqual([
      [4, 1],
      [1, 0],
      [1, 0],
    ]);
    expect((await reconcile()).run.mismatches).toEqual(none);
  });
});

describe('the API around it', () => {
  it('refuses a scope naming nothing, an unknown check, and a repair of a run that is not complete', async () => {
    const unknownScope = await http('POST', '/api/admin/reconciliations', {
      body: { scope: { tournamentId: 'nope' } },
    });
    expect(unknownScope.status).toBe(400);
    expect((await http('POST', '/api/admin/reconciliations', { body: { checks: ['vibes'] } })).status).toBe(400);
    expect((await http('POST', '/api/admin/reconciliations', { body: { checks: ['points', 'points'] } })).status).toBe(
      400,
    );
    expect((await http('GET', '/api/admin/reconciliations/nope')).status).toBe(404);
    expect((await http('POST', '/api/admin/reconciliations/nope/repair', { body: {} })).status).toBe(404);
    expect((await http('GET', '/api/admin/reconciliations?limit=0')).status).toBe(400);
    const list = await http('GET', '/api/admin/reconciliations?limit=2');
    expect(list.status).toBe(200);
    expect(list.body.reconciliations).toHaveLength(2);
  });

  it('pages mismatches with a token, and a repeat of a repair with the same key repairs nothing more', async () => {
    await stack.api.prisma.userTournamentTotal.updateMany({
      where: { tournamentId: ids.T! },
      data: { points: { increment: 7 } },
    });
    const { run } = await reconcile({ checks: ['totals'] });
    expect(run.mismatches).toEqual({ totals: 3 });
    const first = await http('GET', `/api/admin/reconciliations/${run.reconciliationId}/mismatches?limit=2`);
    expect(first.body.mismatches).toHaveLength(2);
    const second = await http(
      'GET',
      `/api/admin/reconciliations/${run.reconciliationId}/mismatches?limit=2&pageToken=${first.body.nextPageToken}`,
    );
    expect(second.body.mismatches).toHaveLength(1);
    expect(second.body.nextPageToken).toBeNull();
    expect(
      (await http('GET', `/api/admin/reconciliations/${run.reconciliationId}/mismatches?pageToken=x`)).status,
    ).toBe(400);

    const key = `repair-once-${run.reconciliationId}`;
    const a = await http('POST', `/api/admin/reconciliations/${run.reconciliationId}/repair`, { body: {}, key });
    const b = await http('POST', `/api/admin/reconciliations/${run.reconciliationId}/repair`, { body: {}, key });
    expect(a.status).toBe(202);
    expect(b.body).toEqual(a.body);
    await waitFor(
      async () => (await stack.env.client.workflow.getHandle(a.body.workflowId).describe()).status.name === 'COMPLETED',
      60_000,
      'the repair',
    );
    await quiet();
    expect(
      await stack.api.prisma.reconciliationRepair.count({ where: { reconciliationId: run.reconciliationId } }),
    ).toBe(1);
    expect((await reconcile()).run.mismatches).toEqual(none);
    const audit = await http('GET', '/api/admin/audit?limit=100');
    expect(
      audit.body.entries.filter((e: { action: string }) => e.action === 'reconciliation.repair').length,
    ).toBeGreaterThan(0);
  });
});
