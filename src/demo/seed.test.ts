// The demo data `npm run dev` writes, including the failed job it leaves for the console: the run
// fails, a retry succeeds with the minutes worked out below, and seeding again adds nothing.
//
// As on a cold machine: the data is written before any worker polls (the worker is still bundling
// its workflows), so every recalculation the seeding started is still queued when the failed job is
// made. The failed job used to race those runs and lose (`npm run dev` died after a minute).
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createScratchDatabase,
  httpClient,
  startApi,
  startLocalTemporal,
  startWorkers,
  testConfig,
  waitFor,
  type RunningWorker,
  type TestApi,
} from '../../test/harness.ts';
import { seedFailedJob } from './failed-job.ts';
import { seedDemoData, type DemoData } from './seed.ts';

let env: TestWorkflowEnvironment;
let database: Awaited<ReturnType<typeof createScratchDatabase>>;
let api: TestApi;
let workers: RunningWorker[] = [];
let demo: DemoData;
let http: ReturnType<typeof httpClient>;
const seedFailure = () =>
  seedFailedJob({
    baseUrl: api.baseUrl,
    token: api.config.API_TOKEN,
    prisma: api.prisma,
    gameId: demo.games[2]!.id,
    starterId: demo.playerIds[0]!,
    unusedSubstituteId: demo.playerIds[14]!,
  });

beforeAll(async () => {
  [env, database] = await Promise.all([startLocalTemporal(), createScratchDatabase()]);
  api = await startApi(testConfig({ TEMPORAL_ADDRESS: env.address, DATABASE_URL: database.url }), {
    temporal: env.client,
  });
  http = httpClient(api.baseUrl);
  // No worker yet: every run the seeding starts waits on its queue.
  demo = await seedDemoData({ baseUrl: api.baseUrl, token: api.config.API_TOKEN });
}, 120_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await api?.close();
  await env?.teardown();
  await database?.drop();
});

describe('the demo data', () => {
  it('leaves one failed recalculation, made before any worker polled, that a retry turns into the right minutes, and only once', async () => {
    const failing = seedFailure().then(
      (id) => ({ id }),
      (err: unknown) => ({ err }),
    );
    // The game's runs are all still queued; the workers start only now, as a cold worker's bundling ends.
    const queued = await http(
      'GET',
      `/api/admin/jobs?type=minutes-recalculation&status=running&gameId=${demo.games[2]!.id}`,
    );
    expect(queued.body.jobs.length).toBeGreaterThan(0);
    workers = await startWorkers(env.nativeConnection, api.config, {
      prisma: api.prisma,
      redis: api.redis,
      temporal: env.client,
    });
    const outcome = await failing;
    if ('err' in outcome) throw outcome.err;
    const workflowId = outcome.id;
    expect(workflowId).toBeDefined();
    const failed = await http('GET', `/api/admin/jobs?status=failed&gameId=${demo.games[2]!.id}`);
    expect(failed.body.jobs.map((job: { workflowId: string }) => job.workflowId)).toEqual([workflowId]);
    // The impossible row is gone again: the game's stored events are the demo's plus the red card.
    expect(await api.prisma.substitution.count({ where: { gameId: demo.games[2]!.id } })).toBe(2);

    const retried = await http('POST', `/api/admin/jobs/${encodeURIComponent(workflowId!)}/retry`, { body: {} });
    expect(retried.status).toBe(202);
    const report = await waitFor(
      async () => {
        const res = await http('GET', `/api/games/${demo.games[2]!.id}/report`);
        return res.body.status === 'calculated' ? res.body : undefined;
      },
      30_000,
      'the retried recalculation',
    );
    const minutes = Object.fromEntries(
      report.players.map((p: { playerId: string; minutesPlayed: number }) => [p.playerId, p.minutesPlayed]),
    );
    // 120 minutes: sent off at 64; off at 91; on at 91 and off at 105; on at 105; never on.
    expect(minutes[demo.playerIds[0]!]).toBe(64);
    expect(minutes[demo.playerIds[9]!]).toBe(91);
    expect(minutes[demo.playerIds[13]!]).toBe(14);
    expect(minutes[demo.playerIds[12]!]).toBe(15);
    expect(minutes[demo.playerIds[14]!]).toBe(0);
    expect(minutes[demo.playerIds[1]!]).toBe(120);

    expect(await seedFailure()).toBeUndefined();
    const after = await http('GET', `/api/admin/jobs?status=failed&gameId=${demo.games[2]!.id}`);
    expect(after.body.jobs).toHaveLength(1); // the same one: no second failure
  }, 120_000);
});
