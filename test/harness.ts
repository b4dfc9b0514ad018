// Helpers for tests that run the real thing: the API over HTTP, workers on a Temporal dev server
// (createLocal) or the time-skipping test server, against this run's PostgreSQL database and Redis
// key prefix (see global-setup.ts).
import { ChangeFeed } from '../src/cache/change-feed.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, DefaultLogger, Worker, type NativeConnection } from '@temporalio/worker';
import { expect, inject } from 'vitest';
import { apiGauges, createApp } from '../src/api/app.ts';
import { consoleSessions, type ConsoleSessions } from '../src/api/console/session.ts';
import { startMetricsServer } from '../src/telemetry/metrics-server.ts';
import { initializeMetrics, registry } from '../src/telemetry/metrics.ts';
import { loadConfig, type Config } from '../src/config.ts';
import { applyMigrations, dropDatabase, ensureDatabase } from '../src/db/migrate.ts';
import { createPrisma, type PrismaClient } from '../src/db/client.ts';
import { createLogger } from '../src/logger.ts';
import { WorkflowStarter } from '../src/outbox/outbox.ts';
import { createRedis, type Redis } from '../src/redis.ts';
import {
  devServerPriorityArgs,
  executableOption,
  temporalCliPath,
  temporalTestServerPath,
} from '../src/temporal/binaries.ts';
import { searchAttributeKeys } from '../src/temporal/register-search-attributes.ts';
import { createTemporalClient } from '../src/temporal/connection.ts';
import type { MatchProvider } from '../src/services/settlement/provider.ts';
import { taskQueueNames, taskQueuesPrefixed, taskQueueTable } from '../src/contracts/task-queues.ts';
import { activityDeps, workerDefinition } from '../src/workers/task-queues.ts';
import { workerTracingOptions } from '../src/workers/telemetry.ts';
import type { Tracing } from '../src/telemetry/tracing.ts';
import { ResponseValidator } from './openapi-validator.ts';

/**
 * A database of its own (migrated), for tests that count whole tables or scan every game and so
 * must not see other files' rows. Drop it in afterAll.
 */
export async function createScratchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const url = new URL(inject('databaseUrl'));
  url.pathname = `${url.pathname}_${randomUUID().slice(0, 8)}`;
  await ensureDatabase(url.toString());
  await applyMigrations(url.toString());
  return { url: url.toString(), drop: () => dropDatabase(url.toString()) };
}

let runtimeInstalled = false;
/** Keeps the SDK's own logs to errors, so test output stays readable. */
function quietRuntime() {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('ERROR') });
}

export const TEST_TOKEN = 'test-token';

/** The TASK_QUEUE_* variables that name these queues. */
export function taskQueueVariables(queues: Config['taskQueues']): Record<string, string> {
  return Object.fromEntries(taskQueueNames.map((name) => [taskQueueTable[name].variable, queues[name]]));
}

/** A config for this test run; each call gets its own task queue so files never share work. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: inject('databaseUrl'),
    REDIS_URL: inject('redisUrl'),
    REDIS_KEY_PREFIX: inject('redisKeyPrefix'),
    TEMPORAL_ADDRESS: '127.0.0.1:7233',
    TEMPORAL_NAMESPACE: 'default',
    API_TOKEN: TEST_TOKEN,
    PORT: '3000',
    ...taskQueueVariables(taskQueuesPrefixed(`test-${randomUUID()}`)),
    LOG_LEVEL: 'silent',
    OUTBOX_RELAY_INTERVAL_MS: '200',
    // Every test client is 127.0.0.1 and this run shares one Redis prefix: tests that send wrong
    // tokens must not block each other (auth.test.ts sets its own limit and prefix).
    AUTH_FAILURE_LIMIT: '100000',
    ...overrides,
  }).config;
}

/** This process's child processes that are Temporal servers (Linux: read from /proc; elsewhere none). */
function temporalServerChildren(): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  return entries.map(Number).filter((pid) => {
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after its ')'.
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== process.pid) return false;
      return /(^|\/)temporal(-test-server)?$/.test(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]!);
    } catch {
      return false; // gone already
    }
  });
}

