// A refresh scoped to games (what a post-match run does) leaves every stats table exactly as a full
// refresh would, on a generated league (bench/league.ts: 4 seasons of 60 games, careers of 2 seasons),
// after a new game on a new matchday, a correction to an old game and a game taken out of the ended
// ones; and it touches nothing outside what its games touch. Its own database.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateLeague } from '../../../bench/league.ts';
import { createScratchDatabase } from '../../../test/harness.ts';
import { aggregationNames } from '../../contracts/stats.ts';
import { createPrisma, type PrismaClient } from '../../db/client.ts';
import { runAggregation } from './aggregations.ts';

let prisma: PrismaClient;
let db: pg.Client;
let database: Awaited<ReturnType<typeof createScratchDatabase>>;

/** Every table (and the view) the ten aggregations write. */
const outputs = [
  'player_season_stats',
  'player_all_time_stats',
  'hall_of_fame_totals',
  'hall_of_fame',
  'player_recent_form',
  'season_honours',
  'match_reports',
  'player_personal_bests',
  'player_profiles',
  'season_race',
  'player_power_ratings',
];

/** Each output's rows as text, sorted: two snapshots are equal when every table holds the same rows. */
async function snapshot(): Promise<Record<string, string[]>> {
  const tables: Record<string, string[]> = {};
  for (const table of outputs)
    tables[table] = (await db.query<{ row: string }>(`SELECT t::text AS row FROM ${table} t ORDER BY 1`)).rows.map(
      (r) => r.row,
    );
  return tables;
}

/** Runs all ten for `games` (every game when absent); answers each one's rows written. */
async function refresh(games?: string[]): Promise<Record<string, number>> {
  const written: Record<string, number> = {};
  for (const name of aggregationNames) written[name] = await runAggregation(prisma, name, 60_000, games);
  return written;
}

const one = async <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) =>
  (await db.query<T>(sql, params)).rows[0]!;

beforeAll(async () => {
  database = await createScratchDatabase();
  prisma = createPrisma(database.url);
  db = new pg.Client({ connectionString: database.url });
  await db.connect();
  await generateLeague(database.url, { seasons: 4, games: 240, careerSeasons: 2 });
  await refresh();
}, 120_000);

afterAll(async () => {
  await db?.end();
  await prisma?.$disconnect();
  await database?.drop();
});

