// Settlement against real PostgreSQL and Redis, with every board worked out by hand. Its own database:
// boards count whole tables.
//
// Tournament T, users A, B, D (upper case) and a, b, c (lower case; byte order puts upper case first).
//   G1 result 2-1: A 2-1 exact 3; a 2-1 exact 3; B 3-0 outcome 1; D 1-0 outcome 1; b 1-1 0; c 0-2 0.
//   G2 result 0-0: A 1-1 outcome 1; b 0-0 exact 3; c 2-0 0.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase, testConfig } from '../../../test/harness.ts';
import { createPrisma, type PrismaClient } from '../../db/client.ts';
import { resultHash } from '../../domain/results.ts';
import { pointsFor } from '../../domain/settlement/scoring.ts';
import { createRedis, type Redis } from '../../redis.ts';
import { boardVersionKey, leagueBoardKey, tournamentBoardKey } from './scoreboards/keys.ts';
import { createPostgresBoardReads } from './scoreboards/postgres-reads.ts';
import { createScoreboardProjection } from './scoreboards/projection.ts';
import { createRedisBoardReads } from './scoreboards/redis-reads.ts';
import { applySettlement } from './settle.ts';

let prisma: PrismaClient;
let redis: Redis;
let database: Awaited<ReturnType<typeof createScratchDatabase>>;
let boards: ReturnType<typeof createScoreboardProjection>;
let fromRedis: ReturnType<typeof createRedisBoardReads>;
let pg: ReturnType<typeof createPostgresBoardReads>;
const T = 'tournament-t';
const users = ['A', 'B', 'D', 'a', 'b', 'c'];

beforeAll(async () => {
  database = await createScratchDatabase();
  prisma = createPrisma(database.url);
  const config = testConfig();
  redis = createRedis(config.REDIS_URL, `${config.REDIS_KEY_PREFIX}settle:${randomUUID()}:`);
  await new Promise((resolve) => redis.once('ready', resolve));
  boards = createScoreboardProjection({ prisma, redis });
  fromRedis = createRedisBoardReads(redis);
  pg = createPostgresBoardReads(prisma);
  await prisma.tournament.create({ data: { id: T, name: 'T' } });
  await prisma.user.createMany({ data: users.map((id) => ({ id, name: id })) });
  await prisma.league.create({ data: { id: 'league-lower', name: 'lower case', tournamentId: T } });
  await prisma.leagueMember.createMany({
    data: ['a', 'b', 'c', 'A'].map((userId) => ({ leagueId: 'league-lower', userId, version: 0 })),
  });
});

afterAll(async () => {
  redis?.disconnect();
  await prisma?.$disconnect();
  await database?.drop();
});

async function game(id: string, predictions: Record<string, [number, number]>) {
  await prisma.game.create({
    data: {
      id,
      homeTeam: 'H',
      awayTeam: 'A',
      kickoffAt: new Date('2026-06-01T18:00:00Z'),
      season: '2026',
      tournamentId: T,
    },
  });
  await prisma.prediction.createMany({
    data: Object.entries(predictions).map(([userId, [homeGoals, awayGoals]]) => ({
      gameId: id,
      userId,
      homeGoals,
      awayGoals,
    })),
  });
}

/** Records the game's next result (as the result service does) and returns its hash. */
async function result(gameId: string, homeGoals: number, awayGoals: number): Promise<string> {
  const ordinal = (await prisma.gameResult.count({ where: { gameId } })) + 1;
  const hash = resultHash(gameId, homeGoals, awayGoals, ordinal);
  await prisma.game.update({ where: { id: gameId }, data: { status: 'ended', homeGoals, awayGoals } });
  await prisma.gameResult.create({ data: { gameId, homeGoals, awayGoals, resultHash: hash, requestId: randomUUID() } });
  return hash;
}

const settle = (gameId: string, hash: string) =>
  applySettlement(prisma, { gameId, resultHash: hash, workflowId: `settle:${gameId}:${hash}` });
const rows = (page: { entries: { rank: number; userId: string; points: number; exactCount: number }[] }) =>
  page.entries.map((e) => `${e.rank} ${e.userId} ${e.points}/${e.exactCount}`);

/** The Redis projection, caught up, shows exactly what PostgreSQL shows: every page, rank and league. */
async function expectProjectionEqualsPostgres() {
  await boards.project(T);
  const fromPg = await pg.page(T, null, 500, 0);
  expect((await fromRedis.page(T, null, 500, 0)).value).toEqual(fromPg);
  for (const [limit, offset] of [
    [2, 0],
    [2, 1],
    [3, 3],
    [5, 5],
  ] as const) {
    expect((await fromRedis.page(T, null, limit, offset)).value).toEqual(await pg.page(T, null, limit, offset));
  }
  for (const userId of users) expect((await fromRedis.rank(T, userId)).value).toEqual(await pg.rank(T, userId));
  expect((await fromRedis.page(T, 'league-lower', 500, 0)).value).toEqual(await pg.page(T, 'league-lower', 500, 0));
  return fromPg;
}

