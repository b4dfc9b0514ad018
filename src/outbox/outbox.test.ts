// No saved event goes without its recalculation, and no request starts a second run.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  httpClient,
  startApi,
  startLocalTemporal,
  startWorker,
  testConfig,
  waitFor,
  type RunningWorker,
  type TestApi,
} from '../../test/harness.ts';
import { createActivities } from '../activities/index.ts';
import { createPrisma, type PrismaClient } from '../db/client.ts';
import { createLogger } from '../logger.ts';
import { WorkflowStarter } from './outbox.ts';

let env: TestWorkflowEnvironment;
let worker: RunningWorker;
let workerPrisma: PrismaClient;
let taskQueue: string;

beforeAll(async () => {
  env = await startLocalTemporal();
  taskQueue = `outbox-${Date.now()}`;
  workerPrisma = createPrisma(testConfig().DATABASE_URL);
  worker = await startWorker(env.nativeConnection, taskQueue, createActivities({ prisma: workerPrisma }));
});

afterAll(async () => {
  await worker?.stop();
  await workerPrisma?.$disconnect();
  await env?.teardown();
});

async function seedGame(http: ReturnType<typeof httpClient>) {
  const [a, b] = await Promise.all(['A', 'B'].map(async (name) => (await http('POST', '/api/players', { body: { name } })).body.id as string));
  const game = await http('POST', '/api/games', {
    body: { homeTeam: 'H', awayTeam: 'A', kickoffAt: '2026-03-01T15:00:00Z', lineup: [{ playerId: a, starter: true }, { playerId: b, starter: false }] },
  });
  expect(game.status).toBe(201);
  return { gameId: game.body.id as string, a: a!, b: b! };
}

async function runsOf(requestId: string): Promise<string[]> {
  const runs: string[] = [];
  for await (const wf of env.client.workflow.list({ query: `FulltimeRequestId = "${requestId}"` })) runs.push(wf.runId);
  return runs;
}

describe('transactional outbox', () => {
  let offline: TestApi;

  afterAll(async () => {
    await offline?.close();
  });

  it('accepts writes while Temporal is unreachable and the relay starts them once it is back', async () => {
    // The API's Temporal address points nowhere: the write commits, the immediate start fails.
    const config = testConfig({ TEMPORAL_ADDRESS: '127.0.0.1:1', TASK_QUEUE_MINUTES: taskQueue });
    offline = await startApi(config);
    const http = httpClient(offline.baseUrl);
    const { gameId, a, b } = await seedGame(http);
    const key = `offline-sub-${gameId}`;
    const res = await http('POST', `/api/games/${gameId}/substitutions`, { body: { minute: 30, playerOutId: a, playerInId: b }, key });
    expect(res.status).toBe(201);
    expect(res.body.recalculation.workflowId).toBe(`minutes-recalc:${key}`);

    const pending = await offline.prisma.workflowOutbox.findUniqueOrThrow({ where: { workflowId: `minutes-recalc:${key}` } });
    expect(pending.dispatchedAt).toBeNull();
    expect((await http('GET', `/api/games/${gameId}/report`)).body.status).toBe('pending');

    // Temporal "comes back": a relay connected to the live server (where the worker polls).
    const relay = new WorkflowStarter({ prisma: offline.prisma, temporal: env.client, logger: createLogger('relay', 'silent') });
    await offline.prisma.workflowOutbox.updateMany({ where: { dispatchedAt: null }, data: { nextAttemptAt: new Date(0) } });
    const pass = await relay.relayOnce();
    expect(pass.started).toBeGreaterThanOrEqual(2); // game.created + substitution.created at least
    expect(pass.failed).toBe(0);

    const report = await waitFor(async () => {
      const r = await http('GET', `/api/games/${gameId}/report`);
      return r.body.status === 'calculated' ? r.body : null;
    }, 20_000, 'the relayed recalculation');
    expect(report.players).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ playerId: a, minutesPlayed: 30 }),
        expect.objectContaining({ playerId: b, minutesPlayed: 60 }),
      ]),
    );
    const dispatched = await offline.prisma.workflowOutbox.findUniqueOrThrow({ where: { id: pending.id } });
    expect(dispatched.dispatchedAt).not.toBeNull();

    // Dispatching the same row again (a relay that crashed before marking it) starts no second run.
    await offline.prisma.workflowOutbox.update({ where: { id: pending.id }, data: { dispatchedAt: null, nextAttemptAt: new Date(0) } });
    const again = await relay.relayOnce();
    expect(again.alreadyStarted).toBe(1);
    expect(again.started).toBe(0);
    expect(await waitFor(async () => ((await runsOf(key)).length === 1 ? runsOf(key) : null))).toHaveLength(1);
  });

  it('starts a relayed row only once even with several relays at the same time', async () => {
    const http = httpClient(offline.baseUrl);
    const { gameId, a, b } = await seedGame(http);
    const key = `many-relays-${gameId}`;
    await http('POST', `/api/games/${gameId}/substitutions`, { body: { minute: 10, playerOutId: a, playerInId: b }, key });
    await offline.prisma.workflowOutbox.updateMany({ where: { dispatchedAt: null }, data: { nextAttemptAt: new Date(0) } });
    const relays = Array.from({ length: 4 }, () =>
      new WorkflowStarter({ prisma: offline.prisma, temporal: env.client, logger: createLogger('relay', 'silent') }));
    const passes = await Promise.all(relays.map((r) => r.relayOnce()));
    const total = passes.reduce((sum, p) => sum + p.started + p.alreadyStarted, 0);
    expect(total).toBeGreaterThanOrEqual(2);
    const rows = await offline.prisma.workflowOutbox.findMany({ where: { requestId: key } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.attempts).toBe(1); // claimed by exactly one relay (SKIP LOCKED)
    expect(await waitFor(async () => ((await runsOf(key)).length === 1 ? runsOf(key) : null))).toHaveLength(1);
  });
});