/**
 * Records the Temporal servers this process spawned, so the run's global teardown kills any still
 * running: a test process killed after a hook timed out never reaches `env.teardown()`, and its
 * server used to outlive the run.
 */
async function recordingServers(start: () => Promise<TestWorkflowEnvironment>): Promise<TestWorkflowEnvironment> {
  const before = new Set(temporalServerChildren());
  const env = await start();
  for (const pid of temporalServerChildren().filter((p) => !before.has(p))) {
    fs.writeFileSync(path.join(inject('serverPidDir'), String(pid)), '');
  }
  return env;
}

/** A Temporal dev server from the pinned CLI, with the project's search attributes registered. */
export function startLocalTemporal(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  return recordingServers(() =>
    TestWorkflowEnvironment.createLocal({
      server: {
        executable: executableOption(temporalCliPath()),
        searchAttributes: searchAttributeKeys,
        extraArgs: devServerPriorityArgs,
      },
    }),
  );
}

/** The time-skipping test server from the pinned binary. */
export function startTimeSkippingTemporal(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  return recordingServers(() =>
    TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: executableOption(temporalTestServerPath()) },
    }),
  );
}

export interface RunningWorker {
  worker: Worker;
  stop(): Promise<void>;
}

/** Runs a worker (with the prebuilt workflow bundle) until `stop()`. */
export async function startWorker(
  connection: NativeConnection,
  taskQueue: string,
  activities: object,
  namespace = 'default',
  tracing: Pick<Tracing, 'enabled' | 'spanProcessor' | 'resource'> = {
    enabled: false,
    spanProcessor: null,
    resource: null,
  },
): Promise<RunningWorker> {
  const worker = await Worker.create({
    connection,
    namespace,
    taskQueue,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    activities,
    ...workerTracingOptions(tracing),
  });
  const running = worker.run();
  return {
    worker,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
  };
}

/**
 * Workers for every task queue of `config`, registered as the worker process registers them, with
 * real activities on this run's PostgreSQL and Redis (and `temporal` for the activities that need a
 * client). Stop them before closing `deps`.
 */
export async function startWorkers(
  connection: NativeConnection,
  config: Config,
  deps: { prisma: PrismaClient; redis: Redis; temporal: Client; provider?: MatchProvider },
  tracing?: Tracing,
): Promise<RunningWorker[]> {
  const shared = activityDeps(config, deps);
  return Promise.all(
    taskQueueNames.map(async (name) => {
      const definition = workerDefinition(name, config, shared);
      const running = await startWorker(
        connection,
        definition.taskQueue,
        definition.activities,
        config.TEMPORAL_NAMESPACE,
        tracing,
      );
      // As the worker process does: the starts its activities' writes committed go out before the client closes.
      return { worker: running.worker, stop: () => running.stop().then(() => shared.starter.drain()) };
    }),
  );
}

export interface TestApi {
  baseUrl: string;
  /** `http://host:port` of its metrics listener, when started with `metrics: true`. */
  metricsUrl: string | null;
  config: Config;
  prisma: PrismaClient;
  redis: Redis;
  temporal: Client;
  starter: WorkflowStarter;
  sessions: ConsoleSessions;
  close(): Promise<void>;
}

