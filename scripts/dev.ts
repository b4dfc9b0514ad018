// `npm run dev` (after scripts/setup.mjs): checks PostgreSQL and Redis, migrates, starts a Temporal dev
// server persisted under .data/ (unless one already answers at TEMPORAL_ADDRESS), the worker and the
// API, seeds demo data, and prints the URLs. Ctrl-C stops every process it started.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Redis } from 'ioredis';
import { ConfigError, loadConfig, loadDotEnv, type Config } from '../src/config.ts';
import { migrateDatabase } from '../src/db/migrate.ts';
import { createPrisma } from '../src/db/client.ts';
import { seedFailedJob } from '../src/demo/failed-job.ts';
import { seedDemoData } from '../src/demo/seed.ts';
import { scheduleRegistry } from '../src/services/schedules/registry.ts';
import { syncSchedules } from '../src/services/schedules/sync.ts';
import { devServerSqliteArgs, devServerPriorityArgs, projectRoot, temporalCliPath } from '../src/temporal/binaries.ts';
import { registerSearchAttributes, searchAttributeKeys } from '../src/temporal/register-search-attributes.ts';

const say = (line: string) => console.log(`[dev] ${line}`);
const children: { name: string; child: ChildProcess }[] = [];
/** Callbacks that watch children's output lines, for waiting on what a process has printed. */
const lineWatchers = new Set<(name: string, line: string) => void>();
let stopping = false;

function fail(message: string): never {
  console.error(`[dev] ${message}`);
  stopAll(1);
  throw new Error(message);
}

/** Stops every child (reverse start order), then exits with `code`. */
function stopAll(code: number): void {
  if (stopping) return;
  stopping = true;
  const running = children.filter(({ child }) => child.exitCode === null && child.signalCode === null);
  if (running.length > 0) say(`stopping ${running.map((c) => c.name).join(', ')}`);
  // Reverse start order: API and worker drain before Temporal goes away.
  for (const { child } of [...running].reverse()) child.kill('SIGTERM');
  const exited = running.map(
    ({ child }) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      }),
  );
  Promise.all(exited).then(
    () => process.exit(code),
    () => process.exit(code),
  );
}

/** Starts a child process whose output lines are prefixed with its name. */
function startChild(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(command, args, { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = (stream: NodeJS.ReadableStream, out: NodeJS.WriteStream) => {
    let buffer = '';
    stream.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        out.write(`[${name}] ${line}\n`);
        for (const watch of lineWatchers) watch(name, line);
      }
    });
  };
  prefix(child.stdout!, process.stdout);
  prefix(child.stderr!, process.stderr);
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`[dev] ${name} exited unexpectedly (${signal ?? `code ${code}`}); stopping the stack`);
      stopAll(1);
    }
  });
  children.push({ name, child });
  return child;
}

/** Resolves once child `name` prints a line containing `text`. */
function waitForLine(name: string, text: string): Promise<void> {
  return new Promise((resolve) => {
    const watch = (from: string, line: string) => {
      if (from !== name || !line.includes(text)) return;
      lineWatchers.delete(watch);
      resolve();
    };
    lineWatchers.add(watch);
  });
}

async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (stopping) throw new Error('stopping');
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  fail(`${what} did not come up within ${timeoutMs / 1000} s`);
}

async function temporalAnswers(config: Config): Promise<boolean> {
  const namespace = config.TEMPORAL_NAMESPACE;
  try {
    const connection = await Connection.connect({ ...config.temporalConnection, connectTimeout: '1s' });
    try {
      await connection.withDeadline(Date.now() + 2000, () =>
        connection.workflowService.describeNamespace({ namespace }),
      );
      return true;
    } finally {
      await connection.close();
    }
  } catch {
    return false;
  }
}

process.on('SIGINT', () => stopAll(0));
// A step that throws ends this script: never leave the processes it started behind.
process.on('exit', () => {
  for (const { child } of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
});
process.on('SIGTERM', () => stopAll(0));

loadDotEnv();
let loaded;
try {
  loaded = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) fail(err.message);
  throw err;
}
const { config, devDefaultsUsed } = loaded;
if (devDefaultsUsed.length > 0)
  say(`settings not set in the environment or .env, using dev defaults:\n  ${devDefaultsUsed.join('\n  ')}`);

// 1. PostgreSQL and Redis must already run: say which is missing and how to start it.
const startHint =
  'Start it as an OS service (e.g. `sudo systemctl start postgresql redis-server`, ' +
  '`brew services start postgresql redis`), or with Docker: `docker compose -f docker-compose.yml -f docker-compose.dev.yml ' +
  'up -d postgres redis` and the URLs in .env (docs/deploy.md).';
