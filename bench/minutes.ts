// `npm run bench:minutes` against a running stack (`npm run dev` in another terminal).
//   1. API latency of substitution writes at a fixed 100 requests/s for 30 s (autocannon, corrected
//      for coordinated omission).
//   2. Trigger-to-fresh-report latency: from sending a write to the report showing its minutes.
//   3. Drain: 1,000 edits over 100 games, until every report is fresh and right.
//   4. Ceiling: how many no-op workflows (pingWorkflow) per second the server completes, start to
//      close, and the same for recalculations started the same way (same client, worker and
//      concurrency); the recalculation rate as a ratio of that ceiling.
//   5. Telemetry off and on: write p99 and recalculations per second through an API and workers of
//      its own, without tracing and unscraped, then with traces exported over OTLP and every metrics
//      page scraped each second.
// Settings: API_URL (default http://127.0.0.1:$PORT), API_TOKEN, BENCH_RATE, BENCH_SECONDS.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import pg from 'pg';
import type { Client } from '@temporalio/client';
import { loadConfigOrExit } from '../src/config.ts';
import { applyMigrations, dropDatabase, ensureDatabase } from '../src/db/migrate.ts';
import { recalculationStart } from '../src/services/minutes/recalculation.ts';
import { RequestedBy, Triggers } from '../src/contracts/common.ts';
import { createTemporalClient } from '../src/temporal/connection.ts';
import { startWorkflowOnce, workflowStart, type AnyWorkflowStart } from '../src/temporal/start-workflow.ts';
import { startBenchStack, startBenchTemporal } from './stack.ts';

const config = loadConfigOrExit('bench');
const baseUrl = process.env.API_URL ?? `http://127.0.0.1:${config.PORT}`;
const token = config.API_TOKEN;
const rate = Number(process.env.BENCH_RATE ?? 100);
const seconds = Number(process.env.BENCH_SECONDS ?? 30);
const GAMES = 100;
const EDITS_PER_GAME = 10;
const CEILING_WORKFLOWS = Number(process.env.BENCH_CEILING_WORKFLOWS ?? 1000);
const CEILING_CONCURRENCY = Number(process.env.BENCH_CEILING_CONCURRENCY ?? 50);

async function call<T = any>(method: string, path: string, body?: unknown, base = baseUrl): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path} -> ${res.status} ${JSON.stringify(json)}`);
  return json as T;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
const ms = (n: number) => `${n.toFixed(1)} ms`;

interface BenchGame {
  id: string;
  starterOut: string;
  benchIn: string;
  substitutionId: string;
  lineup: { playerId: string; starter: boolean }[];
}

/** 100 games of 11 starters and 5 substitutes, each with one substitution to edit. */
async function createGames(base = baseUrl, count = GAMES): Promise<BenchGame[]> {
  const players = await Promise.all(
    Array.from({ length: 16 }, (_, i) =>
      call<{ id: string }>('POST', '/api/players', { name: `Bench player ${i + 1}` }, base),
    ),
  );
  const lineup = players.map((p, i) => ({ playerId: p.id, starter: i < 11 }));
  const games: BenchGame[] = [];
  for (let start = 0; start < count; start += 20) {
    games.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(20, count - start) }, async () => {
          const game = await call<{ id: string }>(
            'POST',
            '/api/games',
            {
              homeTeam: 'Bench FC',
              awayTeam: 'Load United',
              kickoffAt: new Date().toISOString(),
              lineup,
            },
            base,
          );
          const sub = await call<{ substitution: { id: string } }>(
            'POST',
            `/api/games/${game.id}/substitutions`,
            {
              minute: 45,
              playerOutId: lineup[0]!.playerId,
              playerInId: lineup[11]!.playerId,
            },
            base,
          );
          return {
            id: game.id,
            starterOut: lineup[0]!.playerId,
            benchIn: lineup[11]!.playerId,
            substitutionId: sub.substitution.id,
            lineup,
          };
        }),
      )),
    );
  }
  return games;
}

/** The report is fresh and shows the substitution at `minute`. */
function isFreshAndRight(report: any, game: BenchGame, minute: number): boolean {
  if (report.status !== 'calculated' || report.calculatedVersion !== report.eventsVersion) return false;
  const expected = new Map(game.lineup.map((p) => [p.playerId, p.starter ? 90 : 0]));
  expected.set(game.starterOut, minute);
  expected.set(game.benchIn, 90 - minute);
  return report.players.every((p: any) => p.minutesPlayed === expected.get(p.playerId));
}

async function waitFresh(game: BenchGame, minute: number, timeoutMs = 60_000, base = baseUrl): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (isFreshAndRight(await call('GET', `/api/games/${game.id}/report`, undefined, base), game, minute)) return;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`report of ${game.id} not fresh within ${timeoutMs} ms`);
}

async function writeLatency(games: BenchGame[], base = baseUrl, duration = seconds) {
  let i = 0;
  const result = await autocannon({
    url: base,
    connections: 20,
    overallRate: rate,
    duration,
    requests: [
      {
        method: 'PUT',
        setupRequest: (req: any) => {
          const game = games[i++ % games.length]!;
          return {
            ...req,
            path: `/api/games/${game.id}/substitutions/${game.substitutionId}`,
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${token}`,
              'idempotency-key': randomUUID(),
            },
            body: JSON.stringify({ minute: 1 + (i % 89) }),
          };
        },
      },
    ],
  });
  return result;
}