/** The HTTP API on an ephemeral port, talking to `temporalAddress`. */
export async function startApi(
  config: Config,
  options: { temporal?: Client; metrics?: boolean; tracing?: boolean } = {},
): Promise<TestApi> {
  const logger = createLogger('test-api', (process.env.TEST_LOG_LEVEL ?? 'silent') as 'silent', 'json');
  const prisma = createPrisma(config.DATABASE_URL, { statementTimeoutMs: config.API_STATEMENT_TIMEOUT_MS });
  const redis = createRedis(config.REDIS_URL, config.REDIS_KEY_PREFIX, { timeoutMs: config.API_REDIS_TIMEOUT_MS });
  redis.on('error', () => {});
  // Connected (or failed) before the first request, so cache behaviour does not depend on timing.
  await new Promise((resolve) => {
    redis.once('ready', resolve);
    redis.once('error', resolve);
  });
  // As in src/api/server.ts: no in-process gRPC retries (the outbox relay retries).
  const temporal =
    options.temporal ??
    createTemporalClient(config, {
      grpcRetries: false,
      callTimeoutMs: config.API_TEMPORAL_TIMEOUT_MS,
      tracing: options.tracing,
    });
  const starter = new WorkflowStarter({ prisma, temporal, logger, startTimeoutMs: 2000 });
  const sessions = consoleSessions(config, redis);
  // PostgreSQL is asked only while the subscription is down: so a stream test that sees a change within
  // seconds saw it through Redis pub/sub (change-feed.test.ts covers the checks).
  const feed = new ChangeFeed(redis, { checkEveryMs: 600_000, checkEveryWhileDownMs: 1000 });
  const app = createApp({
    config,
    prisma,
    redis,
    temporal,
    starter,
    logger,
    tracing: options.tracing ?? false,
    sessions,
    feed,
  });
  const server = await new Promise<import('node:http').Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  if (options.metrics) initializeMetrics('api');
  const metricsServer = options.metrics
    ? await startMetricsServer({
        address: '127.0.0.1:0',
        registries: [registry, apiGauges({ config, prisma, redis, temporal })],
        logger,
      })
    : null;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    metricsUrl: metricsServer ? `http://${metricsServer.address}` : null,
    config,
    prisma,
    redis,
    temporal,
    starter,
    sessions,
    async close() {
      await metricsServer?.close();
      await starter.drain();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await prisma.$disconnect();
      await sessions.close();
      await feed.close();
      redis.disconnect();
      if (!options.temporal) await temporal.connection.close();
    },
  };
}

/** A whole stack for end-to-end tests: its own database, a dev server, the API and every worker. */
export interface TestStack {
  env: TestWorkflowEnvironment;
  database: { url: string; drop(): Promise<void> };
  config: Config;
  api: TestApi;
  workers: RunningWorker[];
  http: ReturnType<typeof httpClient>;
  stop(): Promise<void>;
}

/**
 * Starts a TestStack: a scratch database (end-to-end tests count whole tables), the Temporal dev
 * server, the API and workers for every task queue on them. `overrides` are settings on top.
 */
export async function startStack(overrides: Record<string, string> = {}): Promise<TestStack> {
  const [env, database] = await Promise.all([startLocalTemporal(), createScratchDatabase()]);
  const config = testConfig({ TEMPORAL_ADDRESS: env.address, DATABASE_URL: database.url, ...overrides });
  const api = await startApi(config, { temporal: env.client });
  const workers = await startWorkers(env.nativeConnection, config, {
    prisma: api.prisma,
    redis: api.redis,
    temporal: env.client,
  });
  return {
    env,
    database,
    config,
    api,
    workers,
    http: httpClient(api.baseUrl),
    async stop() {
      await Promise.all(workers.map((w) => w.stop()));
      await api.close();
      await env.teardown();
      await database.drop();
    },
  };
}

export interface HttpResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

const validators = new Map<string, Promise<ResponseValidator>>();
/** The validator for the document the API at `baseUrl` serves (fetched once per API). */
function validatorFor(baseUrl: string): Promise<ResponseValidator> {
  let validator = validators.get(baseUrl);
  if (!validator) {
    const fetched = fetch(`${baseUrl}/api/openapi.json`).then(async (res) => {
      if (!res.ok) throw new Error(`GET /api/openapi.json -> ${res.status}`);
      return new ResponseValidator((await res.json()) as ConstructorParameters<typeof ResponseValidator>[0]);
    });
    // A failed fetch is forgotten (the next call tries again) and fails the request that asked.
    validators.set(
      baseUrl,
      fetched.catch((err: unknown) => {
        validators.delete(baseUrl);
        throw err;
      }),
    );
    validator = validators.get(baseUrl)!;
  }
  return validator;
}

