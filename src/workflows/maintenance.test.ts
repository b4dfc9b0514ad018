// The scheduled workflows' own logic on the time-skipping server, with the real maintenance activities
// against a database of their own (the prune counts whole tables).
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createScratchDatabase,
  startTimeSkippingTemporal,
  startWorker,
  type RunningWorker,
} from '../../test/harness.ts';
import { createMaintenanceActivities } from '../activities/maintenance.ts';
import { createPrisma, type PrismaClient } from '../db/client.ts';
import { maintenanceWorkflow, refreshViewsWorkflow } from './maintenance.ts';

let env: TestWorkflowEnvironment;
let worker: RunningWorker;
let prisma: PrismaClient;
let database: Awaited<ReturnType<typeof createScratchDatabase>>;
const taskQueue = `maintenance-${randomUUID()}`;
const prunes: { table: string; batchSize: number; deleted: number }[] = [];

beforeAll(async () => {
  [env, database] = await Promise.all([startTimeSkippingTemporal(), createScratchDatabase()]);
  prisma = createPrisma(database.url);
  const real = createMaintenanceActivities({ prisma });
  worker = await startWorker(env.nativeConnection, taskQueue, {
    ...real,
    async pruneBatch(input: Parameters<typeof real.pruneBatch>[0]) {
      const deleted = await real.pruneBatch(input);
      prunes.push({ table: input.table, batchSize: input.batchSize, deleted });
      return deleted;
    },
  });
});

afterAll(async () => {
  await worker?.stop();
  await prisma?.$disconnect();
  await env?.teardown();
  await database?.drop();
});

const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);
/**
 * The time-skipping server may skip to the next timer it knows while no task is in progress, such
 * as right after a start, before the worker polls; a run's default timeout is ten years away. With
 * an hour's timeout a skip moves the clock by an hour at most, which a 7-day retention does not notice.
 */
const boundedRun = { workflowExecutionTimeout: '1 hour' } as const;

describe('maintenanceWorkflow', () => {
  it('prunes expired rows in bounded batches and never a live one', async () => {
    // 25 expired keys and 5 live ones; 12 expired dispatched outbox rows, 3 recent ones, and 4 old
    // rows never dispatched (live: their workflow has not been started).
    await prisma.idempotencyKey.createMany({
      data: [
        ...Array.from({ length: 25 }, (_, i) => ({ key: `old-${i}`, createdAt: daysAgo(10) })),
        ...Array.from({ length: 5 }, (_, i) => ({ key: `new-${i}`, createdAt: daysAgo(1) })),
      ].map((k) => ({ ...k, fingerprint: 'f', method: 'POST', path: '/x', responseStatus: 201, responseBody: {} })),
    });
    const outbox = (id: string, dispatchedAt: Date | null, createdAt: Date) => ({
      requestId: id,
      workflowId: id,
      start: {},
      dispatchedAt,
      createdAt,
    });
    await prisma.workflowOutbox.createMany({
      data: [
        ...Array.from({ length: 12 }, (_, i) => outbox(`old-done-${i}`, daysAgo(9), daysAgo(9))),
        ...Array.from({ length: 3 }, (_, i) => outbox(`new-done-${i}`, daysAgo(2), daysAgo(2))),
        ...Array.from({ length: 4 }, (_, i) => outbox(`old-pending-${i}`, null, daysAgo(20))),
      ],
    });

    const report = await env.client.workflow.execute(maintenanceWorkflow, {
      taskQueue,
      workflowId: `maintenance-${randomUUID()}`,
      args: [{ idempotencyKeyRetentionDays: 7, outboxRetentionDays: 7, batchSize: 10 }],
      ...boundedRun,
    });

    // 25 keys: 10 + 10 + 5 (a short batch ends it). 12 outbox rows: 10 + 2.
    expect(report.pruned.map(({ table, deleted, batches }) => ({ table, deleted, batches }))).toEqual([
      { table: 'idempotency_keys', deleted: 25, batches: 3 },
      { table: 'workflow_outbox', deleted: 12, batches: 2 },
    ]);
    expect(prunes.map((p) => p.deleted)).toEqual([10, 10, 5, 10, 2]);
    expect(prunes.every((p) => p.batchSize === 10)).toBe(true);
    expect((await prisma.idempotencyKey.findMany({ orderBy: { key: 'asc' } })).map((k) => k.key)).toEqual([
      'new-0',
      'new-1',
      'new-2',
      'new-3',
      'new-4',
    ]);
    const left = await prisma.workflowOutbox.findMany({ orderBy: { workflowId: 'asc' } });
    expect(left.map((r) => r.workflowId)).toEqual([
      'new-done-0',
      'new-done-1',
      'new-done-2',
      'old-pending-0',
      'old-pending-1',
      'old-pending-2',
      'old-pending-3',
    ]);
    // The cutoff is the run's start minus the retention.
    expect(Date.parse(report.pruned[0]!.olderThan)).toBeLessThan(daysAgo(7).getTime() + 60_000);
    expect(Date.parse(report.pruned[0]!.olderThan)).toBeGreaterThan(daysAgo(7).getTime() - 60_000);

    // Nothing left to prune: one empty batch each.
    prunes.length = 0;
    const again = await env.client.workflow.execute(maintenanceWorkflow, {
      taskQueue,
      workflowId: `maintenance-${randomUUID()}`,
      args: [{ idempotencyKeyRetentionDays: 7, outboxRetentionDays: 7, batchSize: 10 }],
      ...boundedRun,
    });
    expect(again.pruned.map((p) => p.deleted)).toEqual([0, 0]);
    expect(prunes).toHaveLength(2);
  });
});

