// `npm run bench:stats`: the stats workflow on a realistic league (bench/league.ts), self-contained:
// its own database (fulltime_bench_stats, recreated), Temporal dev server (the pinned CLI) and
// in-process workers with the real activities, and its own Redis key prefix. In one run:
//   1. the ten aggregations in parallel (statsRefreshWorkflow) against the same ten one after
//      another (concurrency 1: the seeds' shape), cold (empty tables: every row written) and warm
//      (recomputed, nothing changed), alternating, timed from start to the last cache invalidation;
//   2. the whole admin path (statsWorkflow -> coordinator -> refresh);
//   3. one post-match run after one more game (minutes recalculation first, then the refresh).
// Settings: BENCH_ROUNDS (default 3).
import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import pg from 'pg';
import { TaggedCache } from '../src/cache/tagged-cache.ts';
import { loadConfigOrExit } from '../src/config.ts';
import { createPrisma } from '../src/db/client.ts';
import { applyMigrations, dropDatabase, ensureDatabase } from '../src/db/migrate.ts';
import { aggregationNames, statsWorkflowId, type RefreshSummary } from '../src/contracts/stats.ts';
import { createRedis, deleteKeysUnder } from '../src/redis.ts';
import { createStatsReads } from '../src/services/stats/reads.ts';
import { executableOption, temporalCliPath } from '../src/temporal/binaries.ts';
import { searchAttributeKeys } from '../src/temporal/register-search-attributes.ts';
import { taskQueueNames, taskQueuesPrefixed } from '../src/contracts/task-queues.ts';
import { activityDeps, workerDefinition } from '../src/workers/task-queues.ts';
import { workflowBundle } from '../src/workers/workflow-bundle.ts';
import { createLogger } from '../src/logger.ts';
import { generateLeague } from './league.ts';

const base = loadConfigOrExit('bench:stats');
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const databaseUrl = new URL(base.DATABASE_URL);
databaseUrl.pathname = '/fulltime_bench_stats';
const say = (line: string) => console.log(`[bench:stats] ${line}`);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

say(`recreating ${databaseUrl.pathname.slice(1)} and generating the league`);
await dropDatabase(databaseUrl.toString());
await ensureDatabase(databaseUrl.toString());
await applyMigrations(databaseUrl.toString());
const started = performance.now();
const league = await generateLeague(databaseUrl.toString(), { seasons: 8, games: 3000, players: 400 });
say(`league: ${JSON.stringify(league)} in ${Math.round(performance.now() - started)} ms`);

Runtime.install({ logger: new DefaultLogger('ERROR') });
const env = await TestWorkflowEnvironment.createLocal({
  server: { executable: executableOption(temporalCliPath()), searchAttributes: searchAttributeKeys },
});
const config = loadConfigOrExit('bench:stats');
Object.assign(config, {
  DATABASE_URL: databaseUrl.toString(),
  REDIS_KEY_PREFIX: `fulltime:bench:${randomUUID().slice(0, 8)}:`,
  taskQueues: taskQueuesPrefixed(`bench-${randomUUID()}`),
});
const prisma = createPrisma(config.DATABASE_URL, { poolSize: 20 });
const redis = createRedis(config.REDIS_URL, config.REDIS_KEY_PREFIX);
await new Promise((resolve) => redis.once('ready', resolve));
const bundle = await workflowBundle(createLogger('bench', 'silent'), { traced: false });
const deps = activityDeps(config, { prisma, redis, temporal: env.client });
const workers = await Promise.all(
  taskQueueNames.map((name) =>
    Worker.create({
      connection: env.nativeConnection,
      namespace: 'default',
      ...workerDefinition(name, config, deps),
      workflowBundle: bundle,
      maxConcurrentActivityTaskExecutions: 20,
    }),
  ),
);
const running = workers.map((w) => w.run());
const reads = createStatsReads({ prisma, cache: new TaggedCache(redis) });
const db = new pg.Client({ connectionString: config.DATABASE_URL });
await db.connect();