async function triggerToFresh(games: BenchGame[], samples = 100): Promise<number[]> {
  const latencies: number[] = [];
  for (let s = 0; s < samples; s++) {
    const game = games[s % games.length]!;
    const minute = 1 + ((s * 37) % 89);
    const started = performance.now();
    await call('PUT', `/api/games/${game.id}/substitutions/${game.substitutionId}`, { minute });
    await waitFresh(game, minute);
    latencies.push(performance.now() - started);
  }
  return latencies;
}

async function drain(games: BenchGame[], base = baseUrl) {
  const finalMinute = new Map<string, number>();
  const started = performance.now();
  // Each game's edits go one after another (so its last edit is known); the 100 games run in parallel.
  await Promise.all(
    games.map(async (game, g) => {
      for (let e = 0; e < EDITS_PER_GAME; e++) {
        const minute = 1 + ((g * 13 + e * 29) % 89);
        await call('PUT', `/api/games/${game.id}/substitutions/${game.substitutionId}`, { minute }, base);
        finalMinute.set(game.id, minute);
      }
    }),
  );
  const writesDone = performance.now();
  await Promise.all(games.map((game) => waitFresh(game, finalMinute.get(game.id)!, 120_000, base)));
  return { writesMs: writesDone - started, totalMs: performance.now() - started };
}

/**
 * Runs `count` workflows, `CEILING_CONCURRENCY` at a time (start, then wait for the result), and
 * returns how many closed per second, first start to last close.
 */
async function workflowsPerSecond(
  client: Client,
  count: number,
  startOf: (i: number) => Promise<AnyWorkflowStart>,
): Promise<{ perSecond: number; ms: number }> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CEILING_CONCURRENCY }, async () => {
      for (let i = next++; i < count; i = next++) {
        const outcome = await startWorkflowOnce(client, await startOf(i));
        if (outcome.outcome !== 'started') throw new Error(`workflow ${i} was already started`);
        await outcome.handle.result();
      }
    }),
  );
  const ms = performance.now() - started;
  return { perSecond: (count / ms) * 1000, ms };
}

