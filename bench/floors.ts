// `npm run bench:floors`: two hot paths against their floors, side by side in one run, self-contained
// (its own database fulltime_bench_floors, recreated; its own Temporal dev server on a fresh SQLite file; the API
// and one worker process per task queue as production runs them).
//   1. Writes at BENCH_RATE (100)/s for BENCH_SECONDS (20) s, PUT of a substitution: through the API,
//      and the same durable transaction with bare pg behind node:http (bench/floor-server.ts),
//      alternating API, floor, API, floor so drift shows. Latency from autocannon (coordinated
//      omission corrected), p50 and p99, and the ratio of the p99s.
//   2. Trigger to fresh report, 100 sequential edits through the API (send the write, poll the report
//      until it shows the write), against the no-op workflow's own start-to-result (pingWorkflow, 100
//      sequential, started and awaited by a client the way the API starts workflows), and the same no-op
//      with an in-process worker, eager workflow start off and on.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import autocannon from 'autocannon';
import { loadConfigOrExit, type Config } from '../src/config.ts';
import { applyMigrations, dropDatabase, ensureDatabase } from '../src/db/migrate.ts';
import { projectRoot } from '../src/paths.ts';
import { workerTracingOptions } from '../src/workers/telemetry.ts';
import { workflowBundle } from '../src/workers/workflow-bundle.ts';
import { createLogger } from '../src/logger.ts';
import { startBenchStack, startBenchTemporal } from './stack.ts';

const rate = Number(process.env.BENCH_RATE ?? 100);
const seconds = Number(process.env.BENCH_SECONDS ?? 20);
const say = (line: string) => console.log(`[bench:floors] ${line}`);
const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)]!;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const base = loadConfigOrExit('bench:floors');
const databaseUrl = new URL(base.DATABASE_URL);
databaseUrl.pathname = '/fulltime_bench_floors';
await dropDatabase(databaseUrl.toString());
await ensureDatabase(databaseUrl.toString());
await applyMigrations(databaseUrl.toString());
const server = await startBenchTemporal();
const config: Config = {
  ...base,
  DATABASE_URL: databaseUrl.toString(),
  REDIS_KEY_PREFIX: `fulltime:bench:floors:${randomUUID().slice(0, 8)}:`,
  TEMPORAL_ADDRESS: server.address,
  temporalConnection: { ...base.temporalConnection, address: server.address },
};
const stack = await startBenchStack(config);
const headers = { 'content-type': 'application/json', authorization: `Bearer ${config.API_TOKEN}` };
async function call(method: string, url: string, body?: unknown): Promise<any> {
  const res = await fetch(`${stack.baseUrl}${url}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${url} -> ${res.status} ${JSON.stringify(json)}`);
  return json;
}

// 100 games of 11 starters and 5 substitutes, each with one substitution to edit.
const players = await Promise.all(
  Array.from({ length: 16 }, (_, i) => call('POST', '/api/players', { name: `Floor player ${i}` })),
);
const lineup = players.map((p, i) => ({ playerId: p.id as string, starter: i < 11 }));
const games: { id: string; substitutionId: string }[] = [];
for (let i = 0; i < 100; i++) {
  const game = await call('POST', '/api/games', {
    homeTeam: 'Floor FC',
    awayTeam: 'Ceiling United',
    kickoffAt: new Date().toISOString(),
    lineup,
  });
  const sub = await call('POST', `/api/games/${game.id}/substitutions`, {
    minute: 45,
    playerOutId: lineup[0]!.playerId,
    playerInId: lineup[11]!.playerId,
  });
  games.push({ id: game.id, substitutionId: sub.substitution.id });
}
await quiet();

