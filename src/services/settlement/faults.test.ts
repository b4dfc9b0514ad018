// Settlement and the scoreboard projection under the faults production brings: a Redis that is up but
// refuses writes (OOM, MISCONF, READONLY: test/redis-server.ts makes a Redis of its own do each for
// real), a Redis that is down and comes back empty, a Redis that stops answering in the middle of a
// pipeline, and a PostgreSQL that cancels a statement inside the settlement's transaction.
//
// The design: a settlement is applied in PostgreSQL whatever Redis does; a projection that Redis
// refuses fails (its activity is retried) and never ends the process; reads meanwhile come from
// PostgreSQL, right; once Redis takes writes the next projection catches the boards up.
//
// Tournament per case, users u1..u4, league L = {u1, u2, u3}. Points: exact 3, outcome 1, miss 0.
//   G1 2-1: u1 2-1 exact 3; u2 1-0 outcome 1; u3 0-0 0; u4 1-1 0.  -> u1 3/1, u2 1/0, u3 0/0, u4 0/0
//   G2 0-0: u2 0-0 exact 3; u3 1-1 outcome 1; u4 2-0 0.            -> u2 4/1, u1 3/1, u3 1/0, u4 0/0
//   G3 1-0: u1 1-0 exact 3; u4 2-1 outcome 1.                       -> u1 6/2, u2 4/1, u3 1/0, u4 1/0
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultProxy } from '../../../test/fault-proxy.ts';
import { RedisServer, refusalReplies, writeRefusals } from '../../../test/redis-server.ts';
import { createScratchDatabase } from '../../../test/harness.ts';
import { createPrisma, type PrismaClient } from '../../db/client.ts';
import { isDatabaseUnavailable } from '../../db/errors.ts';
import { resultHash } from '../../domain/results.ts';
import { createRedis, type Redis } from '../../redis.ts';
import { boardVersionKey } from './scoreboards/keys.ts';
import { createScoreboardProjection, RedisWriteFailure } from './scoreboards/projection.ts';
import { createBoardReads } from './scoreboards/reads.ts';
import { createRedisBoardReads } from './scoreboards/redis-reads.ts';
import { applySettlement } from './settle.ts';

let database: Awaited<ReturnType<typeof createScratchDatabase>>;
let prisma: PrismaClient;
let server: RedisServer;
const clients: Redis[] = [];
let unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  database = await createScratchDatabase();
  prisma = createPrisma(database.url);
  server = await RedisServer.start();
  process.on('unhandledRejection', onUnhandled);
});

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  for (const client of clients) client.disconnect();
  await server?.stop();
  await prisma?.$disconnect();
  await database?.drop();
});

/** A client as the worker makes it (commands fail fast when Redis is down, time out when it stalls). */
function redisClient(url: string, timeoutMs = 2000): Redis {
  const client = createRedis(url, `faults:${randomUUID().slice(0, 8)}:`, { timeoutMs });
  client.on('error', () => {});
  clients.push(client);
  return client;
}

/** Until the client has (re)connected. */
const ready = (redis: Redis) =>
  new Promise((resolve) => (redis.status === 'ready' ? resolve(null) : redis.once('ready', resolve)));

type Entry = [rank: number, user: string, points: number, exact: number];
const entries = (prefix: string, rows: Entry[]) =>
  rows.map(([rank, user, points, exactCount]) => ({ rank, userId: `${prefix}-${user}`, points, exactCount }));

