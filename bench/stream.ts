// `npm run bench:stream`: live boards against polling, on one API process (from sources, as production
// runs it). Self-contained: its own database (fulltime_bench_stream, recreated) and Redis key prefix;
// no Temporal (this process plays the settlement worker's part: it moves totals and runs the scoreboard
// projection, which publishes each new version, exactly as the worker's activity does).
//   1. a tournament of STREAM_USERS (10,000) users with totals, its Redis board projected;
//   2. STREAM_SUBSCRIBERS (5,000) clients connect to its scoreboard stream (limit 10); the API's RSS
//      before and after gives memory per subscriber;
//   3. a result burst: STREAM_ROUNDS (30) settlements, one every STREAM_EVERY_MS (500), each moving 100
//      users' totals and projecting; every client's receipt of each version is timed from the moment
//      the projection committed (Redis holds the version): p50 and p99 of that delay;
//   4. the same burst again with the clients gone and readers polling the scoreboard at STREAM_POLL_RATE
//      (100) requests/s instead: the API's CPU in both, side by side.
// Target (the issue): p99 delay <= 1 s. Saves bench/results/stream.json.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { loadConfigOrExit } from '../src/config.ts';
import { createPrisma } from '../src/db/client.ts';
import { applyMigrations, dropDatabase, ensureDatabase } from '../src/db/migrate.ts';
import { projectRoot } from '../src/paths.ts';
import { createRedis, deleteKeysUnder } from '../src/redis.ts';
import { createScoreboardProjection } from '../src/services/settlement/scoreboards/projection.ts';
import { freePort } from '../src/workers/telemetry.ts';
import { insert, random } from './league.ts';
import { saveFigures } from './matchday/run.ts';
import { startProcess } from './stack.ts';

const say = (line: string) => console.log(`[bench:stream] ${line}`);
const base = loadConfigOrExit('bench:stream');
const USERS = Number(process.env.STREAM_USERS ?? 10_000);
const SUBSCRIBERS = Number(process.env.STREAM_SUBSCRIBERS ?? 5000);
const ROUNDS = Number(process.env.STREAM_ROUNDS ?? 30);
const EVERY_MS = Number(process.env.STREAM_EVERY_MS ?? 500);
const POLL_RATE = Number(process.env.STREAM_POLL_RATE ?? 100);
const MOVED_PER_ROUND = 100;
const LIMIT = 10;
const MiB = 1024 * 1024;
const TICKS_PER_SECOND = 100; // Linux USER_HZ

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (values: number[], p: number) => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
/** A process's CPU seconds so far (user + system) and its resident memory, from /proc. */
function usage(pid: number): { cpuSeconds: number; rssBytes: number } {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  const rss = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpuSeconds, rssBytes: Number(rss?.[1] ?? 0) * 1024 };
}

const databaseUrl = new URL(base.DATABASE_URL);
databaseUrl.pathname = '/fulltime_bench_stream';
const url = databaseUrl.toString();
say(
  `recreating ${databaseUrl.pathname.slice(1)}; ${USERS} users, ${SUBSCRIBERS} subscribers, ${ROUNDS} rounds every ${EVERY_MS} ms`,
);
await dropDatabase(url);
await ensureDatabase(url);
await applyMigrations(url);
const db = new pg.Pool({ connectionString: url, max: 4 });
const prisma = createPrisma(url);
const prefix = `fulltime:bench:stream:${randomUUID().slice(0, 8)}:`;
const redis = createRedis(base.REDIS_URL, prefix);
const projection = createScoreboardProjection({ prisma, redis });
const tournamentId = 'stream-cup';
const rng = random(20261204);
const userIds = Array.from({ length: USERS }, (_, i) => `stream-u${String(i).padStart(6, '0')}`);
await db.query(`INSERT INTO tournaments (id, name, scoreboard_version) VALUES ($1, 'Stream cup', 1)`, [tournamentId]);
await insert(
  db,
  'users',
  ['id', 'name'],
  userIds.map((id) => [id, id]),
);
await insert(
  db,
  'user_tournament_totals',
  ['tournament_id', 'user_id', 'points', 'exact_count', 'settled_predictions', 'version'],
  userIds.map((id) => [tournamentId, id, rng.int(0, 30), rng.int(0, 5), 10, 1]),
);
await projection.rebuild(tournamentId);

