// Each aggregation against a small league whose numbers are worked out by hand below. Its own
// database: aggregations read every game there is.
//
// Players A, B, C, D. Minutes as the recalculation would store them (duration 90).
//   2025  G0 08-03  A(st) 90, yellow                                         0-0
//         G1 08-10  A(st) 90, B(st) 60, C(sub) 30, D(sub) 0                  2-1
//                   B off / C on at 60; A goal 10' (assist B); C goal 70' (assist A);
//                   B own goal 80'; A yellow 20'; B yellow 30'
//         G2 08-17  A(st) 50, B(st) 70, C(sub) 0                             0-0
//                   A red 50'; B yellow 10', B second-yellow 70'
//   2026  G3 03-01 15:00  A(st) 45, C(st) 90, B(sub) 0, D(sub) 45             3-0
//                   A off / D on at 45; C 5' (assist A), C 30', D 80' (assist C)
//         G4 03-01 19:00  A(st) 90, B(st) 90, C(sub) 0   (same date as G3: same matchday)
//         G5 03-08  A, B, C, D all start, 90 each                           1-1
//                   A goal 60' (assist D); C own goal 70'
//         G6 03-15  scheduled (not ended): A scores twice, which must count nowhere.
// Matchdays: 2025 G0=1, G1=2, G2=3 (first half: 1-2); 2026 G3,G4=1, G5=2 (first half: 1).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createScratchDatabase, testConfig } from '../../../test/harness.ts';
import { TaggedCache } from '../../cache/tagged-cache.ts';
import { createRedis } from '../../redis.ts';
import { createPrisma, type PrismaClient } from '../../db/client.ts';
import { aggregationNames } from '../../contracts/stats.ts';
import { runAggregation } from './aggregations.ts';
import { createStatsReads } from './reads.ts';

let prisma: PrismaClient;
let database: Awaited<ReturnType<typeof createScratchDatabase>>;
const [A, B, C, D] = ['player-a', 'player-b', 'player-c', 'player-d'];

/** A game with its lineup (player, starter, minutes) and events. */
async function game(
  id: string,
  kickoffAt: string,
  status: 'ended' | 'scheduled',
  score: [number, number] | null,
  lineup: [string, boolean, number][],
) {
  await prisma.game.create({
    data: {
      id,
      homeTeam: `${id}-home`,
      awayTeam: `${id}-away`,
      kickoffAt: new Date(kickoffAt),
      season: kickoffAt.slice(0, 4),
      status,
      homeGoals: score?.[0] ?? null,
      awayGoals: score?.[1] ?? null,
      lineup: { createMany: { data: lineup.map(([playerId, starter]) => ({ playerId, starter })) } },
      minutes: {
        createMany: {
          data: lineup.map(([playerId, , minutesPlayed]) => ({
            playerId,
            minutesPlayed,
            minutesCalculationMethod: 'calculated',
            calculatedVersion: 0,
          })),
        },
      },
    },
  });
}
const goal = (gameId: string, minute: number, scorerId: string, assistId: string | null, ownGoal = false) =>
  prisma.goal.create({ data: { id: `${gameId}-goal-${minute}`, gameId, minute, scorerId, assistId, ownGoal } });
const card = (gameId: string, minute: number, playerId: string, cardType: 'yellow' | 'second_yellow' | 'red') =>
  prisma.disciplinaryAction.create({ data: { id: `${gameId}-card-${minute}`, gameId, minute, playerId, cardType } });
const sub = (gameId: string, minute: number, playerOutId: string, playerInId: string) =>
  prisma.substitution.create({ data: { id: `${gameId}-sub-${minute}`, gameId, minute, playerOutId, playerInId } });