describe('a refresh scoped to games', () => {
  it('equals a full refresh after a new game, a correction and a game no longer ended', async () => {
    // X: a new ended game a week after the last matchday of 2022 (a new matchday: every 2022 half moves),
    // the lineup of that season's last game, two goals (one assisted), an own goal, a yellow and a red.
    const last = await one<{ id: string; kickoff_at: Date }>(
      `SELECT id, kickoff_at FROM games WHERE season = '2022' ORDER BY kickoff_at DESC, id DESC LIMIT 1`,
    );
    const lineup = (
      await db.query<{ player_id: string }>(
        'SELECT player_id FROM game_lineups WHERE game_id = $1 ORDER BY player_id',
        [last.id],
      )
    ).rows.map((r) => r.player_id);
    const X = 'scoped-x';
    await db.query(
      `INSERT INTO games (id, home_team, away_team, kickoff_at, season, status, home_goals, away_goals)
      VALUES ($1, 'Home', 'Away', $2, '2022', 'ended', 2, 1)`,
      [X, new Date(last.kickoff_at.getTime() + 7 * 86_400_000)],
    );
    await db.query(
      'INSERT INTO game_lineups (game_id, player_id, starter) SELECT $1, p, o <= 22 FROM unnest($2::text[]) WITH ORDINALITY AS u(p, o)',
      [X, lineup],
    );
    await db.query(
      `INSERT INTO player_minutes (game_id, player_id, minutes_played, minutes_calculation_method, calculated_version)
      SELECT $1, p, CASE WHEN o <= 22 THEN 90 ELSE 0 END, 'calculated', 0 FROM unnest($2::text[]) WITH ORDINALITY AS u(p, o)`,
      [X, lineup],
    );
    await db.query(
      `INSERT INTO goals (id, game_id, scorer_id, assist_id, minute, own_goal) VALUES
      ('x-g1', $1, $2, $3, 10, false), ('x-g2', $1, $3, NULL, 50, false), ('x-g3', $1, $4, NULL, 80, true)`,
      [X, lineup[0], lineup[1], lineup[2]],
    );
    await db.query(
      `INSERT INTO disciplinary_actions (id, game_id, player_id, card_type, minute) VALUES
      ('x-c1', $1, $2, 'yellow', 20), ('x-c2', $1, $3, 'red', 70)`,
      [X, lineup[3], lineup[4]],
    );
    // Y: a correction to a 2019 game with goals: its first goal goes to another lineup player, who
    // played 45 minutes, not what was stored.
    const Y = (
      await one<{ game_id: string }>(
        `SELECT game_id FROM goals WHERE game_id LIKE 'g2019-%' AND NOT own_goal ORDER BY game_id, id LIMIT 1`,
      )
    ).game_id;
    const goal = await one<{ id: string; scorer_id: string }>(
      'SELECT id, scorer_id FROM goals WHERE game_id = $1 AND NOT own_goal ORDER BY id LIMIT 1',
      [Y],
    );
    const other = await one<{ player_id: string }>(
      'SELECT player_id FROM game_lineups WHERE game_id = $1 AND player_id <> $2 ORDER BY player_id LIMIT 1',
      [Y, goal.scorer_id],
    );
    await db.query('UPDATE goals SET scorer_id = $2, assist_id = NULL WHERE id = $1', [goal.id, other.player_id]);
    await db.query('UPDATE player_minutes SET minutes_played = 45 WHERE game_id = $1 AND player_id = $2', [
      Y,
      other.player_id,
    ]);
    // Z: a 2020 game no longer ended: its report goes and its players' numbers lose it.
    const Z = 'g2020-007';
    await db.query(`UPDATE games SET status = 'cancelled' WHERE id = $1`, [Z]);

    const scoped = await refresh([X, Y, Z]);
    const afterScoped = await snapshot();
    // What must change by construction (leaders and personal bests may or may not move).
    for (const name of [
      'season-stats',
      'all-time-stats',
      'recent-form',
      'match-reports',
      'player-profiles',
      'season-race',
      'power-ratings',
    ] as const) {
      expect(scoped[name], `${name} changed something`).toBeGreaterThan(0);
    }
    expect(afterScoped.match_reports!.some((r) => r.startsWith(`(${Z},`))).toBe(false);
    expect(afterScoped.match_reports!.some((r) => r.startsWith(`(${X},`))).toBe(true);

    const full = await refresh();
    for (const name of aggregationNames)
      if (name !== 'hall-of-fame') expect(full[name], `${name}: a full refresh after the scoped one`).toBe(0);
    expect(await snapshot()).toEqual(afterScoped);
  });

  it('hall of fame: its top rows per category are the ranks 1 to 25 of every player, ties at the edge included', async () => {
    // The reference ranks every player's totals straight from the counting rules.
    const reference = await db.query<{ row: string }>(`WITH totals AS (
        SELECT player_id, count(*) FILTER (WHERE minutes_played > 0) AS appearances, sum(minutes_played) AS minutes, sum(goals) AS goals, sum(assists) AS assists
        FROM player_game_stats GROUP BY player_id
      ), categories AS (
        SELECT t.player_id, c.category, c.value::int AS value FROM totals t
        CROSS JOIN LATERAL (VALUES ('goals', t.goals), ('assists', t.assists), ('appearances', t.appearances), ('minutes-played', t.minutes)) c(category, value)
        WHERE c.value > 0
      ), ranked AS (SELECT category, (rank() OVER (PARTITION BY category ORDER BY value DESC))::int AS rank, player_id, value FROM categories)
      SELECT r::text AS row FROM (SELECT category, rank, player_id, value FROM ranked WHERE rank <= 25) r ORDER BY 1`);
    const view = await db.query<{ row: string }>('SELECT h::text AS row FROM hall_of_fame h ORDER BY 1');
    expect(view.rows.map((r) => r.row)).toEqual(reference.rows.map((r) => r.row));
    // The league has ties across rank 25 (more than 25 rows in a category), so the edge is exercised.
    const edge = await one<{ n: number }>(
      `SELECT max(n)::int AS n FROM (SELECT count(*) AS n FROM hall_of_fame GROUP BY category) c`,
    );
    expect(edge.n).toBeGreaterThan(25);
  });

  it('leaves what its games do not touch as it was', async () => {
    // A 2021 game changes behind the refresh's back (no trigger for it): a refresh for a 2019 game
    // whose players' careers never reached 2021 must not see it; a full refresh does.
    const W = 'g2021-020';
    const V = (
      await one<{ id: string }>(
        `SELECT g.id FROM games g WHERE g.season = '2019' AND NOT EXISTS (
        SELECT 1 FROM game_lineups l JOIN game_lineups w ON w.player_id = l.player_id AND w.game_id = $1 WHERE l.game_id = g.id)
      ORDER BY g.id LIMIT 1`,
        [W],
      )
    ).id;
    const scorer = await one<{ player_id: string }>(
      'SELECT player_id FROM game_lineups WHERE game_id = $1 AND starter ORDER BY player_id LIMIT 1',
      [W],
    );
    await db.query(`INSERT INTO goals (id, game_id, scorer_id, minute) VALUES ('w-late', $1, $2, 89)`, [
      W,
      scorer.player_id,
    ]);
    await db.query('UPDATE games SET home_goals = home_goals + 1 WHERE id = $1', [W]);
    const before = await snapshot();

    const scoped = await refresh([V]);
    for (const name of aggregationNames) if (name !== 'hall-of-fame') expect(scoped[name], name).toBe(0);
    expect(await snapshot()).toEqual(before);

    const full = await refresh();
    expect(full['match-reports']).toBe(1);
    expect(full['all-time-stats']).toBe(1);
    expect(full['season-race']).toBeGreaterThan(0);
    expect(await refresh([W])).toMatchObject({
      'season-stats': 0,
      'all-time-stats': 0,
      'match-reports': 0,
      'season-race': 0,
    });
  });
});