describe('settlement', () => {
  it('scores every prediction of the game in one go, and ranks 1, 1, 3, 3, 5, 5 with ties in byte order', async () => {
    const predictions = { A: [2, 1], a: [2, 1], B: [3, 0], D: [1, 0], b: [1, 1], c: [0, 2] } satisfies Record<
      string,
      [number, number]
    >;
    await game('G1', predictions);
    const hash = await result('G1', 2, 1);
    expect(await settle('G1', hash)).toEqual({
      outcome: 'applied',
      tournamentId: T,
      version: 1,
      predictionsSettled: 6,
    });

    // The statement's CASE and the domain rule agree, prediction by prediction.
    const stored = await prisma.prediction.findMany({ where: { gameId: 'G1' } });
    for (const p of stored)
      expect({ points: p.points, exact: p.exact }, p.userId).toEqual(pointsFor(p, { homeGoals: 2, awayGoals: 1 }));

    const board = await expectProjectionEqualsPostgres();
    expect(board.total).toBe(6);
    expect(rows(board)).toEqual(['1 A 3/1', '1 a 3/1', '3 B 1/0', '3 D 1/0', '5 b 0/0', '5 c 0/0']);
    expect(await pg.rank(T, 'D')).toEqual({ rank: 3, points: 1, exactCount: 0, total: 6 });
    // The league board ranks within the league: A, a, b, c.
    expect(rows(await pg.page(T, 'league-lower', 50, 0))).toEqual(['1 A 3/1', '1 a 3/1', '3 b 0/0', '3 c 0/0']);
  });

  it('adds a second game to the totals: 1, 2, 2, 4', async () => {
    await game('G2', { A: [1, 1], b: [0, 0], c: [2, 0] });
    expect(await settle('G2', await result('G2', 0, 0))).toMatchObject({ outcome: 'applied', predictionsSettled: 3 });
    const board = await expectProjectionEqualsPostgres();
    expect(rows(board)).toEqual(['1 A 4/1', '2 a 3/1', '2 b 3/1', '4 B 1/0', '4 D 1/0', '6 c 0/0']);
    expect(rows(await pg.page(T, null, 2, 1))).toEqual(['2 a 3/1', '2 b 3/1']);
    expect(rows(await pg.page(T, null, 2, 4))).toEqual(['4 D 1/0', '6 c 0/0']);
  });

  it('applies a result once however often and however concurrently it is settled', async () => {
    const hash = (await prisma.gameResult.findFirstOrThrow({ where: { gameId: 'G2' } })).resultHash;
    const before = await pg.page(T, null, 500, 0);
    const outcomes = await Promise.all(Array.from({ length: 6 }, () => settle('G2', hash)));
    expect(outcomes.map((o) => o.outcome)).toEqual(Array(6).fill('already'));
    expect(await prisma.settlementLedger.count({ where: { gameId: 'G2' } })).toBe(1);
    expect(await pg.page(T, null, 500, 0)).toEqual(before);

    // A new game settled by six concurrent attempts: exactly one applies it.
    await game('G3', { B: [0, 1] });
    const g3 = await result('G3', 0, 1);
    const first = await Promise.all(Array.from({ length: 6 }, () => settle('G3', g3)));
    expect(first.map((o) => o.outcome).sort()).toEqual([
      'already',
      'already',
      'already',
      'already',
      'already',
      'applied',
    ]);
    expect((await pg.rank(T, 'B'))!.points).toBe(4); // 1 from G1, 3 exact from G3, once
    await expectProjectionEqualsPostgres();
  });

  it('reverses a corrected result: every user ends where settling only the new one puts them', async () => {
    // G1 corrected from 2-1 to 0-2: A, a, B, D lose what G1 gave; c's 0-2 is now exact.
    const correction = await result('G1', 0, 2);
    expect(await settle('G1', correction)).toMatchObject({ outcome: 'applied', predictionsSettled: 6 });
    // By hand, G1 0-2 + G2 0-0 + G3 0-1: A 0+1 = 1; a 0; B 0+0+3 = 3 (1 exact); D 0; b 0+3 = 3 (1); c 3+0 = 3 (1).
    const board = await expectProjectionEqualsPostgres();
    expect(rows(board)).toEqual(['1 B 3/1', '1 b 3/1', '1 c 3/1', '4 A 1/0', '5 D 0/0', '5 a 0/0']);
    expect(
      await prisma.userTournamentTotal.findUniqueOrThrow({
        where: { tournamentId_userId: { tournamentId: T, userId: 'c' } },
      }),
    ).toMatchObject({ settledPredictions: 2 });
  });

  it('skips an older result that arrives after its correction, and settles A -> B -> A each once', async () => {
    await game('G4', { a: [1, 0], b: [0, 1] });
    const first = await result('G4', 1, 0);
    const second = await result('G4', 0, 1);
    // The correction is settled first; the older result, late, must not undo it.
    expect(await settle('G4', second)).toMatchObject({ outcome: 'applied' });
    expect(await settle('G4', first)).toEqual({ outcome: 'skipped', tournamentId: T });
    expect(
      (await prisma.settlementLedger.findMany({ where: { gameId: 'G4' }, orderBy: { id: 'asc' } })).map(
        (l) => l.status,
      ),
    ).toEqual(['applied', 'skipped']);
    expect((await pg.rank(T, 'b'))!.points).toBe(6);
    expect((await pg.rank(T, 'a'))!.points).toBe(0);

    // Back to 1-0: a new result (its own hash), applied once.
    const third = await result('G4', 1, 0);
    expect(third).not.toBe(first);
    expect(await settle('G4', third)).toMatchObject({ outcome: 'applied' });
    expect(await settle('G4', third)).toMatchObject({ outcome: 'already' });
    expect((await pg.rank(T, 'a'))!.points).toBe(3);
    expect((await pg.rank(T, 'b'))!.points).toBe(3);
    await expectProjectionEqualsPostgres();
  });

  it('refuses a result the game does not have', async () => {
    expect(await settle('G1', 'no-such-hash')).toEqual({
      outcome: 'unknown',
      reason: 'game G1 has no result no-such-hash',
    });
    expect(await settle('no-such-game', 'x')).toEqual({
      outcome: 'unknown',
      reason: 'game no-such-game does not exist',
    });
  });
});

