// `npm run bench:settlement`: settlement and scoreboards at 50,000 and 1,000,000 predictions.
// Self-contained: its own database (fulltime_bench_settlement, recreated), Temporal dev server,
// in-process workers and API, its own Redis key prefix. In one run:
//   1. 50,000 users with predictions on one game, one tournament with 200 leagues; BENCH_ROUNDS
//      results posted through the API, alternating two scores so every one is a correction that
//      re-scores every prediction; result-to-scoreboard latency (POST until the Redis board reflects
//      it), the PostgreSQL phase and the Redis phase separately;
//   2. the seed's way on 5,000 predictions: one UPDATE per prediction and per total, one ZADD per
//      user, against the set-based settlement of the same 5,000; time per prediction, and the ratio;
//   3. scoreboard reads (top 50, one user's rank) at 200 requests/s, from Redis and from the
//      PostgreSQL fallback (workers stopped, projection version removed);
//   4. 1,000,000 predictions once (BENCH_MILLION=0 skips it).
import { spawn } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import pg from 'pg';
import { createApp } from '../src/api/app.ts';
import { consoleSessions } from '../src/api/console/session.ts';
import { taskQueuesPrefixed } from '../src/contracts/task-queues.ts';
import { loadConfigOrExit } from '../src/config.ts';
import { createPrisma } from '../src/db/client.ts';
import { applyMigrations, dropDatabase, ensureDatabase } from '../src/db/migrate.ts';
import { boardScore } from '../src/domain/settlement/ranking.ts';
import { pointsFor } from '../src/domain/settlement/scoring.ts';
import { createLogger } from '../src/logger.ts';
import { WorkflowStarter } from '../src/outbox/outbox.ts';
import { createRedis, deleteKeysUnder } from '../src/redis.ts';
import { boardVersionKey } from '../src/services/settlement/scoreboards/keys.ts';
import { startBenchTemporal } from './stack.ts';
import { activityDeps, workerDefinition } from '../src/workers/task-queues.ts';
import { workflowBundle } from '../src/workers/workflow-bundle.ts';
import { insert, random } from './league.ts';

const rounds = Number(process.env.BENCH_ROUNDS ?? 20);
const million = process.env.BENCH_MILLION !== '0';
const say = (line: string) => console.log(`[bench:settlement] ${line}`);
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
const stats = (values: number[]) => ({
  p50: Math.round(percentile(values, 50)),
  p95: Math.round(percentile(values, 95)),
  p99: Math.round(percentile(values, 99)),
  max: Math.round(Math.max(...values)),
});

const base = loadConfigOrExit('bench:settlement');
const databaseUrl = new URL(base.DATABASE_URL);
databaseUrl.pathname = '/fulltime_bench_settlement';
say(`recreating ${databaseUrl.pathname.slice(1)}`);
await dropDatabase(databaseUrl.toString());
await ensureDatabase(databaseUrl.toString());
await applyMigrations(databaseUrl.toString());
const db = new pg.Client({ connectionString: databaseUrl.toString() });
await db.connect();
const rng = random(7);

/** A tournament with `leagues` leagues, `users` users (each in one league, one in five in two) and one game they all predicted. */
async function seed(label: string, users: number, leagues: number) {
  const started = performance.now();
  const tournamentId = `t-${label}`;
  const gameId = `g-${label}`;
  await db.query(`INSERT INTO tournaments (id, name) VALUES ($1, $1)`, [tournamentId]);
  await db.query(
    `INSERT INTO games (id, home_team, away_team, kickoff_at, season, tournament_id) VALUES ($1, 'Home', 'Away', now() + interval '1 day', '2026', $2)`,
    [gameId, tournamentId],
  );
  const leagueIds = Array.from({ length: leagues }, (_, i) => `${label}-league-${i}`);
  await insert(
    db,
    'leagues',
    ['id', 'name', 'tournament_id'],
    leagueIds.map((id) => [id, id, tournamentId]),
  );
  for (let start = 0; start < users; start += 100_000) {
    const ids = Array.from(
      { length: Math.min(100_000, users - start) },
      (_, i) => `${label}-u${String(start + i).padStart(7, '0')}`,
    );
    await insert(
      db,
      'users',
      ['id', 'name'],
      ids.map((id) => [id, id]),
    );
    await insert(
      db,
      'predictions',
      ['game_id', 'user_id', 'home_goals', 'away_goals'],
      ids.map((id) => [gameId, id, rng.int(0, 3), rng.int(0, 3)]),
    );
    const members = ids
      .flatMap((id, i) => {
        const first = leagueIds[(start + i) % leagues]!;
        return rng.next() < 0.2
          ? [
              [first, id, 0],
              [leagueIds[(start + i * 7 + 3) % leagues]!, id, 0],
            ]
          : [[first, id, 0]];
      })
      .filter((m, i, all) => i === 0 || m[0] !== all[i - 1]![0] || m[1] !== all[i - 1]![1]);
    await insert(db, 'league_members', ['league_id', 'user_id', 'version'], members);
  }
  await db.query('ANALYZE');
  say(
    `${label}: ${users} users with a prediction each, ${leagues} leagues, in ${Math.round(performance.now() - started)} ms`,
  );
  return { tournamentId, gameId };
}