/**
 * A small JSON client for the API under test. Every response it receives is checked against the
 * OpenAPI document the API serves (route, status, content type and body schema), so a test fails as
 * soon as the API answers something the document does not describe. `validate: false` only for
 * checks of the transport itself (a body that is not even JSON).
 */
export function httpClient(baseUrl: string, defaultToken: string | null = TEST_TOKEN) {
  return async function request<T = any>(
    method: string,
    path: string,
    options: {
      body?: unknown;
      rawBody?: string | Uint8Array;
      key?: string;
      token?: string | null;
      headers?: Record<string, string>;
      validate?: boolean;
    } = {},
  ): Promise<HttpResult<T>> {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
    const token = options.token === undefined ? defaultToken : options.token;
    if (token) headers.authorization = `Bearer ${token}`;
    if (options.key !== undefined) headers['idempotency-key'] = options.key;
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      body:
        (options.rawBody as BodyInit | undefined) ??
        (options.body === undefined ? undefined : JSON.stringify(options.body)),
    });
    const text = await res.text();
    const contentType = res.headers.get('content-type');
    const body = text && contentType?.includes('json') ? JSON.parse(text) : text || undefined;
    if (options.validate !== false) {
      (await validatorFor(baseUrl)).check(method, `${baseUrl}${path}`, res.status, contentType, body);
    }
    return { status: res.status, body, headers: res.headers };
  };
}

export type HttpClient = ReturnType<typeof httpClient>;

/** POSTs `body` to `path` and returns what it created; the answer must be 201. */
export async function postCreated(http: HttpClient, path: string, body: unknown): Promise<any> {
  const res = await http('POST', path, { body });
  expect(res.status, `POST ${path}: ${JSON.stringify(res.body)}`).toBe(201);
  return res.body;
}

/** A starter, a substitute and a game with both in its lineup; `game` adds or overrides its fields. */
export async function gameWithBench(
  http: HttpClient,
  game: Record<string, unknown> = {},
): Promise<{ gameId: string; starter: string; bench: string }> {
  const [starter, bench] = await Promise.all([
    postCreated(http, '/api/players', { name: 'Starter' }),
    postCreated(http, '/api/players', { name: 'Bench' }),
  ]);
  const created = await postCreated(http, '/api/games', {
    homeTeam: 'H',
    awayTeam: 'A',
    kickoffAt: '2026-03-01T15:00:00.000Z',
    lineup: [
      { playerId: starter.id, starter: true },
      { playerId: bench.id, starter: false },
    ],
    ...game,
  });
  return { gameId: created.id as string, starter: starter.id as string, bench: bench.id as string };
}

/** Polls `probe` until it returns a truthy value, or fails after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

export const projectRoot = path.resolve(import.meta.dirname, '..');

export interface RunningProcess {
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  exited: Promise<number | null>;
  /** SIGKILL if still running (for afterAll, after a test that timed out). */
  kill(): void;
}

/**
 * Runs one of the project's processes (the worker, the API) as operators do, with the environment a
 * process of this test run needs plus `extraEnv`, JSON logs, and its output collected.
 */
export function runProcess(
  command: string,
  args: string[],
  config: Config,
  extraEnv: Record<string, string> = {},
  cwd = projectRoot,
): RunningProcess {
  const child = spawn(command, args, {
    cwd,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'development',
      DATABASE_URL: config.DATABASE_URL,
      REDIS_URL: config.REDIS_URL,
      REDIS_KEY_PREFIX: config.REDIS_KEY_PREFIX,
      TEMPORAL_ADDRESS: config.TEMPORAL_ADDRESS,
      TEMPORAL_NAMESPACE: config.TEMPORAL_NAMESPACE,
      API_TOKEN: config.API_TOKEN,
      ...taskQueueVariables(config.taskQueues),
      PROVIDER_URL: config.PROVIDER_URL,
      // Free ports: test processes run side by side (the address they bound is in their log).
      API_METRICS_ADDRESS: '127.0.0.1:0',
      WORKER_METRICS_ADDRESS: '127.0.0.1:0',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited,
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
