// `npm run bench:stats-scale`: what one post-match stats refresh costs as the league's history grows.
// Self-contained: for each size (BENCH_SIZES, default 3000,30000 games) it recreates a database of its
// own (fulltime_bench_stats_<games>), generates a league from the fixed seed (bench/league.ts: 375
// games a season, careers bounded to BENCH_CAREER_SEASONS (4) seasons, so ten times the games is ten
// times the seasons and the players, not ten times each player's history), fills the stats with a full
// refresh, then for BENCH_ROUNDS (5) rounds: one more ended game on the next matchday of the last
// season, the ten aggregations scoped to it (what a post-match run does), and the ten over everything
// (what every post-match run did before: the seed's way), each in parallel as a refresh runs them.
// Timed from the first aggregation's start to the last one's end, in-process: the workflow around it
// (a few activity round trips, which do not read the league) is left out; bench:stats measured it at
// 3,000 games only. It ends by checking that a full
// refresh after the last scoped one changes nothing. Figures go to bench/results/stats-scale.json.
import fs from 'node:fs';
import path from 'node:path';
import { loadConfigOrExit } from '../src/config.ts';
import { aggregationNames, type AggregationName } from '../src/contracts/stats.ts';
import { createPrisma, type PrismaClient } from '../src/db/client.ts';
import { applyMigrations, dropDatabase, ensureDatabase } from '../src/db/migrate.ts';
import { runAggregation } from '../src/services/stats/aggregations.ts';
import { projectRoot } from '../src/paths.ts';
import { generateLeague } from './league.ts';
import pg from 'pg';

const sizes = (process.env.BENCH_SIZES ?? '3000,30000').split(',').map(Number);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const careerSeasons = Number(process.env.BENCH_CAREER_SEASONS ?? 4);
const GAMES_A_SEASON = 375;
const say = (line: string) => console.log(`[bench:stats-scale] ${line}`);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const base = loadConfigOrExit('bench:stats-scale');

/** The ten in parallel (each its own transaction, as the refresh runs them): wall time, each one's time and rows. */
async function refresh(prisma: PrismaClient, games?: string[]) {
  const t0 = performance.now();
  const each = await Promise.all(
    aggregationNames.map(async (name) => {
      const t = performance.now();
      const rows = await runAggregation(prisma, name, 10 * 60_000, games);
      return [name, { ms: performance.now() - t, rows }] as const;
    }),
  );
  return {
    ms: performance.now() - t0,
    each: Object.fromEntries(each) as Record<AggregationName, { ms: number; rows: number }>,
  };
}

/** One more ended game on the next matchday of the last season, its lineup the last game's. */
async function addGame(db: pg.Client, round: number): Promise<string> {
  const last = (
    await db.query<{ id: string; season: string; kickoff_at: Date }>(
      `SELECT id, season, kickoff_at FROM games ORDER BY kickoff_at DESC, id DESC LIMIT 1`,
    )
  ).rows[0]!;
  const lineup = (
    await db.query<{ player_id: string; starter: boolean }>(
      'SELECT player_id, starter FROM game_lineups WHERE game_id = $1 ORDER BY player_id',
      [last.id],
    )
  ).rows;
  const id = `scale-extra-${round}`;
  await db.query(
    `INSERT INTO games (id, home_team, away_team, kickoff_at, season, status, home_goals, away_goals) VALUES ($1, 'Late', 'Game', $2, $3, 'ended', 2, 0)`,
    [id, new Date(last.kickoff_at.getTime() + 7 * 86_400_000), last.season],
  );
  await db.query(
    'INSERT INTO game_lineups (game_id, player_id, starter) SELECT $1, p, s FROM unnest($2::text[], $3::bool[]) AS u(p, s)',
    [id, lineup.map((l) => l.player_id), lineup.map((l) => l.starter)],
  );
  await db.query(
    `INSERT INTO player_minutes (game_id, player_id, minutes_played, minutes_calculation_method, calculated_version)
    SELECT $1, p, CASE WHEN s THEN 90 ELSE 0 END, 'calculated', 0 FROM unnest($2::text[], $3::bool[]) AS u(p, s)`,
    [id, lineup.map((l) => l.player_id), lineup.map((l) => l.starter)],
  );
  const starters = lineup.filter((l) => l.starter).map((l) => l.player_id);
  await db.query(
    `INSERT INTO goals (id, game_id, scorer_id, assist_id, minute) VALUES ($1 || '-g1', $1, $2, $3, 20), ($1 || '-g2', $1, $3, NULL, 70)`,
    [id, starters[round % starters.length], starters[(round + 1) % starters.length]],
  );
  await db.query(
    `INSERT INTO disciplinary_actions (id, game_id, player_id, card_type, minute) VALUES ($1 || '-c1', $1, $2, 'yellow', 30)`,
    [id, starters[(round + 2) % starters.length]],
  );
  return id;
}