beforeAll(async () => {
  database = await createScratchDatabase();
  prisma = createPrisma(database.url);
  await prisma.player.createMany({ data: [A, B, C, D].map((id) => ({ id, name: id })) });
  await game('G0', '2025-08-03T15:00:00Z', 'ended', [0, 0], [[A, true, 90]]);
  await card('G0', 15, A, 'yellow');
  await game(
    'G1',
    '2025-08-10T15:00:00Z',
    'ended',
    [2, 1],
    [
      [A, true, 90],
      [B, true, 60],
      [C, false, 30],
      [D, false, 0],
    ],
  );
  await sub('G1', 60, B, C);
  await goal('G1', 10, A, B);
  await goal('G1', 70, C, A);
  await goal('G1', 80, B, null, true);
  await card('G1', 20, A, 'yellow');
  await card('G1', 30, B, 'yellow');
  await game(
    'G2',
    '2025-08-17T15:00:00Z',
    'ended',
    [0, 0],
    [
      [A, true, 50],
      [B, true, 70],
      [C, false, 0],
    ],
  );
  await card('G2', 50, A, 'red');
  await card('G2', 10, B, 'yellow');
  await card('G2', 70, B, 'second_yellow');
  await game(
    'G3',
    '2026-03-01T15:00:00Z',
    'ended',
    [3, 0],
    [
      [A, true, 45],
      [C, true, 90],
      [B, false, 0],
      [D, false, 45],
    ],
  );
  await sub('G3', 45, A, D);
  await goal('G3', 5, C, A);
  await goal('G3', 30, C, null);
  await goal('G3', 80, D, C);
  await game(
    'G4',
    '2026-03-01T19:00:00Z',
    'ended',
    [0, 0],
    [
      [A, true, 90],
      [B, true, 90],
      [C, false, 0],
    ],
  );
  await game(
    'G5',
    '2026-03-08T15:00:00Z',
    'ended',
    [1, 1],
    [
      [A, true, 90],
      [B, true, 90],
      [C, true, 90],
      [D, true, 90],
    ],
  );
  await goal('G5', 60, A, D);
  await goal('G5', 70, C, null, true);
  await game('G6', '2026-03-15T15:00:00Z', 'scheduled', null, [[A, true, 90]]);
  await goal('G6', 10, A, null);
  await goal('G6', 20, A, null);
  for (const name of aggregationNames) await runAggregation(prisma, name, 30_000);
});

afterAll(async () => {
  await prisma?.$disconnect();
  await database?.drop();
});

const totals = (
  appearances: number,
  minutesPlayed: number,
  goals: number,
  assists: number,
  yellowCards: number,
  redCards: number,
) => ({
  appearances,
  minutesPlayed,
  goals,
  assists,
  yellowCards,
  redCards,
});