/** The tournament, its users and league, and G1 settled: the state every case starts from. */
async function tournament(prefix: string): Promise<{
  T: string;
  L: string;
  settle(game: string, score: [number, number], predictions: Record<string, [number, number]>): Promise<string>;
}> {
  const T = `${prefix}-T`;
  const L = `${prefix}-L`;
  await prisma.tournament.create({ data: { id: T, name: T } });
  await prisma.user.createMany({ data: ['u1', 'u2', 'u3', 'u4'].map((u) => ({ id: `${prefix}-${u}`, name: u })) });
  await prisma.league.create({ data: { id: L, name: L, tournamentId: T } });
  await prisma.leagueMember.createMany({
    data: ['u1', 'u2', 'u3'].map((u) => ({ leagueId: L, userId: `${prefix}-${u}`, version: 0 })),
  });
  /** Creates the game with its predictions and result, and settles it in PostgreSQL. */
  async function settle(
    game: string,
    [homeGoals, awayGoals]: [number, number],
    predictions: Record<string, [number, number]>,
  ): Promise<string> {
    const gameId = `${prefix}-${game}`;
    await prisma.game.create({
      data: {
        id: gameId,
        homeTeam: 'H',
        awayTeam: 'A',
        kickoffAt: new Date('2026-06-01T18:00:00Z'),
        season: '2026',
        tournamentId: T,
      },
    });
    await prisma.prediction.createMany({
      data: Object.entries(predictions).map(([u, [h, a]]) => ({
        gameId,
        userId: `${prefix}-${u}`,
        homeGoals: h,
        awayGoals: a,
      })),
    });
    const hash = resultHash(gameId, homeGoals, awayGoals, 1);
    await prisma.game.update({ where: { id: gameId }, data: { status: 'ended', homeGoals, awayGoals } });
    await prisma.gameResult.create({
      data: { gameId, homeGoals, awayGoals, resultHash: hash, requestId: randomUUID() },
    });
    return hash;
  }
  return { T, L, settle };
}

const G1 = { u1: [2, 1], u2: [1, 0], u3: [0, 0], u4: [1, 1] } satisfies Record<string, [number, number]>;
const G2 = { u2: [0, 0], u3: [1, 1], u4: [2, 0] } satisfies Record<string, [number, number]>;
const afterG1: Entry[] = [
  [1, 'u1', 3, 1],
  [2, 'u2', 1, 0],
  [3, 'u3', 0, 0],
  [3, 'u4', 0, 0],
];
const afterG2: Entry[] = [
  [1, 'u2', 4, 1],
  [2, 'u1', 3, 1],
  [3, 'u3', 1, 0],
  [4, 'u4', 0, 0],
];
const leagueAfterG2: Entry[] = [
  [1, 'u2', 4, 1],
  [2, 'u1', 3, 1],
  [3, 'u3', 1, 0],
];

const settleGame = (gameId: string, hash: string, client = prisma) =>
  applySettlement(client, { gameId, resultHash: hash, workflowId: `settle:${gameId}:${hash}` });