const figures: Record<number, unknown> = {};
for (const games of sizes) {
  const url = new URL(base.DATABASE_URL);
  url.pathname = `/fulltime_bench_stats_${games}`;
  say(`${games} games: recreating ${url.pathname.slice(1)} and generating the league`);
  await dropDatabase(url.toString());
  await ensureDatabase(url.toString());
  await applyMigrations(url.toString());
  const generated = performance.now();
  const league = await generateLeague(url.toString(), {
    seasons: Math.ceil(games / GAMES_A_SEASON),
    games,
    careerSeasons,
  });
  say(`league ${JSON.stringify(league)} in ${Math.round(performance.now() - generated)} ms`);
  const prisma = createPrisma(url.toString(), { poolSize: 12 });
  const db = new pg.Client({ connectionString: url.toString() });
  await db.connect();
  const lineupRowsPerPlayer = (
    await db.query<{ max: number; avg: number }>(
      `SELECT max(n)::int AS max, round(avg(n), 1)::float8 AS avg FROM (SELECT count(*) AS n FROM game_lineups GROUP BY player_id) c`,
    )
  ).rows[0]!;
  const fill = await refresh(prisma);
  say(`filled by a full refresh in ${Math.round(fill.ms)} ms`);
  await db.query('ANALYZE');

  const scoped: Awaited<ReturnType<typeof refresh>>[] = [];
  const full: Awaited<ReturnType<typeof refresh>>[] = [];
  for (let round = 1; round <= rounds; round++) {
    const id = await addGame(db, round);
    scoped.push(await refresh(prisma, [id]));
    full.push(await refresh(prisma));
    say(`round ${round}/${rounds}: scoped ${Math.round(scoped.at(-1)!.ms)} ms, full ${Math.round(full.at(-1)!.ms)} ms`);
  }
  // The check: a scoped refresh for one more game, then a full one must write nothing to a table.
  const last = await addGame(db, rounds + 1);
  await refresh(prisma, [last]);
  const check = await refresh(prisma);
  const changed = aggregationNames.filter((name) => name !== 'hall-of-fame' && check.each[name].rows > 0);
  figures[games] = {
    league,
    lineupRowsPerPlayer,
    fillMs: Math.round(fill.ms),
    scopedMs: { median: Math.round(median(scoped.map((r) => r.ms))), all: scoped.map((r) => Math.round(r.ms)) },
    fullMs: { median: Math.round(median(full.map((r) => r.ms))), all: full.map((r) => Math.round(r.ms)) },
    scopedByAggregation: Object.fromEntries(
      aggregationNames.map((n) => [n, Math.round(median(scoped.map((r) => r.each[n].ms)))]),
    ),
    fullByAggregation: Object.fromEntries(
      aggregationNames.map((n) => [n, Math.round(median(full.map((r) => r.each[n].ms)))]),
    ),
    scopedRowsWritten: Object.fromEntries(aggregationNames.map((n) => [n, scoped[0]!.each[n].rows])),
    check:
      changed.length === 0
        ? 'ok: a full refresh after a scoped one changed nothing'
        : `a full refresh after a scoped one changed ${changed.join(', ')}`,
  };
  await db.end();
  await prisma.$disconnect();
}

type Figures = {
  scopedMs: { median: number };
  fullMs: { median: number };
  league: { games: number; players: number; seasons: number };
  check: string;
};
const all = sizes.map((n) => figures[n] as Figures);
console.log('\npost-match stats refresh (ten aggregations in parallel), median of rounds:');
for (const f of all) {
  console.log(
    `  ${f.league.games} games (${f.league.seasons} seasons, ${f.league.players} players): scoped to the game ${f.scopedMs.median} ms, everything ${f.fullMs.median} ms (${(f.fullMs.median / f.scopedMs.median).toFixed(1)}x); ${f.check}`,
  );
}
if (all.length > 1) {
  const [small, large] = [all[0]!, all.at(-1)!];
  console.log(
    `  ${large.league.games} against ${small.league.games}: scoped ${(large.scopedMs.median / small.scopedMs.median).toFixed(2)}x, everything ${(large.fullMs.median / small.fullMs.median).toFixed(2)}x`,
  );
}
const out = path.join(projectRoot, 'bench/results/stats-scale.json');
fs.writeFileSync(
  out,
  `${JSON.stringify({ date: new Date().toISOString(), rounds, careerSeasons, figures }, null, 2)}\n`,
);
console.log(`figures saved to ${path.relative(projectRoot, out)}`);
if (all.some((f) => !f.check.startsWith('ok'))) process.exitCode = 1;