const port = await freePort();
const api = startProcess('api', 'src/api/server.ts', [], {
  PATH: process.env.PATH,
  NODE_ENV: 'development',
  DATABASE_URL: url,
  REDIS_URL: base.REDIS_URL,
  REDIS_KEY_PREFIX: prefix,
  TEMPORAL_ADDRESS: '127.0.0.1:1', // never reached: the streams and reads need no Temporal
  API_TOKEN: base.API_TOKEN,
  PORT: String(port),
  API_METRICS_ADDRESS: '127.0.0.1:0',
  LOG_LEVEL: 'warn',
  LOG_FORMAT: 'json',
});
const baseUrl = `http://127.0.0.1:${port}`;
for (let i = 0; ; i++) {
  const ok = await fetch(`${baseUrl}/healthz`).then(
    (r) => r.ok,
    () => false,
  );
  if (ok) break;
  if (i > 600) throw new Error('the API did not start');
  await sleep(100);
}
const apiPid = api.child.pid!;
await sleep(2000); // let start-up settle before the baseline memory
const idle = usage(apiPid);

let version = 1;
/** One settlement round: 100 users' totals move, the version with them; then the projection (which publishes). */
async function settleRound(): Promise<{ version: number; committedAt: number }> {
  version += 1;
  const moved = Array.from({ length: MOVED_PER_ROUND }, () => userIds[rng.int(0, USERS - 1)]!);
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `UPDATE user_tournament_totals SET points = points + 1, version = $1 WHERE tournament_id = $2 AND user_id = ANY($3)`,
      [version, tournamentId, moved],
    );
    await client.query(`UPDATE tournaments SET scoreboard_version = $1, scoreboard_changed_at = now() WHERE id = $2`, [
      version,
      tournamentId,
    ]);
    await client.query('COMMIT');
  } finally {
    client.release();
  }
  await projection.project(tournamentId);
  return { version, committedAt: performance.now() + performance.timeOrigin };
}

// ---- live clients ----------------------------------------------------------------------------
const received = new Map<number, number[]>(); // version -> receipt times (epoch ms)
const lastVersion = new Int32Array(SUBSCRIBERS);
const controllers: AbortController[] = [];
let opened = 0;
async function subscribe(i: number): Promise<void> {
  const controller = new AbortController();
  controllers.push(controller);
  const res = await fetch(`${baseUrl}/api/tournaments/${tournamentId}/scoreboard/stream?limit=${LIMIT}`, {
    signal: controller.signal,
  });
  opened += 1;
  const decoder = new TextDecoder();
  let buffer = '';
  (async () => {
    for await (const chunk of res.body!) {
      const at = performance.now() + performance.timeOrigin;
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const id = /^id: (\d+)$/m.exec(block);
        if (!id) continue;
        const v = Number(id[1]);
        lastVersion[i] = v;
        const list = received.get(v);
        if (list) list.push(at);
        else received.set(v, [at]);
      }
    }
  })().catch(() => {}); // aborted at the end
}
say(`connecting ${SUBSCRIBERS} subscribers`);
for (let i = 0; i < SUBSCRIBERS; i += 250) {
  await Promise.all(Array.from({ length: Math.min(250, SUBSCRIBERS - i) }, (_, k) => subscribe(i + k)));
}
for (let waited = 0; lastVersion.some((v) => v < 1); waited += 100) {
  if (waited > 60_000) throw new Error(`only ${lastVersion.filter((v) => v >= 1).length} subscribers got the board`);
  await sleep(100);
}
await sleep(1000);
const connected = usage(apiPid);
say(
  `${opened} subscribers connected, each with the board at version 1; API RSS ${(connected.rssBytes / MiB).toFixed(0)} MiB`,
);

async function burst(): Promise<{
  commits: { version: number; committedAt: number }[];
  seconds: number;
  cpuSeconds: number;
}> {
  const before = usage(apiPid).cpuSeconds;
  const started = performance.now();
  const commits = [];
  for (let round = 0; round < ROUNDS; round++) {
    const due = started + round * EVERY_MS;
    if (performance.now() < due) await sleep(due - performance.now());
    commits.push(await settleRound());
  }
  const seconds = (performance.now() - started) / 1000;
  return { commits, seconds, cpuSeconds: usage(apiPid).cpuSeconds - before };
}