describe.each(writeRefusals)('a Redis that refuses writes (%s) during a settlement and a rebuild', (kind) => {
  it('settles in PostgreSQL, fails the projection and the rebuild without an unhandled rejection, serves the boards from PostgreSQL, and catches up once writes are accepted', async () => {
    unhandled = [];
    const prefix = `${kind}-${randomUUID().slice(0, 6)}`;
    const { T, L, settle } = await tournament(prefix);
    const redis = redisClient(server.url);
    const boards = createScoreboardProjection({ prisma, redis, chunkSize: 2 });
    const fromRedis = createRedisBoardReads(redis);
    const rebuilds: number[] = [];
    const reads = createBoardReads({ prisma, redis, requestRebuild: async (_t, version) => rebuilds.push(version) });

    expect(await settleGame(`${prefix}-G1`, await settle('G1', [2, 1], G1))).toMatchObject({
      outcome: 'applied',
      version: 1,
    });
    await boards.project(T);
    expect((await fromRedis.page(T, null, 50, 0)).value.entries).toEqual(entries(prefix, afterG1));

    await server.refuseWrites(kind);
    // The settlement is PostgreSQL's alone: applied whatever Redis does.
    expect(await settleGame(`${prefix}-G2`, await settle('G2', [0, 0], G2))).toMatchObject({
      outcome: 'applied',
      version: 2,
    });
    const projection = boards.project(T);
    await expect(projection).rejects.toBeInstanceOf(RedisWriteFailure);
    await expect(projection).rejects.toThrow(refusalReplies[kind].source.replace('^', ''));
    await expect(boards.rebuild(T)).rejects.toBeInstanceOf(RedisWriteFailure);
    // Redis still says version 1 and shows G1's board; readers get G2's from PostgreSQL.
    expect(await redis.get(boardVersionKey(T))).toBe('1');
    expect((await fromRedis.page(T, null, 50, 0)).value.entries).toEqual(entries(prefix, afterG1));
    const tournamentRead = await reads.tournamentBoard(T, 50, 0);
    expect(tournamentRead).toEqual({ source: 'postgres', value: { total: 4, entries: entries(prefix, afterG2) } });
    expect(await reads.leagueBoard(L, 50, 0)).toEqual({
      source: 'postgres',
      value: { total: 3, entries: entries(prefix, leagueAfterG2) },
    });
    expect((await reads.userRank(T, `${prefix}-u1`)).value).toEqual({ rank: 2, points: 3, exactCount: 1, total: 4 });

    await server.acceptWrites();
    expect(await boards.project(T)).toMatchObject({ from: 1, version: 2, rebuilt: false });
    expect(await reads.tournamentBoard(T, 50, 0)).toEqual({
      source: 'redis',
      value: { total: 4, entries: entries(prefix, afterG2) },
    });
    expect(await reads.leagueBoard(L, 50, 0)).toEqual({
      source: 'redis',
      value: { total: 3, entries: entries(prefix, leagueAfterG2) },
    });
    expect(await boards.rebuild(T)).toMatchObject({ version: 2, users: 4, leagues: 1, swapped: true });
    expect((await fromRedis.page(T, null, 50, 0)).value.entries).toEqual(entries(prefix, afterG2));
    expect(unhandled).toEqual([]);
  });
});

describe('a Redis that is down, then back empty', () => {
  it('settles, fails the projection, serves PostgreSQL, and rebuilds the boards once Redis is back', async () => {
    unhandled = [];
    const prefix = `down-${randomUUID().slice(0, 6)}`;
    const { T, settle } = await tournament(prefix);
    const redis = redisClient(server.url);
    const boards = createScoreboardProjection({ prisma, redis, chunkSize: 2 });
    const reads = createBoardReads({ prisma, redis, requestRebuild: async () => undefined });
    await settleGame(`${prefix}-G1`, await settle('G1', [2, 1], G1));
    await boards.project(T);

    await server.kill();
    expect(await settleGame(`${prefix}-G2`, await settle('G2', [0, 0], G2))).toMatchObject({ outcome: 'applied' });
    await expect(boards.project(T)).rejects.toThrow();
    expect(await reads.tournamentBoard(T, 50, 0)).toEqual({
      source: 'postgres',
      value: { total: 4, entries: entries(prefix, afterG2) },
    });

    await server.restart(); // no data kept: the version is gone, so the projection rebuilds
    await ready(redis);
    expect(await boards.project(T)).toMatchObject({ from: -1, version: 2, rebuilt: true });
    expect(await reads.tournamentBoard(T, 50, 0)).toEqual({
      source: 'redis',
      value: { total: 4, entries: entries(prefix, afterG2) },
    });
    expect(unhandled).toEqual([]);
  });
});