const small = await seed('50k', 50_000, 200);

Runtime.install({ logger: new DefaultLogger('ERROR') });
const env = await startBenchTemporal();
const config = loadConfigOrExit('bench:settlement');
Object.assign(config, {
  DATABASE_URL: databaseUrl.toString(),
  REDIS_KEY_PREFIX: `fulltime:bench:${randomUUID().slice(0, 8)}:`,
  LOG_LEVEL: 'silent',
  taskQueues: taskQueuesPrefixed(`bench-${randomUUID()}`),
});
const prisma = createPrisma(config.DATABASE_URL, { poolSize: 20 });
const redis = createRedis(config.REDIS_URL, config.REDIS_KEY_PREFIX);
await new Promise((resolve) => redis.once('ready', resolve));
const logger = createLogger('bench', 'silent');
const bundle = await workflowBundle(logger, { traced: false });
const settlementWorker = await Worker.create({
  connection: env.nativeConnection,
  namespace: 'default',
  ...workerDefinition('settlement', config, activityDeps(config, { prisma, redis, temporal: env.client })),
  workflowBundle: bundle,
});
const workerRun = settlementWorker.run();
const starter = new WorkflowStarter({ prisma, temporal: env.client, logger });
const app = createApp({
  config,
  prisma,
  redis,
  temporal: env.client,
  starter,
  logger,
  sessions: consoleSessions(config, redis),
});
const server = await new Promise<Server>((resolve) => {
  const s = app.listen(0, '127.0.0.1', () => resolve(s));
});
const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