/** Cached reads of every player's stats and profile, so each run has cache entries to drop. */
async function warmCache(): Promise<void> {
  const players = await prisma.player.findMany({ select: { id: true } });
  for (let i = 0; i < players.length; i += 50) {
    await Promise.all(players.slice(i, i + 50).flatMap((p) => [reads.playerStats(p.id), reads.playerProfile(p.id)]));
  }
}

/** Empties what the aggregations write, so the next refresh writes every row again. */
async function coldTables(): Promise<void> {
  await db.query(`TRUNCATE player_season_stats, player_all_time_stats, player_recent_form, season_honours, match_reports,
    player_personal_bests, player_profiles, player_power_ratings`);
}

/** One refresh, from its start to its result (which follows its last cache invalidation). */
async function refresh(concurrency: number): Promise<{ ms: number; summary: RefreshSummary }> {
  await warmCache();
  const t0 = performance.now();
  const summary = await env.client.workflow.execute('statsRefreshWorkflow', {
    taskQueue: config.taskQueues.stats,
    workflowId: `bench-refresh-${randomUUID()}`,
    args: [{ scope: 'bench', served: [], concurrency }],
  });
  return { ms: performance.now() - t0, summary: summary as RefreshSummary };
}

const results: Record<string, { ms: number[]; summaries: RefreshSummary[] }> = {};
const record = (name: string, run: { ms: number; summary: RefreshSummary }) => {
  results[name] ??= { ms: [], summaries: [] };
  results[name].ms.push(run.ms);
  results[name].summaries.push(run.summary);
};

say('warm-up: one refresh (fills tables, plans and caches)');
await refresh(10);
for (let round = 1; round <= rounds; round++) {
  say(`round ${round}/${rounds}: cold parallel, cold sequential, warm parallel, warm sequential`);
  await coldTables();
  record('cold parallel', await refresh(10));
  await coldTables();
  record('cold sequential', await refresh(1));
  record('warm parallel', await refresh(10));
  record('warm sequential', await refresh(1));
}

say('the whole admin path: statsWorkflow -> coordinator -> refresh');
const adminMs: number[] = [];
for (let round = 1; round <= rounds; round++) {
  await warmCache();
  const t0 = performance.now();
  await env.client.workflow.execute('statsWorkflow', {
    taskQueue: config.taskQueues.stats,
    workflowId: statsWorkflowId(`bench-admin-${randomUUID()}`),
    args: [{ triggeredBy: 'admin', minutesTaskQueue: config.taskQueues.minutes, scope: 'bench' }],
  });
  adminMs.push(performance.now() - t0);
}

say('one post-match run after one more game');
const postMatchMs: number[] = [];
for (let round = 1; round <= rounds; round++) {
  const gameId = `bench-extra-${round}-${randomUUID().slice(0, 6)}`;
  const lineup = (
    await db.query<{ player_id: string }>(
      'SELECT player_id FROM game_lineups WHERE game_id = (SELECT id FROM games ORDER BY kickoff_at DESC LIMIT 1)',
    )
  ).rows;
  await db.query(
    `INSERT INTO games (id, home_team, away_team, kickoff_at, season, status, home_goals, away_goals, events_version)
    VALUES ($1, 'Late', 'Game', now(), '2026', 'ended', 1, 0, 1)`,
    [gameId],
  );
  await db.query(
    `INSERT INTO game_lineups (game_id, player_id, starter) SELECT $1, player_id, true FROM unnest($2::text[]) AS player_id`,
    [gameId, lineup.map((l) => l.player_id).slice(0, 22)],
  );
  await db.query(`INSERT INTO goals (id, game_id, scorer_id, minute) VALUES ($1, $2, $3, 30)`, [
    `${gameId}-goal`,
    gameId,
    lineup[0]!.player_id,
  ]);
  await warmCache();
  const t0 = performance.now();
  const summary = await env.client.workflow.execute('statsWorkflow', {
    taskQueue: config.taskQueues.stats,
    workflowId: statsWorkflowId(`bench-post-match-${randomUUID()}`),
    args: [{ triggeredBy: 'post-match', gameId, minutesTaskQueue: config.taskQueues.minutes, scope: 'bench' }],
  });
  postMatchMs.push(performance.now() - t0);
  if ((summary as { minutes?: { outcome: string } }).minutes?.outcome !== 'calculated')
    throw new Error('the post-match run did not recalculate the new game');
}

