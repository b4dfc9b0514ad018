// `npm run bench:reconcile`: a full reconciliation (every check, everything in scope) over the 300-game
// matchday's size (50,000 users, 150,000 predictions) and the 10x one (3,000 games, 500,000 users,
// 1.5 M predictions), beside settling the same predictions on the same machine in the same run.
// Self-contained: its own database (fulltime_bench_reconcile, recreated for each size) and Redis key
// prefix; no Temporal (the checks run in this process exactly as the maintenance worker's activity
// runs them, so this process's heap is the worker's). For each size:
//   1. a league (bench/league.ts: lineups, events, minutes, goals), fresh reports, a tournament, users
//      each predicting 3 games, 200 leagues (each user in one, one in five in two), one result a game;
//   2. settlement of every game through the settlement service (the ledger, points, totals), timed:
//      the floor a reconciliation is compared to; the stats tables by their aggregations; the Redis
//      boards by a rebuild;
//   3. the reconciliation: each check timed, heap sampled every 20 ms from a collected baseline.
// Target (the issue): the 10x reconciliation in <= 60 s with flat memory. Sizes: RECONCILE_SIZES=300,3000.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { aggregationNames } from '../src/contracts/stats.ts';
import { reconciliationChecks, type CheckResult } from '../src/contracts/reconciliation.ts';
import { loadConfigOrExit } from '../src/config.ts';
import { createPrisma } from '../src/db/client.ts';
import { applyMigrations, dropDatabase, ensureDatabase } from '../src/db/migrate.ts';
import { resultHash } from '../src/domain/results.ts';
import { projectRoot } from '../src/paths.ts';
import { createRedis, deleteKeysUnder } from '../src/redis.ts';
import { checks } from '../src/services/reconciliation/checks.ts';
import { beginReconciliation, recordCheck } from '../src/services/reconciliation/runs.ts';
import { createScoreboardProjection } from '../src/services/settlement/scoreboards/projection.ts';
import { applySettlement } from '../src/services/settlement/settle.ts';
import { runAggregation } from '../src/services/stats/aggregations.ts';
import { generateLeague, insert, random } from './league.ts';
import { saveFigures } from './matchday/run.ts';

const say = (line: string) => console.log(`[bench:reconcile] ${line}`);
const base = loadConfigOrExit('bench:reconcile');
const sizes = (process.env.RECONCILE_SIZES ?? '300,3000').split(',').map((s) => Number(s.trim()));
const PREDICTIONS_PER_USER = 3;
const LEAGUES = 200;
const SETTLE_CONCURRENCY = 4;
const MiB = 1024 * 1024;
const gc = (globalThis as { gc?: () => void }).gc;

interface SizeFigures {
  games: number;
  users: number;
  predictions: number;
  seedMs: number;
  settleMs: number;
  reconcileMs: number;
  ratioToSettling: number;
  checks: CheckResult[];
  heapBaselineMiB: number;
  heapPeakAboveBaselineMiB: number;
  rssPeakMiB: number;
  mismatches: number;
}

