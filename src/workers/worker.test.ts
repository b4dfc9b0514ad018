// The worker process as operators run it: it starts against a real server, registers the search
// attributes, serves its task queue, and on SIGTERM drains and exits 0.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalTemporal, testConfig, waitFor } from '../../test/harness.ts';
import { createPrisma, type PrismaClient } from '../db/client.ts';
import { Triggers } from '../shared.ts';

const root = path.resolve(import.meta.dirname, '../..');
let env: TestWorkflowEnvironment;
let prisma: PrismaClient;
let child: ChildProcess | undefined;

beforeAll(async () => {
  env = await startLocalTemporal();
  prisma = createPrisma(testConfig().DATABASE_URL);
});

afterAll(async () => {
  // Even if the test timed out before its own SIGTERM: never leave a worker process behind.
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await prisma?.$disconnect();
  await env?.teardown();
});

describe('worker process', () => {
  it('serves its task queue and exits 0 on SIGTERM', async () => {
    const config = testConfig({ TEMPORAL_ADDRESS: env.address });
    child = spawn(path.join(root, 'node_modules/.bin/tsx'), ['src/workers/worker.ts', 'minutes'], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'development',
        DATABASE_URL: config.DATABASE_URL,
        REDIS_URL: config.REDIS_URL,
        TEMPORAL_ADDRESS: env.address,
        TEMPORAL_NAMESPACE: 'default',
        API_TOKEN: 'x',
        PORT: '3999',
        TASK_QUEUE_MINUTES: config.taskQueues.minutes,
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const worker = child;
    let output = '';
    worker.stdout!.on('data', (chunk) => (output += chunk));
    worker.stderr!.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => worker.on('exit', (code) => resolve(code)));
    try {
      await waitFor(async () => output.includes('"worker started"'), 60_000, 'the worker to start');

      const gameId = randomUUID();
      const player = randomUUID();
      await prisma.player.create({ data: { id: player, name: 'P' } });
      await prisma.game.create({
        data: { id: gameId, homeTeam: 'H', awayTeam: 'A', kickoffAt: new Date(), season: '2026', lineup: { create: { playerId: player, starter: true } } },
      });
      const result = await env.client.workflow.execute('recalculateMinutesWorkflow', {
        taskQueue: config.taskQueues.minutes,
        workflowId: `minutes-recalc:${randomUUID()}`,
        args: [{ gameId, requestId: randomUUID(), trigger: Triggers.backfill }],
      });
      expect(result).toEqual({ gameId, eventsVersion: 0, outcome: 'calculated' });
    } finally {
      worker.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(output).toContain('"worker stopped"');
    const attributes = await env.connection.operatorService.listSearchAttributes({ namespace: 'default' });
    expect(Object.keys(attributes.customAttributes ?? {})).toEqual(
      expect.arrayContaining(['FulltimeTrigger', 'FulltimeGameId', 'FulltimeRequestId']),
    );
  });
});