const byAggregation = (name: string) =>
  Object.fromEntries(
    aggregationNames.map((a) => [
      a,
      median(results[name]!.summaries.map((s) => s.aggregations.find((x) => x.name === a)!.durationMs)),
    ]),
  );
// Table aggregations report rows changed; the two views report the rows they hold (not changes).
const views = new Set(['hall-of-fame', 'season-race']);
const rows = (name: string) =>
  results[name]!.summaries[0]!.aggregations.filter((a) => !views.has(a.name)).reduce(
    (sum, a) => sum + (a.rowsWritten ?? 0),
    0,
  );
const viewRows = (name: string) =>
  Object.fromEntries(
    results[name]!.summaries[0]!.aggregations.filter((a) => views.has(a.name)).map((a) => [a.name, a.rowsWritten]),
  );
const summary = {
  date: new Date().toISOString(),
  league,
  rounds,
  refreshMs: Object.fromEntries(
    Object.entries(results).map(([name, r]) => [name, { median: Math.round(median(r.ms)), all: r.ms.map(Math.round) }]),
  ),
  ratio: {
    cold: Number((median(results['cold sequential']!.ms) / median(results['cold parallel']!.ms)).toFixed(2)),
    warm: Number((median(results['warm sequential']!.ms) / median(results['warm parallel']!.ms)).toFixed(2)),
  },
  tableRowsWritten: { cold: rows('cold parallel'), warm: rows('warm parallel') },
  viewRows: viewRows('cold parallel'),
  aggregationMs: {
    'cold parallel': byAggregation('cold parallel'),
    'cold sequential': byAggregation('cold sequential'),
  },
  adminPathMs: { median: Math.round(median(adminMs)), all: adminMs.map(Math.round) },
  postMatchMs: { median: Math.round(median(postMatchMs)), all: postMatchMs.map(Math.round) },
};
console.log(`
league: ${league.seasons} seasons, ${league.players} players, ${league.games} ended games, ${league.lineupRows} lineup rows, ${league.goals} goals, ${league.cards} cards, ${league.substitutions} substitutions
refresh, start to last cache invalidation (median of ${rounds}):
  cold (every table row written: ${summary.tableRowsWritten.cold}; views hold ${JSON.stringify(summary.viewRows)}): parallel ${summary.refreshMs['cold parallel']!.median} ms, sequential ${summary.refreshMs['cold sequential']!.median} ms -> ${summary.ratio.cold}x
  warm (recomputed, ${summary.tableRowsWritten.warm} table rows changed): parallel ${summary.refreshMs['warm parallel']!.median} ms, sequential ${summary.refreshMs['warm sequential']!.median} ms -> ${summary.ratio.warm}x
admin trigger to result (statsWorkflow, coordinator, refresh): ${summary.adminPathMs.median} ms
post-match run after one more game (recalculation, then refresh): ${summary.postMatchMs.median} ms
per aggregation, cold (ms, median): parallel ${JSON.stringify(summary.aggregationMs['cold parallel'])}
                                    sequential ${JSON.stringify(summary.aggregationMs['cold sequential'])}
`);
console.log(JSON.stringify(summary));

for (const worker of workers) worker.shutdown();
await Promise.all(running);
await db.end();
await prisma.$disconnect();
redis.disconnect();
await deleteKeysUnder(config.REDIS_URL, config.REDIS_KEY_PREFIX);
await env.teardown();