const live = await burst();
const finalVersion = live.commits.at(-1)!.version;
for (let waited = 0; lastVersion.some((v) => v < finalVersion); waited += 100) {
  if (waited > 30_000) break;
  await sleep(100);
}
const behind = lastVersion.filter((v) => v < finalVersion).length;
const delays: number[] = [];
for (const { version: v, committedAt } of live.commits)
  for (const at of received.get(v) ?? []) delays.push(at - committedAt);
const delivered = live.commits.reduce((n, c) => n + (received.get(c.version)?.length ?? 0), 0);
for (const c of controllers) c.abort();
await sleep(2000);

// ---- the same readers polling -------------------------------------------------------------------
say(`the same burst with readers polling at ${POLL_RATE}/s instead`);
let polling = true;
let polled = 0;
let pollErrors = 0;
const poller = (async () => {
  const started = performance.now();
  for (let n = 0; polling; n++) {
    const due = started + (n * 1000) / POLL_RATE;
    if (performance.now() < due) await sleep(due - performance.now());
    fetch(`${baseUrl}/api/tournaments/${tournamentId}/scoreboard?limit=${LIMIT}`).then(
      async (r) => {
        await r.arrayBuffer();
        if (r.ok) polled += 1;
        else pollErrors += 1;
      },
      () => (pollErrors += 1),
    );
  }
})();
const polls = await burst();
polling = false;
await poller;

api.child.kill('SIGTERM');
await new Promise((resolve) => api.child.once('exit', resolve));
await db.end();
await prisma.$disconnect();
redis.disconnect();
await deleteKeysUnder(base.REDIS_URL, prefix);

const ms = (v: number | null) => (v === null ? null : Math.round(v));
const figures = {
  machine: { cores: (await import('node:os')).cpus().length, node: process.versions.node },
  size: {
    users: USERS,
    subscribers: SUBSCRIBERS,
    rounds: ROUNDS,
    everyMs: EVERY_MS,
    limit: LIMIT,
    pollRate: POLL_RATE,
  },
  memory: {
    apiRssIdleMiB: Number((idle.rssBytes / MiB).toFixed(1)),
    apiRssConnectedMiB: Number((connected.rssBytes / MiB).toFixed(1)),
    perSubscriberKiB: Number(((connected.rssBytes - idle.rssBytes) / SUBSCRIBERS / 1024).toFixed(1)),
  },
  delay: {
    p50Ms: ms(percentile(delays, 50)),
    p99Ms: ms(percentile(delays, 99)),
    maxMs: ms(percentile(delays, 100)),
    delivered,
    expected: ROUNDS * SUBSCRIBERS,
    subscribersBehindAtEnd: behind,
  },
  cpu: {
    streamingCoresUsed: Number((live.cpuSeconds / live.seconds).toFixed(3)),
    pollingCoresUsed: Number((polls.cpuSeconds / polls.seconds).toFixed(3)),
    polled,
    pollErrors,
  },
};
console.log('');
console.log(
  `  subscribers                      ${SUBSCRIBERS} on one API process (board of ${USERS} users, top ${LIMIT})`,
);
console.log(
  `  memory per subscriber            ${figures.memory.perSubscriberKiB} KiB (RSS ${figures.memory.apiRssIdleMiB} -> ${figures.memory.apiRssConnectedMiB} MiB)`,
);
console.log(
  `  projection commit -> client      p50 ${figures.delay.p50Ms} ms, p99 ${figures.delay.p99Ms} ms, max ${figures.delay.maxMs} ms (target p99 <= 1000)`,
);
console.log(
  `  events delivered                 ${delivered} of ${ROUNDS * SUBSCRIBERS} (versions coalesced when a client lagged); ${behind} behind at the end`,
);
console.log(`  API CPU, streaming               ${figures.cpu.streamingCoresUsed} cores over the burst`);
console.log(
  `  API CPU, polling ${POLL_RATE}/s          ${figures.cpu.pollingCoresUsed} cores (${polled} reads, ${pollErrors} errors)`,
);
const out = path.join(projectRoot, 'bench', 'results', 'stream.json');
saveFigures(out, figures);
say(`saved to ${path.relative(projectRoot, out)}`);
if ((figures.delay.p99Ms ?? Infinity) > 1000 || behind > 0) process.exitCode = 1;
