// Once per `vitest run`: an isolated PostgreSQL database (migrated) and Redis key prefix for this run,
// and the workflow bundle built once for every test worker. All are removed at the end.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { Redis } from 'ioredis';
import { deleteKeysUnder } from '../src/redis.ts';
import type { TestProject } from 'vitest/node';
import { applyMigrations, dropDatabase, ensureDatabase } from '../src/db/migrate.ts';
import { workflowInterceptorModules } from '../src/workers/telemetry.ts';
import { workflowsPath } from '../src/workers/workflow-bundle.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    redisUrl: string;
    redisKeyPrefix: string;
    workflowBundlePath: string;
    /** Test processes record the PIDs of the Temporal servers they spawn here (see harness.ts). */
    serverPidDir: string;
  }
}

async function reachable(what: string, probe: () => Promise<unknown>, hint: string): Promise<void> {
  try {
    await probe();
  } catch (err) {
    throw new Error(`${what} is unreachable (${(err as Error).message}). ${hint}`, { cause: err });
  }
}

/** Kills every recorded Temporal server still running (its test process died before teardown). */
function killRecordedServers(dir: string): void {
  for (const name of fs.readdirSync(dir)) {
    const pid = Number(name);
    try {
      // Only if the PID is still a Temporal server: PIDs are reused.
      if (/(^|\/)temporal(-test-server)?$/.test(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]!))
        process.kill(pid, 'SIGKILL');
    } catch {
      // exited normally
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

export default async function setup(project: TestProject) {
  const runId = `${Date.now().toString(36)}_${process.pid}`;
  const databaseUrl = new URL(process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
  databaseUrl.pathname = `/fulltime_test_${runId}`;
  const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redisKeyPrefix = `fulltime:test:${runId}:`;
  const hint =
    'Start it (the OS service, or docker compose -f docker-compose.yml -f docker-compose.dev.yml up -d postgres redis) or set TEST_DATABASE_URL / TEST_REDIS_URL.';

  await reachable('PostgreSQL', () => ensureDatabase(databaseUrl.toString()), hint);
  await applyMigrations(databaseUrl.toString());
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0 });
  await reachable('Redis', () => redis.connect(), hint);
  redis.disconnect();

  const { code } = await bundleWorkflowCode({
    workflowsPath,
    workflowInterceptorModules,
    logger: { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} },
  });
  const workflowBundlePath = path.join(os.tmpdir(), `fulltime-workflows-${runId}.js`);
  fs.writeFileSync(workflowBundlePath, code);

  project.provide('databaseUrl', databaseUrl.toString());
  project.provide('redisUrl', redisUrl);
  project.provide('redisKeyPrefix', redisKeyPrefix);
  project.provide('workflowBundlePath', workflowBundlePath);
  const serverPidDir = fs.mkdtempSync(path.join(os.tmpdir(), `fulltime-servers-${runId}-`));
  project.provide('serverPidDir', serverPidDir);

  return async () => {
    killRecordedServers(serverPidDir);
    fs.rmSync(workflowBundlePath, { force: true });
    await deleteKeysUnder(redisUrl, redisKeyPrefix);
    if (!process.env.KEEP_TEST_DATABASE) await dropDatabase(databaseUrl.toString());
  };
}