describe('stats aggregations', () => {
  it('season-stats: per season and half, counting ended games only, own goals for nobody, a second yellow as a red', async () => {
    const rows = await prisma.playerSeasonStats.findMany({
      orderBy: [{ season: 'asc' }, { part: 'asc' }, { playerId: 'asc' }],
    });
    const byKey = Object.fromEntries(
      rows.map(({ playerId, season, part, ...s }) => [`${season} ${part} ${playerId}`, s]),
    );
    expect(byKey).toEqual({
      // 2025: A G0 90 + G1 90 + G2 50; yellows G0, G1; red G2. B G1 60 + G2 70; yellows G1, G2; the
      // second yellow is the red. C G1 30 and a goal. D never came on.
      [`2025 season ${A}`]: totals(3, 230, 1, 1, 2, 1),
      [`2025 season ${B}`]: totals(2, 130, 0, 1, 2, 1),
      [`2025 season ${C}`]: totals(1, 30, 1, 0, 0, 0),
      [`2025 season ${D}`]: totals(0, 0, 0, 0, 0, 0),
      [`2025 first-half ${A}`]: totals(2, 180, 1, 1, 2, 0),
      [`2025 first-half ${B}`]: totals(1, 60, 0, 1, 1, 0),
      [`2025 first-half ${C}`]: totals(1, 30, 1, 0, 0, 0),
      [`2025 first-half ${D}`]: totals(0, 0, 0, 0, 0, 0),
      [`2025 second-half ${A}`]: totals(1, 50, 0, 0, 0, 1),
      [`2025 second-half ${B}`]: totals(1, 70, 0, 0, 1, 1),
      [`2025 second-half ${C}`]: totals(0, 0, 0, 0, 0, 0),
      // 2026: G6 is not ended, so A's two goals there count nowhere; C's own goal counts for nobody.
      [`2026 season ${A}`]: totals(3, 225, 1, 1, 0, 0),
      [`2026 season ${B}`]: totals(2, 180, 0, 0, 0, 0),
      [`2026 season ${C}`]: totals(2, 180, 2, 1, 0, 0),
      [`2026 season ${D}`]: totals(2, 135, 1, 1, 0, 0),
      [`2026 first-half ${A}`]: totals(2, 135, 0, 1, 0, 0),
      [`2026 first-half ${B}`]: totals(1, 90, 0, 0, 0, 0),
      [`2026 first-half ${C}`]: totals(1, 90, 2, 1, 0, 0),
      [`2026 first-half ${D}`]: totals(1, 45, 1, 0, 0, 0),
      [`2026 second-half ${A}`]: totals(1, 90, 1, 0, 0, 0),
      [`2026 second-half ${B}`]: totals(1, 90, 0, 0, 0, 0),
      [`2026 second-half ${C}`]: totals(1, 90, 0, 0, 0, 0),
      [`2026 second-half ${D}`]: totals(1, 90, 0, 1, 0, 0),
    });
  });

  it('all-time-stats', async () => {
    const rows = await prisma.playerAllTimeStats.findMany({ orderBy: { playerId: 'asc' } });
    expect(rows).toEqual([
      { playerId: A, seasons: 2, ...totals(6, 455, 2, 2, 2, 1) },
      { playerId: B, seasons: 2, ...totals(4, 310, 0, 1, 2, 1) },
      { playerId: C, seasons: 2, ...totals(3, 210, 3, 1, 0, 0) },
      // D's 2025 row has no appearance, so only 2026 counts as a season.
      { playerId: D, seasons: 1, ...totals(2, 135, 1, 1, 0, 0) },
    ]);
  });

  it('hall-of-fame: leaders per category, ties sharing a rank', async () => {
    const rows = await prisma.$queryRaw<{ category: string; rank: number; player_id: string; value: number }[]>`
      SELECT category, rank, player_id, value FROM hall_of_fame ORDER BY category, rank, player_id`;
    expect(rows.map((r) => `${r.category} ${r.rank} ${r.player_id} ${r.value}`)).toEqual([
      `appearances 1 ${A} 6`,
      `appearances 2 ${B} 4`,
      `appearances 3 ${C} 3`,
      `appearances 4 ${D} 2`,
      `assists 1 ${A} 2`,
      `assists 2 ${B} 1`,
      `assists 2 ${C} 1`,
      `assists 2 ${D} 1`,
      `goals 1 ${C} 3`,
      `goals 2 ${A} 2`,
      `goals 3 ${D} 1`,
      `minutes-played 1 ${A} 455`,
      `minutes-played 2 ${B} 310`,
      `minutes-played 3 ${C} 210`,
      `minutes-played 4 ${D} 135`,
    ]);
  });

  it('recent-form: the last five appearances and their mean game score', async () => {
    // Game score: 3·goals + 2·assists + minutes/30 − yellows − 3·reds.
    // A's last five: G5 (90, goal) 6; G4 (90) 3; G3 (45, assist) 3.5; G2 (50, red) 50/30 − 3; G1 (90, goal, assist, yellow) 7.
    const rows = await prisma.playerRecentForm.findMany({ orderBy: { playerId: 'asc' } });
    expect(rows).toEqual([
      {
        playerId: A,
        games: 5,
        minutesPlayed: 365,
        goals: 2,
        assists: 2,
        formScore: Number(((6 + 3 + 3.5 + (50 / 30 - 3) + 7) / 5).toFixed(3)),
        lastGameId: 'G5',
      },
      // B: G5 3; G4 3; G2 (70, yellow, red) 70/30 − 1 − 3; G1 (60, assist, yellow) 3.
      {
        playerId: B,
        games: 4,
        minutesPlayed: 310,
        goals: 0,
        assists: 1,
        formScore: Number(((3 + 3 + (70 / 30 - 4) + 3) / 4).toFixed(3)),
        lastGameId: 'G5',
      },
      // C: G5 3; G3 (90, 2 goals, assist) 11; G1 (30, goal) 4.
      { playerId: C, games: 3, minutesPlayed: 210, goals: 3, assists: 1, formScore: 6, lastGameId: 'G5' },
      // D: G5 (90, assist) 5; G3 (45, goal) 4.5.
      { playerId: D, games: 2, minutesPlayed: 135, goals: 1, assists: 1, formScore: 4.75, lastGameId: 'G5' },
    ]);
  });

  it('season-honours: leaders and single-game records, ties all listed', async () => {
    const rows = await prisma.seasonHonour.findMany({
      orderBy: [{ season: 'asc' }, { honour: 'asc' }, { playerId: 'asc' }],
    });
    expect(rows.map((r) => `${r.season} ${r.honour} ${r.playerId} ${r.gameId || '-'} ${r.value}`)).toEqual([
      `2025 most-appearances ${A} - 3`,
      `2025 most-assists-in-a-game ${A} G1 1`,
      `2025 most-assists-in-a-game ${B} G1 1`,
      `2025 most-cards ${A} - 3`,
      `2025 most-cards ${B} - 3`,
      `2025 most-goals-in-a-game ${A} G1 1`,
      `2025 most-goals-in-a-game ${C} G1 1`,
      `2025 most-minutes ${A} - 230`,
      `2025 top-assister ${A} - 1`,
      `2025 top-assister ${B} - 1`,
      `2025 top-scorer ${A} - 1`,
      `2025 top-scorer ${C} - 1`,
      `2026 most-appearances ${A} - 3`,
      `2026 most-assists-in-a-game ${A} G3 1`,
      `2026 most-assists-in-a-game ${C} G3 1`,
      `2026 most-assists-in-a-game ${D} G5 1`,
      `2026 most-goals-in-a-game ${C} G3 2`,
      `2026 most-minutes ${A} - 225`,
      `2026 top-assister ${A} - 1`,
      `2026 top-assister ${C} - 1`,
      `2026 top-assister ${D} - 1`,
      `2026 top-scorer ${C} - 2`,
    ]);
  });

  it('match-reports: the whole report of an ended game, none for a scheduled one', async () => {
    const reports = await prisma.matchReport.findMany({ orderBy: { gameId: 'asc' } });
    expect(reports.map((r) => r.gameId)).toEqual(['G0', 'G1', 'G2', 'G3', 'G4', 'G5']);
    expect(reports[1]!.report).toEqual({
      gameId: 'G1',
      season: '2025',
      kickoffAt: '2025-08-10T15:00:00.000Z',
      homeTeam: 'G1-home',
      awayTeam: 'G1-away',
      homeGoals: 2,
      awayGoals: 1,
      goals: [
        { minute: 10, scorerId: A, assistId: B, ownGoal: false },
        { minute: 70, scorerId: C, assistId: A, ownGoal: false },
        { minute: 80, scorerId: B, assistId: null, ownGoal: true },
      ],
      cards: [
        { minute: 20, playerId: A, cardType: 'yellow' },
        { minute: 30, playerId: B, cardType: 'yellow' },
      ],
      substitutions: [{ minute: 60, playerOutId: B, playerInId: C }],
      players: [
        { playerId: A, starter: true, minutesPlayed: 90, goals: 1, assists: 1, yellowCards: 1, redCards: 0 },
        { playerId: B, starter: true, minutesPlayed: 60, goals: 0, assists: 1, yellowCards: 1, redCards: 0 },
        { playerId: C, starter: false, minutesPlayed: 30, goals: 1, assists: 0, yellowCards: 0, redCards: 0 },
        { playerId: D, starter: false, minutesPlayed: 0, goals: 0, assists: 0, yellowCards: 0, redCards: 0 },
      ],
    });
  });

  it('personal-bests: the best game per record, the earliest when tied', async () => {
    const rows = await prisma.playerPersonalBest.findMany({ orderBy: [{ playerId: 'asc' }, { record: 'asc' }] });
    expect(rows.map((r) => `${r.playerId} ${r.record} ${r.value} ${r.gameId}`)).toEqual([
      `${A} assists-in-a-game 1 G1`,
      `${A} goal-contributions-in-a-game 2 G1`,
      `${A} goals-in-a-game 1 G1`,
      `${B} assists-in-a-game 1 G1`,
      `${B} goal-contributions-in-a-game 1 G1`,
      `${C} assists-in-a-game 1 G3`,
      `${C} goal-contributions-in-a-game 3 G3`,
      `${C} goals-in-a-game 2 G3`,
      `${D} assists-in-a-game 1 G5`,
      `${D} goal-contributions-in-a-game 1 G3`,
      `${D} goals-in-a-game 1 G3`,
    ]);
  });

  it('player-profiles', async () => {
    const rows = await prisma.playerProfile.findMany({ orderBy: { playerId: 'asc' } });
    expect(rows).toEqual([
      // 455 minutes, 2 goals: 2·90/455 per 90; 455/2 = 227.5 rounds to 228.
      {
        playerId: A,
        debutGameId: 'G0',
        lastGameId: 'G5',
        appearances: 6,
        starts: 6,
        minutesPlayed: 455,
        goals: 2,
        assists: 2,
        goalsPer90: 0.396,
        minutesPerGoal: 228,
      },
      {
        playerId: B,
        debutGameId: 'G1',
        lastGameId: 'G5',
        appearances: 4,
        starts: 4,
        minutesPlayed: 310,
        goals: 0,
        assists: 1,
        goalsPer90: 0,
        minutesPerGoal: null,
      },
      // C came on in G1 (not a start) and started G3 and G5.
      {
        playerId: C,
        debutGameId: 'G1',
        lastGameId: 'G5',
        appearances: 3,
        starts: 2,
        minutesPlayed: 210,
        goals: 3,
        assists: 1,
        goalsPer90: 1.286,
        minutesPerGoal: 70,
      },
      {
        playerId: D,
        debutGameId: 'G3',
        lastGameId: 'G5',
        appearances: 2,
        starts: 1,
        minutesPlayed: 135,
        goals: 1,
        assists: 1,
        goalsPer90: 0.667,
        minutesPerGoal: 135,
      },
    ]);
  });

  it("season-race: each scorer's running total on the matchdays they scored", async () => {
    const rows = await prisma.$queryRaw<
      { season: string; matchday: number; player_id: string; goals: number; cumulative_goals: number }[]
    >`
      SELECT season, matchday, player_id, goals, cumulative_goals FROM season_race ORDER BY season, player_id, matchday`;
    expect(rows.map((r) => `${r.season} md${r.matchday} ${r.player_id} ${r.goals} ${r.cumulative_goals}`)).toEqual([
      `2025 md2 ${A} 1 1`,
      `2025 md2 ${C} 1 1`,
      `2026 md2 ${A} 1 1`,
      `2026 md1 ${C} 2 2`,
      `2026 md1 ${D} 1 1`,
    ]);
  });

  it('season-race read: the running total over every matchday, carried over days without a goal', async () => {
    const config = testConfig();
    const redis = createRedis(config.REDIS_URL, `${config.REDIS_KEY_PREFIX}race:${randomUUID()}:`);
    redis.on('error', () => {});
    try {
      const reads = createStatsReads({ prisma, cache: new TaggedCache(redis) });
      // 2025 has three matchdays; A and C scored once each, on matchday 2 (tied: by player ID).
      expect(await reads.seasonRace('2025', 10)).toEqual({
        season: '2025',
        matchdays: 3,
        players: [
          { playerId: A, name: A, totalGoals: 1, cumulativeGoals: [0, 1, 1] },
          { playerId: C, name: C, totalGoals: 1, cumulativeGoals: [0, 1, 1] },
        ],
      });
      // 2026: C 2 on matchday 1; A 1 on matchday 2; D 1 on matchday 1. Top two only.
      expect((await reads.seasonRace('2026', 2)).players.map((p) => [p.playerId, p.cumulativeGoals])).toEqual([
        [C, [2, 2]],
        [A, [0, 1]],
      ]);
    } finally {
      redis.disconnect();
    }
  });

  it('power-ratings: game scores weighted 0.8^k, k = 0 for the latest appearance', async () => {
    const decayed = (scores: number[]) =>
      Number(
        (
          scores.reduce((sum, s, k) => sum + s * 0.8 ** k, 0) / scores.reduce((sum, _s, k) => sum + 0.8 ** k, 0)
        ).toFixed(3),
      );
    const rows = await prisma.playerPowerRating.findMany({ orderBy: { playerId: 'asc' } });
    expect(rows).toEqual([
      // A, newest first: G5 6, G4 3, G3 3.5, G2 50/30 − 3, G1 7, G0 (90, yellow) 2.
      { playerId: A, rating: decayed([6, 3, 3.5, 50 / 30 - 3, 7, 2]), games: 6, lastGameId: 'G5' },
      { playerId: B, rating: decayed([3, 3, 70 / 30 - 4, 3]), games: 4, lastGameId: 'G5' },
      { playerId: C, rating: decayed([3, 11, 4]), games: 3, lastGameId: 'G5' },
      { playerId: D, rating: decayed([5, 4.5]), games: 2, lastGameId: 'G5' },
    ]);
    expect(rows.map((r) => r.rating)).toEqual([3.654, 1.988, 5.885, 4.778]);
  });

  it('is idempotent: a second run writes nothing to the tables and keeps the view', async () => {
    for (const name of aggregationNames) {
      const rows = await runAggregation(prisma, name, 30_000);
      if (name === 'hall-of-fame')
        expect(rows, name).toBe(15); // a view reports the rows it holds
      else expect(rows, name).toBe(0);
    }
  });

  it('removes what the source no longer has (a game no longer ended)', async () => {
    await prisma.game.update({ where: { id: 'G2' }, data: { status: 'cancelled' } });
    try {
      // 2025 now has two matchdays; every 2025 row of the three players changes or goes.
      expect(await runAggregation(prisma, 'season-stats', 30_000)).toBeGreaterThan(0);
      const parts = await prisma.playerSeasonStats.findMany({
        where: { season: '2025', playerId: A },
        orderBy: { part: 'asc' },
      });
      expect(parts.map((p) => [p.part, p.minutesPlayed])).toEqual([
        ['first-half', 90],
        ['season', 180],
        ['second-half', 90],
      ]);
      expect(await runAggregation(prisma, 'match-reports', 30_000)).toBe(1); // G2's report deleted
    } finally {
      await prisma.game.update({ where: { id: 'G2' }, data: { status: 'ended' } });
      await runAggregation(prisma, 'season-stats', 30_000);
      await runAggregation(prisma, 'match-reports', 30_000);
    }
  });
});