const floor = spawn(
  path.join(projectRoot, 'node_modules/.bin/tsx'),
  [path.join(projectRoot, 'bench/floor-server.ts'), config.DATABASE_URL],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const floorPort = await new Promise<number>((resolve) =>
  floor.stdout!.once('data', (chunk: Buffer) => resolve((JSON.parse(chunk.toString()) as { port: number }).port)),
);

async function load(url: string, pathOf: (game: { id: string; substitutionId: string }) => string) {
  let i = 0;
  const result = await autocannon({
    url,
    connections: 20,
    overallRate: rate,
    duration: seconds,
    requests: [
      {
        method: 'PUT',
        setupRequest: (req: any) => {
          const game = games[i++ % games.length]!;
          return {
            ...req,
            path: pathOf(game),
            headers: { ...headers, 'idempotency-key': randomUUID() },
            body: JSON.stringify({ minute: 1 + (i % 89) }),
          };
        },
      },
    ],
  });
  return {
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}

const writes: Record<'api' | 'floor', Awaited<ReturnType<typeof load>>[]> = { api: [], floor: [] };
for (const mode of ['api', 'floor', 'api', 'floor'] as const) {
  say(`writes at ${rate}/s for ${seconds} s: ${mode}`);
  const result =
    mode === 'api'
      ? await load(stack.baseUrl, (g) => `/api/games/${g.id}/substitutions/${g.substitutionId}`)
      : await load(`http://127.0.0.1:${floorPort}`, (g) => `/floor/${g.id}/substitutions/${g.substitutionId}`);
  writes[mode].push(result);
  say(`  ${mode}: p50 ${result.p50} ms, p99 ${result.p99} ms (${result.requests} requests, ${result.non2xx} non-2xx)`);
  await quiet();
}
floor.kill('SIGTERM');

// Trigger to fresh report: each edit, then the report polled until it shows the edit's minute.
const fresh: number[] = [];
for (let s = 0; s < 100; s++) {
  const game = games[s % games.length]!;
  const minute = 1 + ((s * 37) % 89);
  const started = performance.now();
  await call('PUT', `/api/games/${game.id}/substitutions/${game.substitutionId}`, { minute });
  for (;;) {
    const report = await call('GET', `/api/games/${game.id}/report`);
    if (
      report.status === 'calculated' &&
      report.calculatedVersion === report.eventsVersion &&
      report.players.some((p: any) => p.playerId === lineup[0]!.playerId && p.minutesPlayed === minute)
    )
      break;
    await sleep(2);
  }
  fresh.push(performance.now() - started);
}

/** 100 sequential no-op workflows, start to result; `eager` asks the server to hand the first task to the starter's own worker. */
async function pings(client: Client, taskQueue: string, eager: boolean): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < 100; i++) {
    const started = performance.now();
    await client.workflow.execute('pingWorkflow', {
      taskQueue,
      workflowId: `floor-ping:${randomUUID()}`,
      args: ['pong'],
      requestEagerStart: eager,
    });
    times.push(performance.now() - started);
  }
  return times;
}
const remote = new Client({ connection: server.connection, namespace: config.TEMPORAL_NAMESPACE });
const remotePings = await pings(remote, stack.queues.minutes, false);
// A worker in this process, and a client on its native connection: what eager start needs.
const native = await NativeConnection.connect({ address: server.address });
const localQueue = `floor-local-${randomUUID().slice(0, 8)}`;
const worker = await Worker.create({
  connection: native,
  namespace: config.TEMPORAL_NAMESPACE,
  taskQueue: localQueue,
  workflowBundle: await workflowBundle(createLogger('bench', 'warn', 'json'), { traced: false }),
  ...workerTracingOptions({ enabled: false, spanProcessor: null, resource: null }),
});
const running = worker.run();
const local = new Client({ connection: native, namespace: config.TEMPORAL_NAMESPACE });
const lazy = await pings(local, localQueue, false);
const eager = await pings(local, localQueue, true);
worker.shutdown();
await running;
await native.close();

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const p = (xs: number[]) => `p50 ${percentile(xs, 50).toFixed(1)} ms, p99 ${percentile(xs, 99).toFixed(1)} ms`;
const summary = {
  date: new Date().toISOString(),
  writes: {
    rate,
    seconds,
    api: writes.api,
    floor: writes.floor,
    p99Ratio: Number((mean(writes.api.map((w) => w.p99)) / mean(writes.floor.map((w) => w.p99))).toFixed(2)),
  },
  triggerToFresh: { p50Ms: percentile(fresh, 50), p99Ms: percentile(fresh, 99) },
  noop: {
    remoteWorker: { p50Ms: percentile(remotePings, 50), p99Ms: percentile(remotePings, 99) },
    inProcessWorker: { p50Ms: percentile(lazy, 50), p99Ms: percentile(lazy, 99) },
    inProcessEager: { p50Ms: percentile(eager, 50), p99Ms: percentile(eager, 99) },
  },
};
console.log(`
writes at ${rate}/s for ${seconds} s (each twice, alternating):
  API (express, Prisma, logging, the Temporal start after commit):  p99 ${writes.api.map((w) => `${w.p99} ms`).join(' / ')}, p50 ${writes.api.map((w) => `${w.p50} ms`).join(' / ')}
  floor (the same transaction, bare pg, node:http):                  p99 ${writes.floor.map((w) => `${w.p99} ms`).join(' / ')}, p50 ${writes.floor.map((w) => `${w.p50} ms`).join(' / ')}
  API / floor, p99: x${summary.writes.p99Ratio}
trigger to fresh report (100 sequential edits): ${p(fresh)}
no-op workflow, start to result (100 sequential):
  a worker process of its own (as the API starts runs):  ${p(remotePings)}
  a worker in the starter's process, eager start off:    ${p(lazy)}
  the same, eager start on:                              ${p(eager)}
  trigger to fresh p99 / no-op p99: x${(percentile(fresh, 99) / percentile(remotePings, 99)).toFixed(2)}
`);
console.log(JSON.stringify(summary));
await stack.stop();
await server.teardown();

/** Until no workflow runs and no outbox row waits. */
async function quiet(): Promise<void> {
  for (;;) {
    const { count } = await server.client.workflow.count(
      "ExecutionStatus = 'Running' AND WorkflowType != 'statsCoordinatorWorkflow'",
    );
    if (count === 0) return;
    await sleep(250);
  }
}
