// Predictions to scoreboards end to end: HTTP -> outbox -> Temporal dev server -> workers -> PostgreSQL
// settlement -> Redis projection, and match verification against the provider simulator. Its own
// database: boards count whole tables.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  httpClient,
  postCreated,
  startApi,
  startStack,
  testConfig,
  waitFor,
  type TestApi,
  type TestStack,
} from '../../test/harness.ts';
import type { Config } from '../config.ts';
import { createProviderSimulator } from '../provider-sim/app.ts';
import { boardVersionKey, tournamentBoardKey } from '../services/settlement/scoreboards/keys.ts';
import { createPostgresBoardReads } from '../services/settlement/scoreboards/postgres-reads.ts';
import { createScoreboardProjection } from '../services/settlement/scoreboards/projection.ts';
import { createRedisBoardReads } from '../services/settlement/scoreboards/redis-reads.ts';

let stack: TestStack;
let env: TestWorkflowEnvironment;
let api: TestApi;
let database: TestStack['database'];
let http: TestStack['http'];
let config: Config;
let simulator: Server;
let sim: string;

beforeAll(async () => {
  simulator = await new Promise<Server>((resolve) => {
    const s = createProviderSimulator().listen(0, '127.0.0.1', () => resolve(s));
  });
  sim = `http://127.0.0.1:${(simulator.address() as AddressInfo).port}`;
  stack = await startStack({ PROVIDER_URL: sim, PROVIDER_TIMEOUT_MS: '300' });
  ({ env, api, database, http, config } = stack);
});

afterAll(async () => {
  await stack?.stop();
  await new Promise((resolve) => simulator?.close(resolve));
});

const created = (path: string, body: unknown) => postCreated(http, path, body);
const soon = () => new Date(Date.now() + 3600_000).toISOString();
const past = () => new Date(Date.now() - 3600_000).toISOString();

// Every tournament a test created: after the test, its Redis boards must equal PostgreSQL's.
const tournamentsOfTest = new Set<string>();

/** A tournament, users with the given IDs' names, and a game in it kicking off at `kickoffAt`. */
async function setup(names: string[], kickoffAt = soon(), providerGameId?: string) {
  const tournamentId = (await created('/api/tournaments', { name: `Cup ${randomUUID().slice(0, 6)}` })).id as string;
  tournamentsOfTest.add(tournamentId);
  const users = Object.fromEntries(
    await Promise.all(names.map(async (name) => [name, (await created('/api/users', { name })).id as string])),
  );
  const gameId = (
    await created('/api/games', {
      homeTeam: 'H',
      awayTeam: 'A',
      kickoffAt,
      tournamentId,
      ...(providerGameId ? { providerGameId } : {}),
    })
  ).id as string;
  return { tournamentId, users: users as Record<string, string>, gameId };
}

async function settled(gameId: string) {
  return waitFor(
    async () => {
      const res = await http('GET', `/api/games/${gameId}/settlement`, { token: null });
      return res.body.status === 'applied' ? res.body : null;
    },
    30_000,
    `the settlement of ${gameId}`,
  );
}

/** The board's rows as `rank name points/exact`, with names instead of generated user IDs. */
function rows(
  body: { entries: { rank: number; userId: string; points: number; exactCount: number }[] },
  users: Record<string, string>,
) {
  const nameOf = Object.fromEntries(Object.entries(users).map(([name, id]) => [id, name]));
  return body.entries.map((e) => `${e.rank} ${nameOf[e.userId]} ${e.points}/${e.exactCount}`);
}

/** Waits until the projection has caught up (Redis answers), and returns that board. */
async function redisBoard(path: string) {
  return waitFor(
    async () => {
      const res = await http('GET', path, { token: null });
      return res.headers.get('x-scoreboard-source') === 'redis' ? res : null;
    },
    20_000,
    `${path} from Redis`,
  );
}

/**
 * After every test, Redis shows what PostgreSQL shows for every tournament the test made: the whole
 * tournament board, every league board, and every listed user's rank.
 */
