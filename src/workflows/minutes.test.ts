// The recalculation workflow's retry policy on the time-skipping test server: transient failures back
// off and retry until they succeed; bad data fails at once.
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTimeSkippingTemporal, startWorker, testConfig, type RunningWorker } from '../../test/harness.ts';
import { createMinutesActivities } from '../activities/minutes.ts';
import { createPrisma, type PrismaClient } from '../db/client.ts';
import { Triggers } from '../contracts/common.ts';
import { recalculateMinutesWorkflow } from './minutes.ts';

let env: TestWorkflowEnvironment;
let prisma: PrismaClient;
let worker: RunningWorker;
const taskQueue = `minutes-retry-${randomUUID()}`;
/** gameId -> how many attempts should fail with a transient error before the real activity runs. */
const transientFailures = new Map<string, number>();
const attempts = new Map<string, number[]>();

beforeAll(async () => {
  env = await startTimeSkippingTemporal();
  prisma = createPrisma(testConfig().DATABASE_URL);
  const real = createMinutesActivities({ prisma });
  const { Context } = await import('@temporalio/activity');
  worker = await startWorker(env.nativeConnection, taskQueue, {
    async recalculateGameMinutes(input: { gameId: string }) {
      const attempt = Context.current().info.attempt;
      attempts.set(input.gameId, [...(attempts.get(input.gameId) ?? []), attempt]);
      if (attempt <= (transientFailures.get(input.gameId) ?? 0)) {
        throw new Error('connect ECONNREFUSED 127.0.0.1:5432 (database briefly down)');
      }
      return real.recalculateGameMinutes(input);
    },
  });
});

afterAll(async () => {
  await worker?.stop();
  await prisma?.$disconnect();
  await env?.teardown();
});

async function gameWith(events: 'valid' | 'impossible'): Promise<string> {
  const gameId = randomUUID();
  const [a, b] = [randomUUID(), randomUUID()];
  await prisma.player.createMany({
    data: [
      { id: a, name: 'A' },
      { id: b, name: 'B' },
    ],
  });
  await prisma.game.create({
    data: {
      id: gameId,
      homeTeam: 'H',
      awayTeam: 'A',
      kickoffAt: new Date(),
      season: '2026',
      eventsVersion: 1,
      lineup: {
        createMany: {
          data: [
            { playerId: a, starter: true },
            { playerId: b, starter: false },
          ],
        },
      },
    },
  });
  await prisma.substitution.create({ data: { id: randomUUID(), gameId, minute: 70, playerOutId: a, playerInId: b } });
  if (events === 'impossible') {
    await prisma.disciplinaryAction.create({
      data: { id: `red-${gameId}`, gameId, playerId: a, cardType: 'red', minute: 80 },
    });
  }
  return gameId;
}

/** The ApplicationFailure the activity threw, wherever it sits in the failure's cause chain. */
function applicationFailureIn(err: unknown): ApplicationFailure {
  for (let cause = err; cause; cause = (cause as Error).cause) {
    if (cause instanceof ApplicationFailure) return cause;
  }
  throw new Error(`no ApplicationFailure in ${String(err)}`);
}

async function start(gameId: string) {
  return env.client.workflow.start(recalculateMinutesWorkflow, {
    taskQueue,
    workflowId: `minutes-recalc:${randomUUID()}`,
    args: [{ gameId, requestId: randomUUID(), trigger: Triggers.substitutionCreated }],
  });
}

async function run(gameId: string) {
  return (await start(gameId)).result();
}

/** Workflow time from start to close, read from the run's own history (the server's clock). */
async function workflowDurationMs(handle: Awaited<ReturnType<typeof start>>): Promise<number> {
  const events = (await handle.fetchHistory()).events ?? [];
  const ms = (e: (typeof events)[number]) =>
    Number(e.eventTime!.seconds) * 1000 + Math.floor((e.eventTime!.nanos ?? 0) / 1e6);
  return ms(events[events.length - 1]!) - ms(events[0]!);
}

describe('recalculateMinutesWorkflow retry policy', () => {
  it('retries transient failures with exponential backoff until the activity succeeds', async () => {
    const gameId = await gameWith('valid');
    transientFailures.set(gameId, 4);
    const handle = await start(gameId);
    const result = await handle.result();
    const elapsedMs = await workflowDurationMs(handle);

    expect(result).toEqual({ gameId, eventsVersion: 1, outcome: 'calculated' });
    expect(attempts.get(gameId)).toEqual([1, 2, 3, 4, 5]);
    // Backoff 1 s, 2 s, 4 s, 8 s: at least 15 s of (skipped) workflow time passed between attempts.
    expect(elapsedMs).toBeGreaterThanOrEqual(15_000);
    const minutes = await prisma.playerMinutes.findMany({ where: { gameId }, orderBy: { minutesPlayed: 'desc' } });
    expect(minutes.map((m) => m.minutesPlayed)).toEqual([70, 20]);
  });

  it('caps the backoff at one minute between attempts', async () => {
    const gameId = await gameWith('valid');
    transientFailures.set(gameId, 9); // 1+2+4+8+16+32+60+60+60 s of waiting
    const handle = await start(gameId);
    await handle.result();
    const elapsedMs = await workflowDurationMs(handle);
    expect(attempts.get(gameId)).toHaveLength(10);
    expect(elapsedMs).toBeGreaterThanOrEqual(243_000);
    expect(elapsedMs).toBeLessThan(243_000 + 60_000); // a 128 s interval would overshoot this
  });

  it('fails an impossible timeline at once, without retries, and marks the report invalid', async () => {
    const gameId = await gameWith('impossible');
    const failure = await run(gameId).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = applicationFailureIn(failure);
    expect(cause.type).toBe('InvalidTimeline');
    expect(cause.nonRetryable).toBe(true);
    expect(cause.message).toMatch(`red card red-${gameId} (minute 80)`);
    expect(attempts.get(gameId)).toEqual([1]);
    const report = await prisma.gameReport.findUniqueOrThrow({ where: { gameId } });
    expect(report).toMatchObject({ checkedVersion: 1, calculatedVersion: null, errorEventId: `red-${gameId}` });
  });

  it('fails at once for a game that does not exist', async () => {
    const gameId = `missing-${randomUUID()}`;
    const failure = await run(gameId).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(applicationFailureIn(failure).type).toBe('GameNotFound');
    expect(attempts.get(gameId)).toEqual([1]);
  });
});
