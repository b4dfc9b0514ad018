// The recalculation activity against real PostgreSQL: idempotent, and version-guarded so concurrent
// recalculations of one game never leave an older result on top of a newer one.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig, waitFor } from '../../test/harness.ts';
import { createPrisma, type PrismaClient } from '../db/client.ts';
import { loadTimeline } from '../services/minutes/timeline-store.ts';
import { calculateMinutes } from '../domain/minutes/timeline.ts';
import { createMinutesActivities } from './minutes.ts';

let prisma: PrismaClient;
let activities: ReturnType<typeof createMinutesActivities>;

beforeAll(() => {
  prisma = createPrisma(testConfig().DATABASE_URL, { poolSize: 20 });
  activities = createMinutesActivities({ prisma });
});

afterAll(async () => {
  await prisma?.$disconnect();
});

/** A game with 11 starters and 11 substitutes. */
async function bigGame() {
  const gameId = randomUUID();
  const starters = Array.from({ length: 11 }, () => randomUUID());
  const bench = Array.from({ length: 11 }, () => randomUUID());
  await prisma.player.createMany({ data: [...starters, ...bench].map((id) => ({ id, name: id })) });
  await prisma.game.create({
    data: {
      id: gameId,
      homeTeam: 'H',
      awayTeam: 'A',
      kickoffAt: new Date(),
      season: '2026',
      lineup: {
        createMany: {
          data: [
            ...starters.map((playerId) => ({ playerId, starter: true })),
            ...bench.map((playerId) => ({ playerId, starter: false })),
          ],
        },
      },
    },
  });
  return { gameId, starters, bench };
}