afterEach(async () => {
  const boards = createScoreboardProjection({ prisma: api.prisma, redis: api.redis });
  const fromRedis = createRedisBoardReads(api.redis);
  const pg = createPostgresBoardReads(api.prisma);
  const tournaments = [...tournamentsOfTest];
  tournamentsOfTest.clear();
  for (const tournamentId of tournaments) {
    // Catch up whatever a test left behind on purpose (a deleted version); a no-op when the workers'
    // projection is current, so what is compared below is what they wrote.
    await boards.project(tournamentId);
    const board = await pg.page(tournamentId, null, 500, 0);
    expect((await fromRedis.page(tournamentId, null, 500, 0)).value).toEqual(board);
    for (const { userId } of board.entries)
      expect((await fromRedis.rank(tournamentId, userId)).value).toEqual(await pg.rank(tournamentId, userId));
    for (const { id } of await api.prisma.league.findMany({ where: { tournamentId } })) {
      expect((await fromRedis.page(tournamentId, id, 500, 0)).value).toEqual(await pg.page(tournamentId, id, 500, 0));
    }
  }
});

describe('predictions and leagues', () => {
  it('takes one prediction per user per game, replaced until kickoff, refused after', async () => {
    const { users, gameId } = await setup(['ann']);
    const body = { userId: users.ann, homeGoals: 1, awayGoals: 0 };
    expect(await created(`/api/games/${gameId}/predictions`, body)).toEqual({ gameId, ...body });
    expect(await created(`/api/games/${gameId}/predictions`, { ...body, homeGoals: 3 })).toEqual({
      gameId,
      ...body,
      homeGoals: 3,
    });
    expect(await api.prisma.prediction.count({ where: { gameId } })).toBe(1);

    const late = await setup(['bob'], past());
    const refused = await http('POST', `/api/games/${late.gameId}/predictions`, {
      body: { userId: late.users.bob, homeGoals: 0, awayGoals: 0 },
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('game_already_started');
    expect(
      (
        await http('POST', `/api/games/${gameId}/predictions`, {
          body: { userId: 'nobody', homeGoals: 0, awayGoals: 0 },
        })
      ).status,
    ).toBe(400);
    expect((await http('POST', '/api/games/nope/predictions', { body: { ...body } })).status).toBe(404);
    expect((await http('POST', `/api/games/${gameId}/predictions`, { body: { ...body, homeGoals: -1 } })).status).toBe(
      400,
    );
  });

  it('creates leagues and adds members once', async () => {
    const { tournamentId, users } = await setup(['cat', 'dan', 'eve']);
    const league = await created('/api/leagues', { name: 'Office', tournamentId, memberIds: [users.cat] });
    const added = await http('POST', `/api/leagues/${league.id}/members`, {
      body: { userIds: [users.dan, users.cat, users.eve] },
    });
    expect(added.status).toBe(200);
    expect(added.body).toEqual({ leagueId: league.id, added: 2, members: 3 });
    expect(
      (await http('POST', `/api/leagues/${league.id}/members`, { body: { userIds: [users.dan] } })).body,
    ).toMatchObject({ added: 0, members: 3 });
    expect((await http('POST', `/api/leagues/${league.id}/members`, { body: { userIds: ['ghost'] } })).status).toBe(
      400,
    );
    expect((await http('POST', '/api/leagues/ghost/members', { body: { userIds: [users.dan] } })).status).toBe(404);
    expect((await http('POST', '/api/leagues', { body: { name: 'x', tournamentId: 'ghost' } })).status).toBe(400);
  });
});

describe('settlement and scoreboards', () => {
  it('settles a posted result, and serves the boards from Redis with the same answers as PostgreSQL', async () => {
    const { tournamentId, users, gameId } = await setup(['ann', 'bob', 'cat', 'dan']);
    const predict = (name: string, h: number, a: number) =>
      created(`/api/games/${gameId}/predictions`, { userId: users[name], homeGoals: h, awayGoals: a });
    await predict('ann', 2, 1); // exact: 3
    await predict('bob', 1, 0); // home win: 1
    await predict('cat', 2, 1); // exact: 3
    await predict('dan', 0, 0); // 0
    const league = await created('/api/leagues', { name: 'Friends', tournamentId, memberIds: [users.bob, users.dan] });
    expect((await http('GET', `/api/games/${gameId}/settlement`)).body).toMatchObject({ status: 'not_settled' });

    const posted = await http('POST', `/api/games/${gameId}/result`, { body: { homeGoals: 2, awayGoals: 1 } });
    expect(posted.status).toBe(202);
    expect(posted.body.settlement.workflowId).toMatch(new RegExp(`^settle:${gameId}:[0-9a-f]{16}$`));
    const status = await settled(gameId);
    expect(status).toMatchObject({ status: 'applied', homeGoals: 2, awayGoals: 1, predictionsSettled: 4 });
    expect(posted.body.settlement.workflowId).toBe(`settle:${gameId}:${status.resultHash}`);

    const board = await redisBoard(`/api/tournaments/${tournamentId}/scoreboard`);
    expect(board.body.total).toBe(4);
    // ann and cat tie on 3/1 (listed by user ID byte order); bob 1/0 is 3rd; dan 0/0 is 4th.
    const [first, second] = [users.ann!, users.cat!].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(board.body.entries).toEqual([
      { rank: 1, userId: first, points: 3, exactCount: 1 },
      { rank: 1, userId: second, points: 3, exactCount: 1 },
      { rank: 3, userId: users.bob, points: 1, exactCount: 0 },
      { rank: 4, userId: users.dan, points: 0, exactCount: 0 },
    ]);
    const leagueBoard = await redisBoard(`/api/leagues/${league.id}/scoreboard`);
    expect(rows(leagueBoard.body, users)).toEqual(['1 bob 1/0', '2 dan 0/0']);
    const rank = await http('GET', `/api/tournaments/${tournamentId}/users/${users.bob}/rank`);
    expect(rank.body).toEqual({ rank: 3, points: 1, exactCount: 0, total: 4 });
    expect(
      (await http('GET', `/api/tournaments/${tournamentId}/scoreboard?limit=2&offset=1`)).body.entries.map(
        (e: { rank: number }) => e.rank,
      ),
    ).toEqual([1, 3]);

    // The PostgreSQL fallback gives the same answers (the projection's version removed from Redis).
    await api.redis.del(boardVersionKey(tournamentId));
    const fallback = await http('GET', `/api/tournaments/${tournamentId}/scoreboard`);
    expect(fallback.headers.get('x-scoreboard-source')).toBe('postgres');
    expect(fallback.body).toEqual(board.body);
    expect((await http('GET', `/api/leagues/${league.id}/scoreboard`)).body).toEqual(leagueBoard.body);
    expect((await http('GET', `/api/tournaments/${tournamentId}/users/${users.bob}/rank`)).body).toEqual(rank.body);
    expect((await http('GET', `/api/tournaments/${tournamentId}/users/nobody/rank`)).status).toBe(404);
    expect((await http('GET', '/api/tournaments/nope/scoreboard')).status).toBe(404);
    expect((await http('GET', `/api/tournaments/${tournamentId}/scoreboard?limit=501`)).status).toBe(400);
  });

  it('settles the same result once, however often and however concurrently it is posted', async () => {
    const { users, gameId } = await setup(['ann']);
    await created(`/api/games/${gameId}/predictions`, { userId: users.ann, homeGoals: 1, awayGoals: 1 });
    const posts = await Promise.all(
      Array.from({ length: 8 }, () =>
        http('POST', `/api/games/${gameId}/result`, { body: { homeGoals: 1, awayGoals: 1 } }),
      ),
    );
    expect(new Set(posts.map((p) => p.status))).toEqual(new Set([202]));
    expect(new Set(posts.map((p) => p.body.settlement.workflowId)).size).toBe(1);
    await settled(gameId);
    expect(await api.prisma.gameResult.count({ where: { gameId } })).toBe(1);
    expect(await api.prisma.settlementLedger.count({ where: { gameId } })).toBe(1);
    const again = await http('POST', `/api/games/${gameId}/result`, { body: { homeGoals: 1, awayGoals: 1 } });
    expect(again.body.settlement).toEqual(posts[0]!.body.settlement);
    const runs = await waitFor(async () => {
      const { count } = await env.client.workflow.count(
        `WorkflowType = 'settleGameWorkflow' AND FulltimeGameId = '${gameId}'`,
      );
      return count > 0 ? count : null;
    });
    expect(runs).toBe(1);
  });

  it('reverses a correction: points end where settling only the new result puts them', async () => {
    const { tournamentId, users, gameId } = await setup(['ann', 'bob']);
    await created(`/api/games/${gameId}/predictions`, { userId: users.ann, homeGoals: 2, awayGoals: 0 });
    await created(`/api/games/${gameId}/predictions`, { userId: users.bob, homeGoals: 0, awayGoals: 1 });
    await http('POST', `/api/games/${gameId}/result`, { body: { homeGoals: 2, awayGoals: 0 } });
    await settled(gameId);
    expect(rows((await redisBoard(`/api/tournaments/${tournamentId}/scoreboard`)).body, users)).toEqual([
      '1 ann 3/1',
      '2 bob 0/0',
    ]);
    const correction = await http('POST', `/api/games/${gameId}/result`, { body: { homeGoals: 0, awayGoals: 1 } });
    expect(correction.status).toBe(202);
    const status = await waitFor(
      async () => {
        const res = await http('GET', `/api/games/${gameId}/settlement`);
        return res.body.status === 'applied' && res.body.homeGoals === 0 ? res.body : null;
      },
      30_000,
      'the correction to settle',
    );
    expect(correction.body.settlement.workflowId).toBe(`settle:${gameId}:${status.resultHash}`);
    expect(rows((await redisBoard(`/api/tournaments/${tournamentId}/scoreboard`)).body, users)).toEqual([
      '1 bob 3/1',
      '2 ann 0/0',
    ]);
  });

  it('falls back to PostgreSQL with Redis down, and a stale projection rebuilds itself', async () => {
    const { tournamentId, users, gameId } = await setup(['ann', 'bob']);
    await created(`/api/games/${gameId}/predictions`, { userId: users.ann, homeGoals: 1, awayGoals: 0 });
    await created(`/api/games/${gameId}/predictions`, { userId: users.bob, homeGoals: 0, awayGoals: 0 });
    await http('POST', `/api/games/${gameId}/result`, { body: { homeGoals: 1, awayGoals: 0 } });
    await settled(gameId);
    const fresh = await redisBoard(`/api/tournaments/${tournamentId}/scoreboard`);

    // An API whose Redis is down answers from PostgreSQL, the same board.
    const offline = await startApi(
      testConfig({ DATABASE_URL: database.url, REDIS_URL: 'redis://127.0.0.1:1', TEMPORAL_ADDRESS: env.address }),
      { temporal: env.client },
    );
    try {
      const res = await httpClient(offline.baseUrl)('GET', `/api/tournaments/${tournamentId}/scoreboard`);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-scoreboard-source')).toBe('postgres');
      expect(res.body).toEqual(fresh.body);
    } finally {
      await offline.close();
    }

    // The projection is lost and has been behind longer than a projection takes: the first read
    // answers from PostgreSQL and starts the rebuild, which restores Redis.
    await api.redis.del(tournamentBoardKey(tournamentId), boardVersionKey(tournamentId));
    await api.prisma.tournament.update({
      where: { id: tournamentId },
      data: { scoreboardChangedAt: new Date(Date.now() - 3600_000) },
    });
    // Several readers find it stale at once; one rebuild runs for that version.
    const stale = await Promise.all(
      Array.from({ length: 4 }, () => http('GET', `/api/tournaments/${tournamentId}/scoreboard`)),
    );
    expect(stale.map((r) => r.headers.get('x-scoreboard-source'))).toEqual(Array(4).fill('postgres'));
    for (const r of stale) expect(r.body).toEqual(fresh.body);
    const version = (await api.prisma.tournament.findUniqueOrThrow({ where: { id: tournamentId } })).scoreboardVersion;
    const rebuildId = `scoreboard-rebuild:${tournamentId}:v${version}`;
    await waitFor(
      async () => (await env.client.workflow.getHandle(rebuildId).describe()).status.name === 'COMPLETED',
      20_000,
      'the rebuild',
    );
    expect((await env.client.workflow.count(`WorkflowId = '${rebuildId}'`)).count).toBe(1);
    const restored = await http('GET', `/api/tournaments/${tournamentId}/scoreboard`);
    expect(restored.headers.get('x-scoreboard-source')).toBe('redis');
    expect(restored.body).toEqual(fresh.body);

    // An operator's rebuild answers with its run.
    const rebuild = await http('POST', `/api/admin/tournaments/${tournamentId}/scoreboard/rebuild`, { body: {} });
    expect(rebuild.status).toBe(202);
    expect(await env.client.workflow.getHandle(rebuild.body.workflowId).result()).toMatchObject({
      swapped: true,
      users: 2,
    });
  });
});

describe('match verification', () => {
  async function provider(path: string, body: unknown) {
    const res = await fetch(`${sim}${path}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.ok).toBe(true);
  }
  async function verify() {
    const workflowId = `scheduled:match-verification-test-${randomUUID()}`;
    const summary = await env.client.workflow.execute('matchVerificationWorkflow', {
      taskQueue: config.taskQueues.settlement,
      workflowId,
    });
    const decisions = await api.prisma.verificationDecision.findMany({ where: { runWorkflowId: workflowId } });
    return {
      summary: summary as { candidates: number; decisions: Record<string, number> },
      byGame: new Map(decisions.map((d) => [d.gameId, d])),
    };
  }

  it('decides per game: ended (and settles), live, unknown; malformed, slow and failing answers never settle', async () => {
    const tag = randomUUID().slice(0, 6);
    const ended = await setup(['ann'], soon(), `ended-${tag}`);
    const live = await setup(['bob'], past(), `live-${tag}`);
    const unknown = await setup(['cat'], past(), `unknown-${tag}`);
    const future = await setup(['dan'], soon(), `future-${tag}`);
    await created(`/api/games/${ended.gameId}/predictions`, { userId: ended.users.ann, homeGoals: 2, awayGoals: 0 });
    // Kicked off an hour ago: predictions are closed, so this one went in before (straight to the table).
    await api.prisma.game.update({ where: { id: ended.gameId }, data: { kickoffAt: new Date(Date.now() - 3600_000) } });
    await provider(`/sim/matches/ended-${tag}`, { status: 'ended', homeGoals: 2, awayGoals: 0 });
    await provider(`/sim/matches/live-${tag}`, { status: 'live', homeGoals: 1, awayGoals: 1 });

    for (const [mode, reason] of [
      ['garbage', /^malformed provider answer/],
      ['fail', /^provider unavailable: HTTP 503/],
      ['slow', /^provider unavailable: no answer within 300 ms/],
    ] as const) {
      await provider('/sim/behaviour', { mode, delayMs: 1000 });
      const run = await verify();
      for (const game of [ended, live, unknown]) {
        expect(run.byGame.get(game.gameId), mode).toMatchObject({
          decision: 'retry',
          reason: expect.stringMatching(reason),
        });
      }
      expect((await http('GET', `/api/games/${ended.gameId}`)).body.status, mode).toBe('scheduled'); // never a result
    }
    await provider('/sim/behaviour', { mode: 'normal' });

    const run = await verify();
    expect(run.byGame.get(ended.gameId)).toMatchObject({
      decision: 'ended',
      reason: 'the provider reports it ended 2-0',
      providerStatus: 'ended',
      homeGoals: 2,
      awayGoals: 0,
    });
    expect(run.byGame.get(live.gameId)).toMatchObject({
      decision: 'noop',
      reason: 'the provider reports the game live',
    });
    expect(run.byGame.get(unknown.gameId)).toMatchObject({
      decision: 'noop',
      reason: 'the provider does not know this game',
    });
    expect(run.byGame.has(future.gameId)).toBe(false); // not kicked off: not a candidate
    expect(run.summary.decisions.ended).toBeGreaterThanOrEqual(1);
    const status = await settled(ended.gameId);
    expect(status).toMatchObject({ homeGoals: 2, awayGoals: 0, predictionsSettled: 1 });
    expect((await api.prisma.gameResult.findFirstOrThrow({ where: { gameId: ended.gameId } })).source).toBe('provider');

    // Settled: no longer a candidate; and a repeat of the same answer would change nothing anyway.
    const next = await verify();
    expect(next.byGame.has(ended.gameId)).toBe(false);
    expect(next.byGame.get(live.gameId)).toMatchObject({ decision: 'noop' });
  });
});