try {
  await migrateDatabase(config.DATABASE_URL, (line) => say(line));
} catch (err) {
  const url = new URL(config.DATABASE_URL);
  fail(`PostgreSQL is unreachable at ${url.hostname}:${url.port || 5432} (${(err as Error).message}). ${startHint}`);
}
const redis = new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2000 });
let redisError: Error | undefined;
redis.on('error', (err: Error) => (redisError = err));
try {
  await redis.connect();
  await redis.ping();
  redis.disconnect();
} catch (err) {
  redis.disconnect();
  fail(`Redis is unreachable at ${config.REDIS_URL} (${(redisError ?? (err as Error)).message}). ${startHint}`);
}

// 2. Temporal: use the server at TEMPORAL_ADDRESS if one answers, else start the pinned dev server.
const uiPort = Number(process.env.TEMPORAL_UI_PORT ?? 8233);
let webUi = config.TEMPORAL_UI_URL ?? `http://localhost:${uiPort}`;
if (await temporalAnswers(config)) {
  say(`using the Temporal server already answering at ${config.TEMPORAL_ADDRESS}`);
  if (!config.TEMPORAL_UI_URL)
    webUi = `${webUi} (if that server runs its Web UI there; set TEMPORAL_UI_URL for the console's links)`;
} else {
  const cli = temporalCliPath();
  if (!cli) fail('no `temporal` CLI found: run `npm run setup`, or set TEMPORAL_CLI_PATH');
  const [host, port] = [
    config.TEMPORAL_ADDRESS.slice(0, config.TEMPORAL_ADDRESS.lastIndexOf(':')),
    config.TEMPORAL_ADDRESS.split(':').pop()!,
  ];
  const dataDir = path.join(projectRoot, '.data');
  fs.mkdirSync(dataDir, { recursive: true });
  say(`starting the Temporal dev server (${cli}) on ${config.TEMPORAL_ADDRESS}, state in .data/temporal.db`);
  startChild(
    'temporal',
    cli,
    [
      'server',
      'start-dev',
      '--ip',
      host === 'localhost' ? '127.0.0.1' : host,
      '--port',
      port,
      '--ui-port',
      String(uiPort),
      '--db-filename',
      path.join(dataDir, 'temporal.db'),
      ...devServerSqliteArgs,
      ...devServerPriorityArgs,
      '--namespace',
      config.TEMPORAL_NAMESPACE,
      '--log-level',
      'error',
      ...searchAttributeKeys.flatMap((key) => ['--search-attribute', `${key.name}=Keyword`]),
    ],
    process.env,
  );
  await waitUntil('the Temporal dev server', () => temporalAnswers(config), 60_000);
}
{
  const connection = await Connection.connect(config.temporalConnection);
  const added = await registerSearchAttributes(connection, config.TEMPORAL_NAMESPACE);
  if (added.length > 0) say(`registered search attributes: ${added.join(', ')}`);
  // The registry's schedules (the worker syncs them too, at start-up).
  await syncSchedules(
    new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }),
    scheduleRegistry(config),
    (line) => say(`schedules: ${line}`),
  );
  await connection.close();
}

