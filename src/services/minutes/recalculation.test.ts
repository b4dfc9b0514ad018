import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase, startLocalTemporal, startWorker, type RunningWorker } from '../../../test/harness.ts';
import { createMinutesActivities } from '../../activities/minutes.ts';
import { createPrisma, type PrismaClient } from '../../db/client.ts';
import { backfillRecalculations, type BackfillProgress } from './recalculation.ts';

let env: TestWorkflowEnvironment;
let prisma: PrismaClient;
let worker: RunningWorker;
let database: Awaited<ReturnType<typeof createScratchDatabase>>;
const taskQueue = `backfill-${randomUUID()}`;

beforeAll(async () => {
  // Its own database: the backfill walks every game there is.
  [env, database] = await Promise.all([startLocalTemporal(), createScratchDatabase()]);
  prisma = createPrisma(database.url);
  worker = await startWorker(env.nativeConnection, taskQueue, createMinutesActivities({ prisma }));
});

afterAll(async () => {
  await worker?.stop();
  await prisma?.$disconnect();
  await env?.teardown();
  await database?.drop();
});

describe('backfillRecalculations', () => {
  it('recalculates every game in batches, and a second run starts nothing already done', async () => {
    const player = randomUUID();
    await prisma.player.create({ data: { id: player, name: 'P' } });
    const gameIds = Array.from({ length: 5 }, () => randomUUID());
    for (const id of gameIds) {
      await prisma.game.create({
        data: {
          id,
          homeTeam: 'H',
          awayTeam: 'A',
          kickoffAt: new Date(),
          season: '2026',
          eventsVersion: 3,
          lineup: { create: { playerId: player, starter: true } },
        },
      });
    }
    const batches: BackfillProgress[] = [];
    const first = await backfillRecalculations({
      prisma,
      temporal: env.client,
      taskQueue,
      batchSize: 2,
      onProgress: (p) => batches.push(p),
    });
    expect(first).toEqual({ total: 5, processed: 5, started: 5, alreadyDone: 0, invalid: 0, failed: 0 });
    expect(batches.map((b) => b.processed)).toEqual([2, 4, 5]);
    const reports = await prisma.gameReport.findMany({ where: { gameId: { in: gameIds } } });
    expect(reports.map((r) => r.calculatedVersion)).toEqual([3, 3, 3, 3, 3]);

    expect(await backfillRecalculations({ prisma, temporal: env.client, taskQueue, batchSize: 2 })).toMatchObject({
      started: 0,
      alreadyDone: 5,
    });

    // A game changed since the last backfill is recalculated again.
    await prisma.game.update({ where: { id: gameIds[2]! }, data: { eventsVersion: 4 } });
    expect(await backfillRecalculations({ prisma, temporal: env.client, taskQueue, batchSize: 10 })).toMatchObject({
      started: 1,
      alreadyDone: 4,
    });
    expect((await prisma.gameReport.findUniqueOrThrow({ where: { gameId: gameIds[2]! } })).calculatedVersion).toBe(4);
  });
});