/** Waits until no workflow of the bench's kinds is running (each phase starts on an idle server); returns the wait. */
async function waitIdle(address = config.TEMPORAL_ADDRESS): Promise<number> {
  const temporal = createTemporalClient({ ...config, temporalConnection: { ...config.temporalConnection, address } });
  const started = performance.now();
  try {
    for (;;) {
      const { count } = await temporal.workflow.count(
        "WorkflowType IN ('recalculateMinutesWorkflow', 'pingWorkflow') AND ExecutionStatus = 'Running'",
      );
      if (count === 0) return performance.now() - started;
      if (performance.now() - started > 600_000) throw new Error(`${count} workflows still running after 10 minutes`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await temporal.connection.close();
  }
}

async function ceiling(games: BenchGame[]) {
  const client = createTemporalClient(config);
  const db = new pg.Pool({ connectionString: config.DATABASE_URL, max: 10 });
  const run = randomUUID().slice(0, 8);
  const pingRun = (round: number) =>
    workflowsPerSecond(client, CEILING_WORKFLOWS, async (i) =>
      workflowStart('pingWorkflow', {
        workflowId: `bench-ping:${run}:${round}:${i}`,
        taskQueue: config.taskQueues.minutes,
        args: ['pong'],
        searchAttributes: { trigger: Triggers.backfill, requestId: `bench-ping:${run}:${round}:${i}` },
        memo: { requestedBy: RequestedBy.system },
      }),
    );
  try {
    // No-op runs before and after the recalculations, so drift in the server shows.
    const pingsBefore = await pingRun(1);
    // Each recalculation does real work: its game's events version is bumped first, as a write does
    // (with 50 in flight over 100 games, two runs of one game overlap only if one falls 50 places behind).
    const recalculations = await workflowsPerSecond(client, CEILING_WORKFLOWS, async (i) => {
      const game = games[i % games.length]!;
      const { rows } = await db.query<{ v: number }>(
        'UPDATE games SET events_version = events_version + 1 WHERE id = $1 RETURNING events_version AS v',
        [game.id],
      );
      return recalculationStart({
        requestId: `bench-recalc:${run}:${i}`,
        requestedBy: RequestedBy.system,
        gameId: game.id,
        trigger: Triggers.backfill,
        eventsVersion: rows[0]!.v,
        taskQueue: config.taskQueues.minutes,
      });
    });
    const pingsAfter = await pingRun(2);
    return {
      pingsBefore,
      recalculations,
      pingsAfter,
      noopPerSecond: (pingsBefore.perSecond + pingsAfter.perSecond) / 2,
    };
  } finally {
    await client.connection.close();
    await db.end();
  }
}

const TELEMETRY_SECONDS = Number(process.env.BENCH_TELEMETRY_SECONDS ?? 20);

/** An OTLP/HTTP receiver that accepts and drops traces, counting the requests (a collector's cost is not ours). */
async function otlpSink(): Promise<{ url: string; requests: () => number; close(): Promise<void> }> {
  let requests = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * Write p99 and recalculations per second through a fresh API and workers with telemetry off (no
 * exporter, nobody scraping) and on (OTLP traces to a local receiver, every metrics page scraped each
 * second, as Prometheus would), twice each, alternating, so drift in the machine shows.
 */
async function telemetryCost() {
  const sink = await otlpSink();
  // A Temporal dev server of its own on a fresh file: the one of `npm run dev` slows as its SQLite
  // file grows, which would drift between the runs.
  const server = await startBenchTemporal();
  // A database of its own too (recreated), so the phase needs nothing of the running stack.
  const databaseUrl = new URL(config.DATABASE_URL);
  databaseUrl.pathname = '/fulltime_bench_telemetry';
  await dropDatabase(databaseUrl.toString());
  await ensureDatabase(databaseUrl.toString());
  await applyMigrations(databaseUrl.toString());
  const stackConfig: typeof config = {
    ...config,
    DATABASE_URL: databaseUrl.toString(),
    TEMPORAL_ADDRESS: server.address,
    temporalConnection: { ...config.temporalConnection, address: server.address },
  };
  const results: Record<'off' | 'on', { writeP99Ms: number; writeP50Ms: number; recalculationsPerSecond: number }[]> = {
    off: [],
    on: [],
  };
  let scrapes = 0;
  try {
    for (const mode of ['off', 'on', 'off', 'on'] as const) {
      const stack = await startBenchStack(stackConfig, mode === 'on' ? { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url } : {});
      const scraper =
        mode === 'on'
          ? setInterval(() => {
              for (const address of [stack.apiMetrics, ...stack.workerMetrics])
                void fetch(`http://${address}/metrics`)
                  .then((r) => r.text())
                  .then(
                    () => scrapes++,
                    () => {},
                  );
            }, 1000)
          : undefined;
      try {
        await waitUntilReady(stack.baseUrl);
        const games = await createGames(stack.baseUrl);
        await Promise.all(games.map((g) => waitFresh(g, 45, 60_000, stack.baseUrl)));
        const load = await writeLatency(games, stack.baseUrl, TELEMETRY_SECONDS);
        await waitIdle(server.address);
        const drained = await drain(games, stack.baseUrl);
        // Superseded recalculations may still be queued: let them close before this stack stops,
        // or they wait on its task queue for good and the next mode's waitIdle with them.
        await waitIdle(server.address);
        results[mode].push({
          writeP50Ms: load.latency.p50,
          writeP99Ms: load.latency.p99,
          recalculationsPerSecond: (GAMES * EDITS_PER_GAME) / (drained.totalMs / 1000),
        });
        console.log(
          `[bench:minutes]     ${mode}: write p99 ${ms(load.latency.p99)}, ${((GAMES * EDITS_PER_GAME) / (drained.totalMs / 1000)).toFixed(1)} recalculations/s`,
        );
      } finally {
        clearInterval(scraper);
        await stack.stop();
      }
    }
  } finally {
    await sink.close();
    await server.teardown();
  }
  return { ...results, otlpRequests: sink.requests(), scrapes };
}

async function waitUntilReady(base: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${base} did not come up`);
}

/** BENCH_PHASES picks phases (`5` for the telemetry comparison alone); all five by default. */
const phases = new Set((process.env.BENCH_PHASES ?? '1,2,3,4,5').split(',').map(Number));
const skipped = { requests: { total: 0 }, non2xx: 0, errors: 0, timeouts: 0, latency: { p50: 0, p99: 0, max: 0 } };

console.log(`[bench:minutes] ${baseUrl}: creating ${GAMES} games`);
const games = phases.has(1) || phases.has(2) || phases.has(3) || phases.has(4) ? await createGames() : [];
await Promise.all(games.map((g) => waitFresh(g, 45)));

console.log(`[bench:minutes] 1/5 substitution writes at ${rate}/s for ${seconds} s`);
const load = phases.has(1)
  ? await writeLatency(games)
  : (skipped as unknown as Awaited<ReturnType<typeof writeLatency>>);
console.log(`[bench:minutes]     waiting for the ${load.requests.total} recalculation workflows to close`);
const backlogMs = phases.has(1) ? await waitIdle() : 0;

console.log('[bench:minutes] 2/5 trigger-to-fresh-report latency (100 sequential edits)');
const fresh = phases.has(2) ? await triggerToFresh(games) : [0];

console.log(`[bench:minutes] 3/5 ${GAMES * EDITS_PER_GAME} edits over ${GAMES} games, drained`);
const drained = phases.has(3) ? await drain(games) : { writesMs: 0, totalMs: 0 };
if (phases.has(3)) await waitIdle();

console.log(
  `[bench:minutes] 4/5 ceiling: ${CEILING_WORKFLOWS} no-op workflows, ${CEILING_WORKFLOWS} recalculations, ${CEILING_WORKFLOWS} no-op again, ${CEILING_CONCURRENCY} at a time`,
);
const limits = phases.has(4)
  ? await ceiling(games)
  : { pingsBefore: { perSecond: 0 }, pingsAfter: { perSecond: 0 }, recalculations: { perSecond: 0 }, noopPerSecond: 1 };

console.log(
  '[bench:minutes] 5/5 telemetry off and on: the same writes and drain through a fresh API and workers each time, off, on, off, on',
);
const telemetry = phases.has(5) ? await telemetryCost() : { off: [], on: [], otlpRequests: 0, scrapes: 0 };

const summary = {
  date: new Date().toISOString(),
  telemetry,
  writes: {
    targetRate: rate,
    seconds,
    requests: load.requests.total,
    non2xx: load.non2xx,
    errors: load.errors,
    timeouts: load.timeouts,
    p50Ms: load.latency.p50,
    p99Ms: load.latency.p99,
    maxMs: load.latency.max,
    recalculationBacklogDrainedMs: Math.round(backlogMs),
  },
  triggerToFresh: {
    samples: fresh.length,
    p50Ms: percentile(fresh, 50),
    p99Ms: percentile(fresh, 99),
    maxMs: Math.max(...fresh),
  },
  drain: {
    edits: GAMES * EDITS_PER_GAME,
    games: GAMES,
    writesMs: Math.round(drained.writesMs),
    allFreshAndRightMs: Math.round(drained.totalMs),
  },
  ceiling: {
    workflows: CEILING_WORKFLOWS,
    concurrency: CEILING_CONCURRENCY,
    noopPerSecond: Number(limits.noopPerSecond.toFixed(1)),
    noopRunsPerSecond: [
      Number(limits.pingsBefore.perSecond.toFixed(1)),
      Number(limits.pingsAfter.perSecond.toFixed(1)),
    ],
    recalculationsPerSecond: Number(limits.recalculations.perSecond.toFixed(1)),
    /** Recalculations of the write phase, closed per second (the 30 s of load plus the backlog). */
    writePhaseRecalculationsPerSecond: Number((load.requests.total / (seconds + backlogMs / 1000)).toFixed(1)),
    ratio: Number((limits.recalculations.perSecond / limits.noopPerSecond).toFixed(2)),
  },
};
console.log(`
substitution writes @ ${rate}/s for ${seconds} s: ${summary.writes.requests} requests, ${summary.writes.non2xx} non-2xx, ${summary.writes.errors} errors
  latency p50 ${ms(summary.writes.p50Ms)}, p99 ${ms(summary.writes.p99Ms)}, max ${ms(summary.writes.maxMs)}
  every recalculation workflow of the load closed ${summary.writes.recalculationBacklogDrainedMs} ms after the load ended
trigger -> fresh report (${fresh.length} samples): p50 ${ms(summary.triggerToFresh.p50Ms)}, p99 ${ms(summary.triggerToFresh.p99Ms)}, max ${ms(summary.triggerToFresh.maxMs)}
${summary.drain.edits} edits over ${summary.drain.games} games: writes done in ${summary.drain.writesMs} ms, every report fresh and right after ${summary.drain.allFreshAndRightMs} ms
ceiling (${CEILING_WORKFLOWS} workflows, ${CEILING_CONCURRENCY} at a time, start to close): no-op ${summary.ceiling.noopPerSecond}/s (runs before/after: ${summary.ceiling.noopRunsPerSecond.join(' / ')}), recalculation ${summary.ceiling.recalculationsPerSecond}/s = ${summary.ceiling.ratio} of the ceiling
  (write phase through the API: ${summary.ceiling.writePhaseRecalculationsPerSecond} recalculations closed per second)
`);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(`telemetry (writes at ${rate}/s for ${TELEMETRY_SECONDS} s, then ${GAMES * EDITS_PER_GAME} edits drained; each mode twice, alternating):
  off: write p99 ${telemetry.off.map((r) => ms(r.writeP99Ms)).join(' / ')}, recalculations ${telemetry.off.map((r) => r.recalculationsPerSecond.toFixed(1)).join(' / ')}/s
  on:  write p99 ${telemetry.on.map((r) => ms(r.writeP99Ms)).join(' / ')}, recalculations ${telemetry.on.map((r) => r.recalculationsPerSecond.toFixed(1)).join(' / ')}/s, ${telemetry.otlpRequests} OTLP export requests, ${telemetry.scrapes} scrapes
  on/off: write p99 x${(mean(telemetry.on.map((r) => r.writeP99Ms)) / mean(telemetry.off.map((r) => r.writeP99Ms))).toFixed(2)}, recalculations x${(mean(telemetry.on.map((r) => r.recalculationsPerSecond)) / mean(telemetry.off.map((r) => r.recalculationsPerSecond))).toFixed(2)}
`);
console.log(JSON.stringify(summary));