describe('maintenanceWorkflow and exports', () => {
  it('removes finished exports past their retention with their chunks, never a running one', async () => {
    const made = (id: string, status: string, finishedAt: Date | null) => ({
      id,
      kind: 'player-stats',
      params: { kind: 'player-stats', season: '2026' },
      status,
      workflowId: `export:${id}`,
      requestedBy: 'token',
      createdAt: finishedAt ?? daysAgo(30),
      finishedAt,
    });
    const ids = { oldReady: randomUUID(), oldFailed: randomUUID(), newReady: randomUUID(), oldRunning: randomUUID() };
    await prisma.export.createMany({
      data: [
        made(ids.oldReady, 'ready', daysAgo(8)),
        made(ids.oldFailed, 'failed', daysAgo(9)),
        made(ids.newReady, 'ready', daysAgo(1)),
        made(ids.oldRunning, 'running', null),
      ],
    });
    await prisma.exportChunk.createMany({
      data: [ids.oldReady, ids.newReady].flatMap((exportId) =>
        [0, 1].map((seq) => ({ exportId, seq, data: Buffer.from('a,b\n') })),
      ),
    });
    prunes.length = 0;

    const report = await env.client.workflow.execute(maintenanceWorkflow, {
      taskQueue,
      workflowId: `maintenance-${randomUUID()}`,
      args: [{ idempotencyKeyRetentionDays: 7, outboxRetentionDays: 7, exportRetentionDays: 7, batchSize: 10 }],
      ...boundedRun,
    });

    expect(report.pruned.find((p) => p.table === 'exports')).toMatchObject({ deleted: 2, batches: 1 });
    expect((await prisma.export.findMany({ select: { id: true } })).map((e) => e.id).sort()).toEqual(
      [ids.newReady, ids.oldRunning].sort(),
    );
    expect(await prisma.exportChunk.count({ where: { exportId: ids.oldReady } })).toBe(0);
    expect(await prisma.exportChunk.count({ where: { exportId: ids.newReady } })).toBe(2);
  });
});

describe('refreshViewsWorkflow', () => {
  it('refreshes every materialized view', async () => {
    const result = await env.client.workflow.execute(refreshViewsWorkflow, {
      taskQueue,
      workflowId: `views-${randomUUID()}`,
    });
    expect(result.views.map((v) => v.view)).toEqual(['hall_of_fame']);
  });
});