describe('a Redis that stops answering in the middle of a projection pipeline', () => {
  it('fails the projection on the command timeout, leaves the version where it was (reads from PostgreSQL), and catches up after', async () => {
    unhandled = [];
    const prefix = `stall-${randomUUID().slice(0, 6)}`;
    const { T, settle } = await tournament(prefix);
    const proxy = await FaultProxy.start({ host: '127.0.0.1', port: server.port });
    try {
      const redis = redisClient(proxy.urlThrough(server.url), 500);
      // One row a pipeline: G2's three changed standings take three, and the second one stalls.
      const boards = createScoreboardProjection({ prisma, redis, chunkSize: 1 });
      const reads = createBoardReads({ prisma, redis, requestRebuild: async () => undefined });
      await settleGame(`${prefix}-G1`, await settle('G1', [2, 1], G1));
      await boards.project(T);
      await settleGame(`${prefix}-G2`, await settle('G2', [0, 0], G2));

      let pipelines = 0;
      proxy.stallWhen((chunk) => /zadd/i.test(chunk.toString()) && ++pipelines === 2);
      const projection = boards.project(T);
      await expect(projection).rejects.toBeInstanceOf(RedisWriteFailure);
      await expect(projection).rejects.toThrow('Command timed out');
      expect(pipelines).toBe(2);
      // Part of G2 may be on the board, but the version is G1's: readers are served from PostgreSQL.
      expect(await reads.tournamentBoard(T, 50, 0)).toEqual({
        source: 'postgres',
        value: { total: 4, entries: entries(prefix, afterG2) },
      });

      // The stalled connection was dropped on its socket timeout; the next attempt uses a new one.
      proxy.restore();
      await ready(redis);
      expect(await boards.project(T)).toMatchObject({ from: 1, version: 2 });
      expect(await reads.tournamentBoard(T, 50, 0)).toEqual({
        source: 'redis',
        value: { total: 4, entries: entries(prefix, afterG2) },
      });
      expect(unhandled).toEqual([]);
    } finally {
      await proxy.close();
    }
  });
});

describe('a PostgreSQL that cancels a statement inside a settlement (statement_timeout)', () => {
  it('rolls the whole settlement back (no ledger entry, no points), and the retry applies it once', async () => {
    const prefix = `pgtimeout-${randomUUID().slice(0, 6)}`;
    const { T, settle } = await tournament(prefix);
    const impatient = createPrisma(database.url, { statementTimeoutMs: 1000 });
    const holder = new pg.Client({ connectionString: database.url });
    await holder.connect();
    try {
      await settleGame(`${prefix}-G1`, await settle('G1', [2, 1], G1));
      await settleGame(`${prefix}-G2`, await settle('G2', [0, 0], G2));
      const g3 = `${prefix}-G3`;
      const hash = await settle('G3', [1, 0], { u1: [1, 0], u4: [2, 1] });

      // u4's prediction is locked by another transaction: the settlement's scoring waits, and is cancelled.
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM predictions WHERE game_id = $1 AND user_id = $2 FOR UPDATE', [
        g3,
        `${prefix}-u4`,
      ]);
      const failure = await settleGame(g3, hash, impatient).then(
        () => null,
        (err: unknown) => err,
      );
      expect(failure).not.toBeNull();
      expect(isDatabaseUnavailable(failure)).toBe(true); // 57014: retried by the activity's policy, not a bad request
      expect(await prisma.settlementLedger.count({ where: { gameId: g3 } })).toBe(0);
      expect(await prisma.prediction.findMany({ where: { gameId: g3 }, select: { points: true } })).toEqual([
        { points: null },
        { points: null },
      ]);
      expect((await prisma.tournament.findUniqueOrThrow({ where: { id: T } })).scoreboardVersion).toBe(2n);

      await holder.query('ROLLBACK');
      expect(await settleGame(g3, hash, impatient)).toMatchObject({
        outcome: 'applied',
        version: 3,
        predictionsSettled: 2,
      });
      expect(await settleGame(g3, hash, impatient)).toMatchObject({ outcome: 'already', status: 'applied' });
      expect(await prisma.settlementLedger.count({ where: { gameId: g3 } })).toBe(1);
      const totals = await prisma.userTournamentTotal.findMany({
        where: { tournamentId: T },
        orderBy: { userId: 'asc' },
        select: { userId: true, points: true, exactCount: true },
      });
      expect(totals).toEqual([
        { userId: `${prefix}-u1`, points: 6, exactCount: 2 },
        { userId: `${prefix}-u2`, points: 4, exactCount: 1 },
        { userId: `${prefix}-u3`, points: 1, exactCount: 0 },
        { userId: `${prefix}-u4`, points: 1, exactCount: 0 },
      ]);
    } finally {
      await holder.end();
      await impatient.$disconnect();
    }
  });
});
