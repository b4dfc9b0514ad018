// No saved event goes without its recalculation, and no request starts a second run. Each test has its
// own database, worker and API, so every count below is exact: the rows are the test's own.
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createScratchDatabase,
  gameWithBench,
  httpClient,
  startApi,
  startLocalTemporal,
  startWorker,
  testConfig,
  waitFor,
  type TestApi,
} from '../../test/harness.ts';
import { createMinutesActivities } from '../activities/minutes.ts';
import { createPrisma } from '../db/client.ts';
import { createLogger } from '../logger.ts';
import { WorkflowStarter } from './outbox.ts';

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await startLocalTemporal();
});

afterAll(async () => {
  await env?.teardown();
});

/** A database, a worker on its own task queue, and an API whose Temporal is `temporal`: one test's world. */
async function world(temporal: 'unreachable' | 'live') {
  const database = await createScratchDatabase();
  const taskQueue = `outbox-${randomUUID()}`;
  const workerPrisma = createPrisma(database.url);
  const worker = await startWorker(env.nativeConnection, taskQueue, createMinutesActivities({ prisma: workerPrisma }));
  const config = testConfig({
    DATABASE_URL: database.url,
    TASK_QUEUE_MINUTES: taskQueue,
    TEMPORAL_ADDRESS: temporal === 'live' ? env.address : '127.0.0.1:1',
  });
  const api = await startApi(config, temporal === 'live' ? { temporal: env.client } : {});
  return {
    api,
    http: httpClient(api.baseUrl),
    relay: () =>
      new WorkflowStarter({ prisma: api.prisma, temporal: env.client, logger: createLogger('relay', 'silent') }),
    async close() {
      await api.close();
      await worker.stop();
      await workerPrisma.$disconnect();
      await database.drop();
    },
  };
}

async function runsOf(requestId: string): Promise<string[]> {
  const runs: string[] = [];
  for await (const wf of env.client.workflow.list({ query: `FulltimeRequestId = "${requestId}"` })) runs.push(wf.runId);
  return runs;
}

/** Makes every undispatched row due now (the relay otherwise waits out the API's grace period). */
async function makeDue(api: TestApi) {
  return api.prisma.workflowOutbox.updateMany({ where: { dispatchedAt: null }, data: { nextAttemptAt: new Date(0) } });
}