describe('scoreboard projection', () => {
  it('rebuilds from PostgreSQL into new keys and swaps them in, never over a newer version', async () => {
    await redis.del(tournamentBoardKey(T), boardVersionKey(T));
    await redis.zadd(leagueBoardKey('league-lower'), -999, 'ghost'); // a wrong entry a rebuild must drop
    const rebuilt = await boards.rebuild(T);
    expect(rebuilt).toMatchObject({ swapped: true, users: 6, leagues: 1 });
    expect(await redis.get(boardVersionKey(T))).toBe(String(rebuilt.version));
    expect(await redis.ttl(tournamentBoardKey(T))).toBe(-1); // no expiry carried over from the new keys
    await expectProjectionEqualsPostgres();
    expect(await redis.zscore(leagueBoardKey('league-lower'), 'ghost')).toBeNull();

    // Redis already reflects a newer version: the rebuild's keys are dropped, the boards kept.
    await redis.set(boardVersionKey(T), rebuilt.version + 10);
    const stale = await boards.rebuild(T);
    expect(stale.swapped).toBe(false);
    expect(await redis.get(boardVersionKey(T))).toBe(String(rebuilt.version + 10));
    expect((await redis.keys('*:rebuild:*')).filter((k) => k.includes(T))).toEqual([]);
    await redis.set(boardVersionKey(T), rebuilt.version);
  });

  it('catches up only what changed since the version Redis reflects, and records the new one', async () => {
    const before = Number(await redis.get(boardVersionKey(T)));
    await game('G5', { D: [2, 2] });
    const settled = await settle('G5', await result('G5', 2, 2));
    expect(settled).toMatchObject({ outcome: 'applied', version: before + 1 });
    const caughtUp = await boards.project(T);
    expect(caughtUp).toEqual({ from: before, version: before + 1, users: 1, rebuilt: false }); // only D changed
    expect(await boards.project(T)).toMatchObject({ users: 0 }); // nothing new
    await expectProjectionEqualsPostgres();
  });

  it('puts a member who joined since on the league board, though their totals did not change', async () => {
    // B has totals (from G1) and joins league-lower the way the league service adds members: the
    // tournament's version moves on and the membership carries it.
    const before = Number(await redis.get(boardVersionKey(T)));
    const [bumped] = await prisma.$queryRaw<{ scoreboard_version: bigint }[]>`
      UPDATE tournaments SET scoreboard_version = scoreboard_version + 1 WHERE id = ${T} RETURNING scoreboard_version`;
    await prisma.leagueMember.create({
      data: { leagueId: 'league-lower', userId: 'B', version: bumped!.scoreboard_version },
    });
    expect(await redis.zscore(leagueBoardKey('league-lower'), 'B')).toBeNull();
    expect(await boards.project(T)).toEqual({ from: before, version: before + 1, users: 0, rebuilt: false }); // no totals changed
    expect(await redis.zscore(leagueBoardKey('league-lower'), 'B')).not.toBeNull();
    await expectProjectionEqualsPostgres();
  });
});