/** What an API write does: change events and bump the version in one transaction. */
async function substitute(gameId: string, minute: number, playerOutId: string, playerInId: string) {
  await prisma.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT 1 FROM games WHERE id = ${gameId} FOR UPDATE`;
    await tx.substitution.create({ data: { id: randomUUID(), gameId, minute, playerOutId, playerInId } });
    await tx.game.update({ where: { id: gameId }, data: { eventsVersion: { increment: 1 } } });
  });
}

async function expectReportMatchesCurrentEvents(gameId: string) {
  const timeline = (await prisma.$transaction((tx) => loadTimeline(tx, gameId, 'FOR SHARE')))!;
  const expected = calculateMinutes(timeline);
  if (!expected.ok) throw new Error(expected.error);
  const report = await prisma.gameReport.findUniqueOrThrow({ where: { gameId } });
  expect(report).toMatchObject({
    checkedVersion: timeline.eventsVersion,
    calculatedVersion: timeline.eventsVersion,
    error: null,
  });
  const rows = await prisma.playerMinutes.findMany({ where: { gameId } });
  expect(Object.fromEntries(rows.map((r) => [r.playerId, r.minutesPlayed]))).toEqual(
    Object.fromEntries(expected.players.map((p) => [p.playerId, p.minutesPlayed])),
  );
  expect(new Set(rows.map((r) => r.calculatedVersion))).toEqual(new Set([timeline.eventsVersion]));
}

describe('recalculateGameMinutes', () => {
  it('is idempotent: a repeat at the same version writes nothing', async () => {
    const { gameId, starters, bench } = await bigGame();
    await substitute(gameId, 60, starters[0]!, bench[0]!);
    expect(await activities.recalculateGameMinutes({ gameId })).toEqual({
      gameId,
      eventsVersion: 1,
      outcome: 'calculated',
    });
    const before = await prisma.gameReport.findUniqueOrThrow({ where: { gameId } });
    expect(await activities.recalculateGameMinutes({ gameId })).toEqual({
      gameId,
      eventsVersion: 1,
      outcome: 'superseded',
    });
    expect(await prisma.gameReport.findUniqueOrThrow({ where: { gameId } })).toEqual(before);
    await expectReportMatchesCurrentEvents(gameId);
  });

  it('never lets an older version overwrite a newer one', async () => {
    const { gameId, starters, bench } = await bigGame();
    await substitute(gameId, 10, starters[0]!, bench[0]!);
    await activities.recalculateGameMinutes({ gameId });
    // Pretend a newer recalculation (version 5) already landed: this older view must not overwrite it.
    await prisma.gameReport.update({ where: { gameId }, data: { checkedVersion: 5, calculatedVersion: 5 } });
    expect((await activities.recalculateGameMinutes({ gameId })).outcome).toBe('superseded');
    expect(await prisma.gameReport.findUniqueOrThrow({ where: { gameId } })).toMatchObject({
      checkedVersion: 5,
      calculatedVersion: 5,
    });
  });

  it('reads the events of the version it reports when it had to wait for a writer', async () => {
    const { gameId, starters, bench } = await bigGame();
    await activities.recalculateGameMinutes({ gameId });
    // A writer holds the game's row lock while it adds a substitution and bumps the version...
    const writer = new pg.Client({ connectionString: testConfig().DATABASE_URL });
    await writer.connect();
    try {
      await writer.query('BEGIN');
      await writer.query('SELECT 1 FROM games WHERE id = $1 FOR UPDATE', [gameId]);
      await writer.query(
        'INSERT INTO substitutions (id, game_id, minute, player_out_id, player_in_id) VALUES ($1, $2, 30, $3, $4)',
        [randomUUID(), gameId, starters[0], bench[0]],
      );
      await writer.query('UPDATE games SET events_version = events_version + 1 WHERE id = $1', [gameId]);
      // ...so this recalculation waits for the lock; it must then see the writer's events, not older ones.
      const writerPid = (await writer.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      const recalculation = activities.recalculateGameMinutes({ gameId });
      // Commit only once PostgreSQL shows a session blocked by the writer: the race really happens.
      await waitFor(
        async () => {
          const { count } = (
            await prisma.$queryRaw<{ count: bigint }[]>`
          SELECT count(*) FROM pg_stat_activity WHERE ${writerPid}::int = ANY(pg_blocking_pids(pid))`
          )[0]!;
          return count > 0n;
        },
        10_000,
        "the recalculation to wait for the writer's lock",
      );
      await writer.query('COMMIT');
      expect(await recalculation).toEqual({ gameId, eventsVersion: 1, outcome: 'calculated' });
    } finally {
      await writer.end();
    }
    await expectReportMatchesCurrentEvents(gameId);
    const minutes = await prisma.playerMinutes.findUniqueOrThrow({
      where: { gameId_playerId: { gameId, playerId: starters[0]! } },
    });
    expect(minutes.minutesPlayed).toBe(30);
  });

  it('ends at the newest version with the right minutes under concurrent edits and recalculations', async () => {
    const { gameId, starters, bench } = await bigGame();
    const runs: Promise<unknown>[] = [];
    // Each run's failure is caught as it happens (and fails the test below), never left unhandled.
    const caught = (err: unknown) => ({ failed: err });
    for (let i = 0; i < 11; i++) {
      // Each edit races several recalculations, started before and after it commits.
      runs.push(activities.recalculateGameMinutes({ gameId }).catch(caught));
      const edit = substitute(gameId, 5 + i * 7, starters[i]!, bench[i]!);
      runs.push(
        activities.recalculateGameMinutes({ gameId }).catch(caught),
        activities.recalculateGameMinutes({ gameId }).catch(caught),
      );
      await edit;
      runs.push(activities.recalculateGameMinutes({ gameId }).catch(caught));
    }
    const results = (await Promise.all(runs)) as { eventsVersion: number; outcome: string }[];
    expect(results.filter((r) => 'failed' in r)).toEqual([]);
    expect(results.filter((r) => r.outcome === 'calculated').length).toBeGreaterThan(0);
    await expectReportMatchesCurrentEvents(gameId);
    expect((await prisma.game.findUniqueOrThrow({ where: { id: gameId } })).eventsVersion).toBe(11);
  });
});