describe('transactional outbox', () => {
  it('accepts writes while Temporal is unreachable and the relay starts them once it is back', async () => {
    const w = await world('unreachable');
    try {
      const { gameId, starter: a, bench: b } = await gameWithBench(w.http);
      const key = `offline-sub-${gameId}`;
      const res = await w.http('POST', `/api/games/${gameId}/substitutions`, {
        body: { minute: 30, playerOutId: a, playerInId: b },
        key,
      });
      expect(res.status).toBe(201);
      expect(res.body.recalculation.workflowId).toBe(`minutes-recalc:${key}`);

      // Both starts (game.created and substitution.created) wait in the outbox, typed as written.
      const pending = await w.api.prisma.workflowOutbox.findMany({
        where: { dispatchedAt: null },
        orderBy: { id: 'asc' },
      });
      expect(pending.map((row) => row.workflowId)).toEqual([
        expect.stringMatching(/^minutes-recalc:/),
        `minutes-recalc:${key}`,
      ]);
      expect(pending[1]!.start).toEqual({
        workflowType: 'recalculateMinutesWorkflow',
        workflowId: `minutes-recalc:${key}`,
        taskQueue: w.api.config.taskQueues.minutes,
        args: [{ gameId, requestId: key, trigger: 'substitution.created' }],
        searchAttributes: { trigger: 'substitution.created', requestId: key, gameId },
        memo: { requestedBy: 'token', gameId, requestId: key, trigger: 'substitution.created', eventsVersion: 1 },
        // One game's burst of recalculations shares dispatch fairly with other games' (contracts/priorities.ts).
        fairnessKey: `game:${gameId}`,
      });
      expect((await w.http('GET', `/api/games/${gameId}/report`)).body.status).toBe('pending');

      // Temporal "comes back": a relay connected to the live server (where the worker polls).
      const relay = w.relay();
      expect((await makeDue(w.api)).count).toBe(2);
      expect(await relay.relayOnce()).toEqual({ started: 2, alreadyStarted: 0, failed: 0 });

      const report = await waitFor(
        async () => {
          const r = await w.http('GET', `/api/games/${gameId}/report`);
          return r.body.status === 'calculated' ? r.body : null;
        },
        20_000,
        'the relayed recalculation',
      );
      expect(report.players).toEqual([
        { playerId: a, starter: true, minutesPlayed: 30, minutesCalculationMethod: 'calculated' },
        { playerId: b, starter: false, minutesPlayed: 60, minutesCalculationMethod: 'calculated' },
      ]);
      expect(await w.api.prisma.workflowOutbox.count({ where: { dispatchedAt: null } })).toBe(0);
      // The run was started from the stored start: same search attributes as a direct start.
      const description = await env.client.workflow.getHandle(`minutes-recalc:${key}`).describe();
      expect(description.searchAttributes).toMatchObject({
        FulltimeTrigger: ['substitution.created'],
        FulltimeGameId: [gameId],
        FulltimeRequestId: [key],
      });

      // Dispatching the same row again (a relay that crashed before marking it) starts no second run.
      await w.api.prisma.workflowOutbox.update({
        where: { id: pending[1]!.id },
        data: { dispatchedAt: null, nextAttemptAt: new Date(0) },
      });
      expect(await relay.relayOnce()).toEqual({ started: 0, alreadyStarted: 1, failed: 0 });
      expect(await waitFor(async () => ((await runsOf(key)).length === 1 ? runsOf(key) : null))).toHaveLength(1);
    } finally {
      await w.close();
    }
  });

  it('starts each relayed row once even with several relays at the same time', async () => {
    const w = await world('unreachable');
    try {
      const { gameId, starter: a, bench: b } = await gameWithBench(w.http);
      const key = `many-relays-${gameId}`;
      await w.http('POST', `/api/games/${gameId}/substitutions`, {
        body: { minute: 10, playerOutId: a, playerInId: b },
        key,
      });
      expect((await makeDue(w.api)).count).toBe(2);
      const passes = await Promise.all(Array.from({ length: 4 }, () => w.relay().relayOnce()));
      // Two rows, four relays: SKIP LOCKED hands each row to exactly one of them.
      expect(passes.reduce((sum, p) => sum + p.started, 0)).toBe(2);
      expect(passes.reduce((sum, p) => sum + p.alreadyStarted + p.failed, 0)).toBe(0);
      const rows = await w.api.prisma.workflowOutbox.findMany();
      expect(rows.map((row) => row.attempts)).toEqual([1, 1]);
      expect(await waitFor(async () => ((await runsOf(key)).length === 1 ? runsOf(key) : null))).toHaveLength(1);
    } finally {
      await w.close();
    }
  });
});

describe('Idempotency-Key', () => {
  it('gives concurrent repeats of one key one row, one response and one workflow', async () => {
    const w = await world('live');
    try {
      const { gameId, starter: a, bench: b } = await gameWithBench(w.http);
      const key = `concurrent-${gameId}`;
      const body = { minute: 45, playerOutId: a, playerInId: b };
      const responses = await Promise.all(
        Array.from({ length: 12 }, () => w.http('POST', `/api/games/${gameId}/substitutions`, { body, key })),
      );
      expect(new Set(responses.map((r) => r.status))).toEqual(new Set([201]));
      expect(new Set(responses.map((r) => JSON.stringify(r.body))).size).toBe(1);
      expect(responses.every((r) => r.headers.get('x-request-id') === key)).toBe(true);
      expect(responses.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(11);
      expect(await w.api.prisma.substitution.count({ where: { gameId } })).toBe(1);
      expect(await w.api.prisma.workflowOutbox.count({ where: { requestId: key } })).toBe(1);
      expect((await w.http('GET', `/api/games/${gameId}`)).body.eventsVersion).toBe(1);
      const runs = await waitFor(
        async () => {
          const r = await runsOf(key);
          return r.length > 0 ? r : null;
        },
        10_000,
        'the workflow to be visible',
      );
      expect(runs).toHaveLength(1);
      const result = await env.client.workflow.getHandle(`minutes-recalc:${key}`).result();
      // 'superseded' when the game.created run, starting later, already computed version 1.
      expect(result).toEqual({ gameId, eventsVersion: 1, outcome: expect.stringMatching(/^(calculated|superseded)$/) });
      const report = await waitFor(async () => {
        const r = await w.http('GET', `/api/games/${gameId}/report`);
        return r.body.status === 'calculated' ? r.body : null;
      });
      expect(report.calculatedVersion).toBe(1);

      // Later repeats, after the workflow finished, still create nothing.
      const late = await w.http('POST', `/api/games/${gameId}/substitutions`, { body, key });
      expect(late.body).toEqual(responses[0]!.body);
      expect(await w.api.prisma.substitution.count({ where: { gameId } })).toBe(1);
      expect(await runsOf(key)).toHaveLength(1);
    } finally {
      await w.close();
    }
  });
});