async function runSize(games: number): Promise<SizeFigures> {
  const users = games * (50_000 / 300);
  const url = new URL(base.DATABASE_URL);
  url.pathname = '/fulltime_bench_reconcile';
  say(`---- ${games} games, ${users} users ----`);
  await dropDatabase(url.toString());
  await ensureDatabase(url.toString());
  await applyMigrations(url.toString());
  const started = performance.now();
  const rng = random(20261204 + games);

  // 1. The league, its reports, the tournament, users, predictions, leagues and results.
  await generateLeague(url.toString(), { seasons: Math.max(1, Math.round(games / 300)), games, players: 400 });
  const db = new pg.Client({ connectionString: url.toString() });
  await db.connect();
  const tournamentId = 'bench-cup';
  await db.query(`INSERT INTO tournaments (id, name) VALUES ($1, $1)`, [tournamentId]);
  await db.query(`UPDATE games SET tournament_id = $1`, [tournamentId]);
  await db.query(`INSERT INTO game_reports (game_id, calculated_version, checked_version, calculated_at)
    SELECT id, events_version, events_version, now() FROM games`);
  const gameRows = (
    await db.query<{ id: string; home_goals: number; away_goals: number }>(
      'SELECT id, home_goals, away_goals FROM games ORDER BY id',
    )
  ).rows;
  const leagueIds = Array.from({ length: LEAGUES }, (_, i) => `league-${i}`);
  await insert(
    db,
    'leagues',
    ['id', 'name', 'tournament_id'],
    leagueIds.map((id) => [id, id, tournamentId]),
  );
  for (let start = 0; start < users; start += 50_000) {
    const ids = Array.from(
      { length: Math.min(50_000, users - start) },
      (_, i) => `u${String(start + i).padStart(7, '0')}`,
    );
    await insert(
      db,
      'users',
      ['id', 'name'],
      ids.map((id) => [id, id]),
    );
    const predictions = ids.flatMap((id) => {
      const picked = new Set<number>();
      while (picked.size < PREDICTIONS_PER_USER) picked.add(rng.int(0, gameRows.length - 1));
      return [...picked].map((g) => [gameRows[g]!.id, id, rng.int(0, 3), rng.int(0, 3)]);
    });
    await insert(db, 'predictions', ['game_id', 'user_id', 'home_goals', 'away_goals'], predictions);
    const members = ids.flatMap((id, i) => {
      const first = leagueIds[(start + i) % LEAGUES]!;
      return rng.next() < 0.2
        ? [
            [first, id, 0],
            [leagueIds[(start + i + 1) % LEAGUES]!, id, 0],
          ]
        : [[first, id, 0]];
    });
    await insert(db, 'league_members', ['league_id', 'user_id', 'version'], members);
  }
  await insert(
    db,
    'game_results',
    ['game_id', 'home_goals', 'away_goals', 'result_hash', 'request_id', 'created_at'],
    gameRows.map((g) => [
      g.id,
      g.home_goals,
      g.away_goals,
      resultHash(g.id, g.home_goals, g.away_goals, 1),
      randomUUID(),
      new Date(Date.now() - 3_600_000),
    ]),
  );
  await db.query('ANALYZE');
  const seedMs = performance.now() - started;
  const predictions = users * PREDICTIONS_PER_USER;
  say(`seeded ${games} games, ${users} users, ${predictions} predictions in ${Math.round(seedMs)} ms`);

  const prisma = createPrisma(url.toString());
  const prefix = `${base.REDIS_KEY_PREFIX}bench-reconcile:${randomUUID()}:`;
  const redis = createRedis(base.REDIS_URL, prefix);
  try {
    // 2. Settlement of every game: the floor.
    const settleStarted = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: SETTLE_CONCURRENCY }, async () => {
        for (let i = next++; i < gameRows.length; i = next++) {
          const g = gameRows[i]!;
          await applySettlement(prisma, {
            gameId: g.id,
            resultHash: resultHash(g.id, g.home_goals, g.away_goals, 1),
            workflowId: `bench-settle:${g.id}`,
          });
        }
      }),
    );
    const settleMs = performance.now() - settleStarted;
    say(`settled ${predictions} predictions of ${games} games in ${Math.round(settleMs)} ms`);
    for (const name of aggregationNames) await runAggregation(prisma, name, 600_000);
    const rebuilt = await createScoreboardProjection({ prisma, redis }).rebuild(tournamentId);
    say(`stats aggregated; boards rebuilt (${rebuilt.users} users, ${rebuilt.leagues} leagues)`);
    await db.query('ANALYZE');

    // 3. The reconciliation.
    const reconciliationId = await beginReconciliation(prisma, {
      workflowId: `bench-reconcile:${games}`,
      scope: {},
      checks: [...reconciliationChecks],
      requestedBy: 'system',
    });
    gc?.();
    const heapBaseline = process.memoryUsage().heapUsed;
    let heapPeak = heapBaseline;
    let rssPeak = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      heapPeak = Math.max(heapPeak, m.heapUsed);
      rssPeak = Math.max(rssPeak, m.rss);
    }, 20);
    const results: CheckResult[] = [];
    const reconcileStarted = performance.now();
    for (const check of reconciliationChecks) {
      const checkStarted = performance.now();
      const count = await checks[check]({ prisma, redis, reconciliationId, scope: {}, progress: () => {} });
      const result = { check, ...count, durationMs: Math.round(performance.now() - checkStarted) };
      await recordCheck(prisma, reconciliationId, result);
      results.push(result);
      say(
        `  ${check.padEnd(8)} ${String(result.checked).padStart(9)} compared, ${result.mismatches} mismatched, ${result.durationMs} ms`,
      );
    }
    const reconcileMs = performance.now() - reconcileStarted;
    clearInterval(sampler);
    const figures: SizeFigures = {
      games,
      users,
      predictions,
      seedMs: Math.round(seedMs),
      settleMs: Math.round(settleMs),
      reconcileMs: Math.round(reconcileMs),
      ratioToSettling: Number((reconcileMs / settleMs).toFixed(2)),
      checks: results,
      heapBaselineMiB: Number((heapBaseline / MiB).toFixed(1)),
      heapPeakAboveBaselineMiB: Number(((heapPeak - heapBaseline) / MiB).toFixed(1)),
      rssPeakMiB: Math.round(rssPeak / MiB),
      mismatches: results.reduce((sum, r) => sum + r.mismatches, 0),
    };
    say(
      `reconciled in ${figures.reconcileMs} ms (${figures.ratioToSettling}x settling the same predictions); heap +${figures.heapPeakAboveBaselineMiB} MiB over ${figures.heapBaselineMiB} MiB, RSS peak ${figures.rssPeakMiB} MiB; ${figures.mismatches} mismatches`,
    );
    return figures;
  } finally {
    redis.disconnect();
    await prisma.$disconnect();
    await db.end();
    await deleteKeysUnder(base.REDIS_URL, prefix);
  }
}

if (!gc) say('run with node --expose-gc (npm run bench:reconcile does) for a collected heap baseline');
const runs: SizeFigures[] = [];
for (const games of sizes) runs.push(await runSize(games));
const out = path.join(projectRoot, 'bench', 'results', 'reconcile.json');
saveFigures(out, { date: new Date().toISOString(), runs });
console.log('\n  games  users    predictions  settle (s)  reconcile (s)  ratio  heap peak (MiB)  mismatches');
for (const r of runs) {
  console.log(
    `  ${String(r.games).padEnd(6)} ${String(r.users).padEnd(8)} ${String(r.predictions).padEnd(12)} ${(r.settleMs / 1000).toFixed(1).padEnd(11)} ${(r.reconcileMs / 1000).toFixed(1).padEnd(14)} ${String(r.ratioToSettling).padEnd(6)} +${String(r.heapPeakAboveBaselineMiB).padEnd(15)} ${r.mismatches}`,
  );
}
say(`saved to ${path.relative(projectRoot, out)}`);
if (runs.some((r) => r.mismatches > 0)) process.exitCode = 1;