async function postResult(gameId: string, homeGoals: number, awayGoals: number): Promise<string> {
  const res = await fetch(`${apiUrl}/api/games/${gameId}/result`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${config.API_TOKEN}`,
      'idempotency-key': randomUUID(),
    },
    body: JSON.stringify({ homeGoals, awayGoals }),
  });
  const body = (await res.json()) as { settlement: { workflowId: string } };
  if (res.status !== 202) throw new Error(`POST result -> ${res.status} ${JSON.stringify(body)}`);
  return body.settlement.workflowId;
}

/** POST a result, wait until the Redis board reflects its version; answers the three times. */
async function settleOnce(game: { tournamentId: string; gameId: string }, homeGoals: number, awayGoals: number) {
  const started = performance.now();
  const workflowId = await postResult(game.gameId, homeGoals, awayGoals);
  // The API answers once the result is committed and starts the settlement right after: wait for it.
  const handle = env.client.workflow.getHandle(workflowId);
  for (;;) {
    try {
      await handle.describe();
      break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }
  const result = (await handle.result()) as {
    outcome: string;
    version: number;
    predictionsSettled: number;
    durationMs: number;
    projection: { durationMs: number; users: number };
  };
  const endToEnd = performance.now() - started;
  if (result.outcome !== 'applied') throw new Error(`settlement ${workflowId}: ${result.outcome}`);
  const reflected = Number(await redis.get(boardVersionKey(game.tournamentId)));
  if (reflected < result.version) throw new Error(`Redis reflects ${reflected}, settlement was ${result.version}`);
  return {
    endToEnd,
    postgres: result.durationMs,
    redis: result.projection.durationMs,
    predictions: result.predictionsSettled,
    users: result.projection.users,
  };
}

say('first settlement of the 50k game (every user new on the board)');
const first50k = await settleOnce(small, 2, 1);
say(
  `  ${Math.round(first50k.endToEnd)} ms (PostgreSQL ${first50k.postgres} ms, Redis ${first50k.redis} ms, ${first50k.users} users projected)`,
);
say(`${rounds} corrections of the 50k game, alternating 1-1 and 2-1`);
const runs50k: Awaited<ReturnType<typeof settleOnce>>[] = [];
for (let round = 0; round < rounds; round++) runs50k.push(await settleOnce(small, round % 2 === 0 ? 1 : 2, 1));

// The seed's way: one UPDATE per prediction and per total, one ZADD per user, on 5,000 predictions.
say("the seed's way (row by row) against the set-based settlement, 5,000 predictions each");
const naive = await seed('naive', 5_000, 10);
const naivePredictions = (
  await db.query<{ user_id: string; home_goals: number; away_goals: number }>(
    'SELECT user_id, home_goals, away_goals FROM predictions WHERE game_id = $1',
    [naive.gameId],
  )
).rows;
const started = performance.now();
for (const p of naivePredictions) {
  const { points, exact } = pointsFor(
    { homeGoals: p.home_goals, awayGoals: p.away_goals },
    { homeGoals: 2, awayGoals: 1 },
  );
  await db.query('UPDATE predictions SET points = $1, exact = $2 WHERE game_id = $3 AND user_id = $4', [
    points,
    exact,
    naive.gameId,
    p.user_id,
  ]);
  await db.query(
    `INSERT INTO user_tournament_totals (tournament_id, user_id, points, exact_count, settled_predictions, version) VALUES ($1, $2, $3, $4, 1, 0)
    ON CONFLICT (tournament_id, user_id) DO UPDATE SET points = user_tournament_totals.points + $3, exact_count = user_tournament_totals.exact_count + $4`,
    [naive.tournamentId, p.user_id, points, exact ? 1 : 0],
  );
  await redis.zadd(`naive:${naive.tournamentId}`, boardScore(points, exact ? 1 : 0), p.user_id);
}
const naiveMs = performance.now() - started;
await db.query('UPDATE predictions SET points = NULL, exact = NULL WHERE game_id = $1', [naive.gameId]);
await db.query('DELETE FROM user_tournament_totals WHERE tournament_id = $1', [naive.tournamentId]);
const setBased5k = await settleOnce(naive, 2, 1);

// Reads at 200/s: top 50 and one user's rank, from Redis, then from the PostgreSQL fallback. The load
// comes from another process (bench/load.ts), so it does not share the API's event loop.
async function load(paths: string[]) {
  const args = JSON.stringify({ url: apiUrl, paths, rate: 200, seconds: 20, connections: 10 });
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/load.ts', args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  await new Promise((resolve) => child.on('exit', resolve));
  return JSON.parse(output) as {
    requests: number;
    non2xx: number;
    errors: number;
    p50: number;
    p90: number;
    p99: number;
    max: number;
  };
}
async function reads(label: string) {
  const users = Array.from({ length: 1000 }, () => `50k-u${String(rng.int(0, 49_999)).padStart(7, '0')}`);
  const targets = {
    'top 50': [`/api/tournaments/${small.tournamentId}/scoreboard?limit=50`],
    'user rank': users.map((u) => `/api/tournaments/${small.tournamentId}/users/${u}/rank`),
  };
  const result: Record<string, Awaited<ReturnType<typeof load>> & { source: string }> = {};
  for (const [name, paths] of Object.entries(targets)) {
    const source = (await fetch(`${apiUrl}${paths[0]}`)).headers.get('x-scoreboard-source') ?? '?';
    result[name] = { ...(await load(paths)), source };
  }
  say(`reads from ${label}: ${JSON.stringify(result)}`);
  return result;
}
// The floor: the same load against a route that touches nothing (HTTP, express, the load generator
// and the machine's two shared cores).
const floor = await load(['/healthz']);
say(`floor (GET /healthz): ${JSON.stringify(floor)}`);
const redisReads = await reads('Redis');
settlementWorker.shutdown(); // no rebuild can run: the reads below all take the fallback
await workerRun;
await redis.del(boardVersionKey(small.tournamentId));
const postgresReads = await reads('PostgreSQL (fallback)');

let big: Awaited<ReturnType<typeof settleOnce>> | null = null;
let bigCorrection: Awaited<ReturnType<typeof settleOnce>> | null = null;
if (million) {
  say('1,000,000 predictions');
  const large = await seed('1m', 1_000_000, 200);
  const bigWorker = await Worker.create({
    connection: env.nativeConnection,
    namespace: 'default',
    ...workerDefinition('settlement', config, activityDeps(config, { prisma, redis, temporal: env.client })),
    workflowBundle: bundle,
  });
  const bigRun = bigWorker.run();
  big = await settleOnce(large, 2, 1);
  say(`  first settlement: ${Math.round(big.endToEnd)} ms (PostgreSQL ${big.postgres} ms, Redis ${big.redis} ms)`);
  bigCorrection = await settleOnce(large, 1, 1);
  say(
    `  correction: ${Math.round(bigCorrection.endToEnd)} ms (PostgreSQL ${bigCorrection.postgres} ms, Redis ${bigCorrection.redis} ms)`,
  );
  bigWorker.shutdown();
  await bigRun;
}

const summary = {
  date: new Date().toISOString(),
  predictions50k: {
    first: { endToEnd: Math.round(first50k.endToEnd), postgres: first50k.postgres, redis: first50k.redis },
    corrections: rounds,
    endToEnd: stats(runs50k.map((r) => r.endToEnd)),
    postgres: stats(runs50k.map((r) => r.postgres)),
    redis: stats(runs50k.map((r) => r.redis)),
    usersProjectedPerCorrection: stats(runs50k.map((r) => r.users)),
  },
  rowByRow5k: {
    totalMs: Math.round(naiveMs),
    msPerPrediction: Number((naiveMs / 5000).toFixed(3)),
    setBasedMs: Math.round(setBased5k.endToEnd),
    setBasedMsPerPrediction: Number((setBased5k.endToEnd / 5000).toFixed(3)),
    setBasedMsPerPredictionAt50k: Number(
      (
        percentile(
          runs50k.map((r) => r.endToEnd),
          50,
        ) / 50_000
      ).toFixed(4),
    ),
    ratioPerPrediction5k: Number((naiveMs / setBased5k.endToEnd).toFixed(1)),
  },
  reads: { floorHealthz: floor, redis: redisReads, postgres: postgresReads },
  predictions1m:
    big && bigCorrection
      ? {
          first: { endToEnd: Math.round(big.endToEnd), postgres: big.postgres, redis: big.redis },
          correction: {
            endToEnd: Math.round(bigCorrection.endToEnd),
            postgres: bigCorrection.postgres,
            redis: bigCorrection.redis,
          },
        }
      : null,
};
console.log(`
50,000 predictions, ${rounds} corrections (each re-scores all 50,000), result posted -> Redis board reflects it:
  end to end p50 ${summary.predictions50k.endToEnd.p50} ms, p95 ${summary.predictions50k.endToEnd.p95} ms, p99 ${summary.predictions50k.endToEnd.p99} ms, max ${summary.predictions50k.endToEnd.max} ms
  PostgreSQL phase p50 ${summary.predictions50k.postgres.p50} ms, p95 ${summary.predictions50k.postgres.p95} ms; Redis phase p50 ${summary.predictions50k.redis.p50} ms, p95 ${summary.predictions50k.redis.p95} ms
  first settlement (every user new): ${summary.predictions50k.first.endToEnd} ms
row by row (the seed's plan), 5,000 predictions: ${summary.rowByRow5k.totalMs} ms = ${summary.rowByRow5k.msPerPrediction} ms per prediction
set-based, same 5,000: ${summary.rowByRow5k.setBasedMs} ms = ${summary.rowByRow5k.setBasedMsPerPrediction} ms per prediction (${summary.rowByRow5k.ratioPerPrediction5k}x); at 50,000: ${summary.rowByRow5k.setBasedMsPerPredictionAt50k} ms per prediction
reads at 200/s, p99: Redis top-50 ${redisReads['top 50']!.p99} ms, rank ${redisReads['user rank']!.p99} ms; PostgreSQL top-50 ${postgresReads['top 50']!.p99} ms, rank ${postgresReads['user rank']!.p99} ms; /healthz (floor) ${floor.p99} ms
${big && bigCorrection ? `1,000,000 predictions: first ${summary.predictions1m!.first.endToEnd} ms (PostgreSQL ${big.postgres} ms, Redis ${big.redis} ms); correction ${summary.predictions1m!.correction.endToEnd} ms (PostgreSQL ${bigCorrection.postgres} ms, Redis ${bigCorrection.redis} ms)` : '1,000,000 predictions: skipped'}
`);
console.log(JSON.stringify(summary));

await starter.drain();
server.close();
await db.end();
await prisma.$disconnect();
redis.disconnect();
await deleteKeysUnder(config.REDIS_URL, config.REDIS_KEY_PREFIX);
await env.teardown();