describe('Idempotency-Key', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startApi(testConfig({ TEMPORAL_ADDRESS: env.address, TASK_QUEUE_MINUTES: taskQueue }), { temporal: env.client });
  });

  afterAll(async () => {
    await api?.close();
  });

  it('gives concurrent repeats of one key one row, one response and one workflow', async () => {
    const http = httpClient(api.baseUrl);
    const { gameId, a, b } = await seedGame(http);
    const key = `concurrent-${gameId}`;
    const body = { minute: 45, playerOutId: a, playerInId: b };
    const responses = await Promise.all(
      Array.from({ length: 12 }, () => http('POST', `/api/games/${gameId}/substitutions`, { body, key })),
    );
    expect(new Set(responses.map((r) => r.status))).toEqual(new Set([201]));
    expect(new Set(responses.map((r) => JSON.stringify(r.body))).size).toBe(1);
    expect(responses.every((r) => r.headers.get('x-request-id') === key)).toBe(true);
    expect(responses.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(11);
    expect(await api.prisma.substitution.count({ where: { gameId } })).toBe(1);
    expect(await api.prisma.workflowOutbox.count({ where: { requestId: key } })).toBe(1);
    expect((await http('GET', `/api/games/${gameId}`)).body.eventsVersion).toBe(1);
    const runs = await waitFor(async () => {
      const r = await runsOf(key);
      return r.length > 0 ? r : null;
    }, 10_000, 'the workflow to be visible');
    expect(runs).toHaveLength(1);
    const result = await env.client.workflow.getHandle(`minutes-recalc:${key}`).result();
    // 'superseded' when the game.created run, starting later, already computed version 1.
    expect(result).toEqual({ gameId, eventsVersion: 1, outcome: expect.stringMatching(/^(calculated|superseded)$/) });
    const report = await waitFor(async () => {
      const r = await http('GET', `/api/games/${gameId}/report`);
      return r.body.status === 'calculated' ? r.body : null;
    });
    expect(report.calculatedVersion).toBe(1);

    // Later repeats, after the workflow finished, still create nothing.
    const late = await http('POST', `/api/games/${gameId}/substitutions`, { body, key });
    expect(late.body).toEqual(responses[0]!.body);
    expect(await api.prisma.substitution.count({ where: { gameId } })).toBe(1);
    expect(await runsOf(key)).toHaveLength(1);
  });
});