// 3. The worker and the API, with the resolved settings (so both use the same dev defaults). Their
// logs are one readable line per event when this terminal is a TTY, JSON lines otherwise.
const pretty = (process.env.LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json')) === 'pretty';
const env: NodeJS.ProcessEnv = {
  ...process.env,
  DATABASE_URL: config.DATABASE_URL,
  REDIS_URL: config.REDIS_URL,
  TEMPORAL_ADDRESS: config.TEMPORAL_ADDRESS,
  TEMPORAL_NAMESPACE: config.TEMPORAL_NAMESPACE,
  API_TOKEN: config.API_TOKEN,
  PORT: String(config.PORT),
  PROVIDER_URL: config.PROVIDER_URL,
  API_METRICS_ADDRESS: config.API_METRICS_ADDRESS,
  WORKER_METRICS_ADDRESS: config.WORKER_METRICS_ADDRESS,
  SESSION_SECRET: config.SESSION_SECRET,
  // The worker started last serves every new run, whatever build it is (a release is a production matter).
  WORKER_PROMOTE_ON_START: process.env.WORKER_PROMOTE_ON_START ?? 'always',
  // The console links each job to its run in the Web UI.
  TEMPORAL_UI_URL: config.TEMPORAL_UI_URL ?? webUi.split(' ')[0],
  LOG_FORMAT: pretty ? 'pretty' : 'json',
  ...(pretty && process.stdout.isTTY ? { FORCE_COLOR: '1' } : {}),
};
const tsx = path.join(projectRoot, 'node_modules/.bin/tsx');
// The match provider simulator, unless PROVIDER_URL points at a real provider.
const simulated = new URL(config.PROVIDER_URL);
if (['127.0.0.1', 'localhost'].includes(simulated.hostname)) {
  startChild('provider', tsx, ['src/provider-sim/server.ts'], { ...env, PROVIDER_SIM_PORT: simulated.port || '80' });
}
const workerStarted = waitForLine('worker', 'worker started');
startChild('worker', tsx, ['src/workers/worker.ts'], env); // every task queue
startChild('api', tsx, ['src/api/server.ts'], env);
const apiUrl = `http://localhost:${config.PORT}`;
await waitUntil('the API', async () => (await fetch(`${apiUrl}/readyz`)).ok, 60_000);

// 4. Demo data, then the URLs. The banner is the last thing printed: wait until the worker has
// bundled its workflows and polls, and until the API has logged every request so far (its log is
// in order, so seeing a marker request's line means the seeding requests' lines are out).
const demo = await seedDemoData({ baseUrl: apiUrl, token: config.API_TOKEN, log: say });
await workerStarted;
const prisma = createPrisma(config.DATABASE_URL);
const [third, starter, unused] = [demo.games[2]!.id, demo.playerIds[0]!, demo.playerIds[14]!];
await seedFailedJob({
  baseUrl: apiUrl,
  token: config.API_TOKEN,
  prisma,
  gameId: third,
  starterId: starter,
  unusedSubstituteId: unused,
  log: say,
});
// A first reconciliation over the demo (once: a restart replays its Idempotency-Key), so the console's
// Reconciliations page has a run to show before reconcile-nightly's first.
const reconciled = await fetch(`${apiUrl}/api/admin/reconciliations`, {
  method: 'POST',
  headers: {
    Authorization: `Bearer ${config.API_TOKEN}`,
    'Content-Type': 'application/json',
    'Idempotency-Key': 'demo:reconcile',
  },
  body: '{}',
});
if (reconciled.ok) say('demo reconciliation started (console: Reconciliations)');
else say(`demo reconciliation not started: ${reconciled.status} ${await reconciled.text()}`);
const operators = await prisma.operator.count();
await prisma.$disconnect();
const marker = `dev-banner-${Date.now()}`;
const markerLogged = waitForLine('api', marker);
await fetch(`${apiUrl}/healthz`, { headers: { 'Idempotency-Key': marker } });
await markerLogged;
console.log(`
  Fulltime is running. Ctrl-C stops everything.

  API          ${apiUrl}   (token: ${config.API_TOKEN})
  API docs     ${apiUrl}/docs
  Console      ${apiUrl}/admin   ${operators === 0 ? '(no operator yet: npm run operator -- add <you> --role operator)' : `(${operators} operator account${operators === 1 ? '' : 's'}; npm run operator -- list)`}
  Provider     ${config.PROVIDER_URL}   (simulator: PUT /sim/matches/<id>, PUT /sim/behaviour)
  Temporal UI  ${webUi}
  Temporal     ${config.TEMPORAL_ADDRESS}, namespace ${config.TEMPORAL_NAMESPACE}
  Metrics      http://${config.API_METRICS_ADDRESS}/metrics (API)
               http://${config.WORKER_METRICS_ADDRESS}/metrics (worker; /healthz there too)
  Traces       ${config.OTEL_EXPORTER_OTLP_ENDPOINT ? `OTLP to ${config.OTEL_EXPORTER_OTLP_ENDPOINT} (${config.OTEL_EXPORTER_OTLP_PROTOCOL})` : 'off (set OTEL_EXPORTER_OTLP_ENDPOINT to export them)'}

  Try:
    curl ${apiUrl}/api/games/${demo.games[0]!.id}/report
    curl -X POST ${apiUrl}/api/games/${demo.games[0]!.id}/disciplinary-actions \\
      -H 'Authorization: Bearer ${config.API_TOKEN}' -H 'Content-Type: application/json' \\
      -d '{"playerId":"${demo.playerIds[0]}","cardType":"red","minute":80}'
    .venv/bin/temporal workflow list --query 'FulltimeGameId = "${demo.games[0]!.id}"'
    curl ${apiUrl}/api/players/${demo.playerIds[8]}/stats
    curl -N ${apiUrl}/api/tournaments/${demo.tournamentId}/scoreboard/stream   (live: leave it open, post the result below)
    curl -X POST ${apiUrl}/api/games/${demo.upcomingGameId}/result -H 'Authorization: Bearer ${config.API_TOKEN}' \\
      -H 'Content-Type: application/json' -d '{"homeGoals":2,"awayGoals":1}'
    curl ${apiUrl}/api/tournaments/${demo.tournamentId}/scoreboard
    curl ${apiUrl}/api/tournaments/${demo.tournamentId}/users/${demo.userIds[0]}/explain
    curl '${apiUrl}/api/players/${demo.playerIds[8]}/stats/explain?season=2026'
    curl -X POST ${apiUrl}/api/admin/reconciliations -H 'Authorization: Bearer ${config.API_TOKEN}' \\
      -H 'Content-Type: application/json' -d '{}'     (then the console's Reconciliations and Explain pages)
    curl ${apiUrl}/api/leagues/${demo.leagueId}/scoreboard
    .venv/bin/temporal schedule list
    curl -H 'Authorization: Bearer ${config.API_TOKEN}' ${apiUrl}/api/v2/admin/cron
`);
