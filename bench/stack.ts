// The project's processes for a benchmark, as production runs them: an API process and a worker
// process for every task queue (tsx from sources), on task queues of their own, against the database
// and Temporal server the config names. Addresses they bind (port 0) are read from their logs.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../src/config.ts';
import { taskQueueNames, taskQueuesPrefixed, taskQueueTable } from '../src/contracts/task-queues.ts';
import { projectRoot } from '../src/paths.ts';
import {
  devServerPriorityArgs,
  devServerSqliteArgs,
  executableOption,
  temporalCliPath,
} from '../src/temporal/binaries.ts';
import { searchAttributeKeys } from '../src/temporal/register-search-attributes.ts';
import { freePort } from '../src/workers/telemetry.ts';

export interface BenchProcess {
  child: ChildProcess;
  /** Resolves with the first log line (parsed) that `match` accepts. */
  line(match: (entry: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

/**
 * One of the project's processes from sources (`script` relative to `cwd`: this checkout, or another
 * build's, as release:check runs), its JSON log lines parsed as they come.
 */
export function startProcess(
  name: string,
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd = projectRoot,
): BenchProcess {
  // node with tsx's loader, not the tsx launcher: one process, so a signal reaches the process itself.
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // BENCH_LOG_DIR keeps each process's log (one file per process), to read after a run.
  if (process.env.BENCH_LOG_DIR) {
    fs.mkdirSync(process.env.BENCH_LOG_DIR, { recursive: true });
    const file = fs.createWriteStream(
      path.join(process.env.BENCH_LOG_DIR, `${name.replace(':', '-')}-${child.pid}.log`),
    );
    child.stdout!.pipe(file);
    child.stderr!.pipe(file);
  }
  const entries: Record<string, unknown>[] = [];
  const waiting = new Set<() => void>();
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      try {
        entries.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        continue;
      }
      for (const wake of waiting) wake();
    }
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return {
    child,
    line(match, timeoutMs = 120_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${name}: no such log line within ${timeoutMs} ms\n${stderr.slice(-2000)}`)),
          timeoutMs,
        );
        const look = () => {
          const found = entries.find(match);
          if (!found) return;
          clearTimeout(timer);
          waiting.delete(look);
          resolve(found);
        };
        waiting.add(look);
        look();
      });
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

let killing = false;
/** Set once the benchmark is interrupted: nothing is started again after that. */
let interrupted = false;
/**
 * A benchmark that fails part-way exits without its teardown; its children (these processes, the
 * Temporal dev server, Redis, Prometheus) must not outlive it. 'exit' handlers run synchronously: pkill.
 * Ctrl-C (SIGINT to the whole group) or SIGTERM stops the benchmark and everything it started: the
 * Temporal SDK's runtime in this process listens for those signals too (and does not exit), so without
 * a handler of ours the run went on and restarted the workers the signal had stopped.
 */
function killChildrenOnExit(): void {
  if (killing) return;
  killing = true;
  process.once('exit', () => spawnSync('pkill', ['-TERM', '-P', String(process.pid)]));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      interrupted = true;
      console.error(`[bench] ${signal}: stopping every process this benchmark started`);
      process.exit(130);
    });
  }
}

export interface BenchStack {
  baseUrl: string;
  apiMetrics: string;
  workerMetrics: string[];
  queues: Config['taskQueues'];
  /** How often each process exited on its own (a crash, a heap full) and was started again, by name (`api`, `worker:stats`, …). */
  restarts(): Record<string, number>;
  /** SIGKILLs one worker process of every task queue, as a fault; they are started again (not counted as restarts). */
  killWorkers(): void;
  /** Workers killed on purpose so far. */
  plannedKills(): number;
  stop(): Promise<void>;
}

/**
 * A process kept running as a Deployment keeps its pod: one that exits on its own (a crash, an
 * out-of-memory heap) is started again after a short back-off, on the same addresses so Prometheus
 * keeps its target; the runs it held are durable and continue on the new one. A kill the benchmark
 * makes on purpose (`kill`) is started again too but not counted as an exit of its own.
 */
function supervised(name: string, script: string, args: string[], env: NodeJS.ProcessEnv) {
  let current = startProcess(name, script, args, env);
  let stopping = false;
  let restarts = 0;
  let planned = 0;
  let killedOnPurpose: BenchProcess | null = null;
  const watch = (process: BenchProcess) => {
    process.child.once('exit', (code, signal) => {
      if (stopping || interrupted) return;
      if (killedOnPurpose === process) killedOnPurpose = null;
      else {
        restarts++;
        console.error(
          `[bench] ${name} exited (${signal ?? `code ${code}`}); starting it again, as its Deployment would`,
        );
      }
      setTimeout(() => {
        if (stopping || interrupted) return;
        current = startProcess(name, script, args, env);
        watch(current);
      }, 2000);
    });
  };
  watch(current);
  const first = current;
  return {
    line: first.line.bind(first),
    restarts: () => restarts,
    plannedKills: () => planned,
    kill(): void {
      if (current.child.exitCode !== null || current.child.signalCode !== null) return; // still restarting
      planned++;
      killedOnPurpose = current;
      current.child.kill('SIGKILL');
    },
    async stop() {
      stopping = true;
      await current.stop();
    },
  };
}

/** Starts an API and one worker process per task queue; `env` adds settings (OTEL_*, …). */
export async function startBenchStack(config: Config, env: Record<string, string> = {}): Promise<BenchStack> {
  killChildrenOnExit();
  const queues = taskQueuesPrefixed(`bench-${randomUUID().slice(0, 8)}`);
  const port = await freePort();
  const shared: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    NODE_ENV: 'development',
    DATABASE_URL: config.DATABASE_URL,
    REDIS_URL: config.REDIS_URL,
    REDIS_KEY_PREFIX: config.REDIS_KEY_PREFIX,
    TEMPORAL_ADDRESS: config.TEMPORAL_ADDRESS,
    TEMPORAL_NAMESPACE: config.TEMPORAL_NAMESPACE,
    API_TOKEN: config.API_TOKEN,
    PORT: String(port),
    PROVIDER_URL: config.PROVIDER_URL,
    API_METRICS_ADDRESS: '127.0.0.1:0',
    WORKER_METRICS_ADDRESS: '127.0.0.1:0',
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
    ...Object.fromEntries(taskQueueNames.map((name) => [taskQueueTable[name].variable, queues[name]])),
    ...env,
  };
  // Fixed metrics ports, so a worker started again serves where Prometheus scrapes.
  const workers = await Promise.all(
    taskQueueNames.map(async (name) => ({
      name: `worker:${name}`,
      process: supervised(`worker:${name}`, 'src/workers/worker.ts', [name], {
        ...shared,
        WORKER_METRICS_ADDRESS: `127.0.0.1:${await freePort()}`,
      }),
    })),
  );
  const api = supervised('api', 'src/api/server.ts', [], {
    ...shared,
    API_METRICS_ADDRESS: `127.0.0.1:${await freePort()}`,
  });
  const [apiMetrics, ...workerLines] = await Promise.all([
    api.line((e) => typeof e.metricsAddress === 'string'),
    ...workers.map((w) => w.process.line((e) => e.msg === 'worker started')),
  ]);
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    apiMetrics: apiMetrics.metricsAddress as string,
    workerMetrics: workerLines.map((l) => l.metricsAddress as string),
    queues,
    restarts: () => ({
      api: api.restarts(),
      ...Object.fromEntries(workers.map((w) => [w.name, w.process.restarts()])),
    }),
    killWorkers: () => workers.forEach((w) => w.process.kill()),
    plannedKills: () => workers.reduce((n, w) => n + w.process.plannedKills(), 0),
    async stop() {
      await api.stop();
      await Promise.all(workers.map((w) => w.process.stop()));
    },
  };
}

/**
 * A Temporal dev server for one benchmark run, kept as `npm run dev` keeps its own: a SQLite file
 * (fresh, in a temporary directory) in WAL mode. Not the in-memory mode: measured on this machine its
 * single shared-cache connection took StartWorkflowExecution past 7 s at 100 starts a second.
 */
export async function startBenchTemporal(): Promise<TestWorkflowEnvironment> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fulltime-bench-temporal-'));
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: executableOption(temporalCliPath()),
      searchAttributes: searchAttributeKeys,
      dbFilename: path.join(dir, 'temporal.db'),
      extraArgs: [...devServerSqliteArgs, ...devServerPriorityArgs],
    },
  });
  const teardown = env.teardown.bind(env);
  env.teardown = async () => {
    await teardown();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return env;
}
