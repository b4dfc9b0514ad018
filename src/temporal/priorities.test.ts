// Task-queue priority on the dev server, through the starts the services build: with a backlog of
// twenty backfill recalculations (priority 5) queued before it, a settlement (priority 1) started
// last is the first run a worker picks up. Without priorities (WORKFLOW_PRIORITIES=off) the same
// settlement waits behind (nearly) all twenty: the control that shows the order comes from the keys.
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalTemporal } from '../../test/harness.ts';
import { RequestedBy, Triggers } from '../contracts/common.ts';
import { PriorityKeys } from '../contracts/priorities.ts';
import { recalculationStart } from '../services/minutes/recalculation.ts';
import { settlementStart } from '../services/settlement/settle.ts';
import { setWorkflowPriorities, startWorkflowOnce, type AnyWorkflowStart } from './start-workflow.ts';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startLocalTemporal();
});
afterAll(async () => {
  setWorkflowPriorities(true);
  await env?.teardown();
});

/** Queues 20 backfills then one settlement with no worker polling, then serves them one task at a time. */
async function pickUpOrder(prioritiesOn: boolean): Promise<{ order: string[]; settlement: string }> {
  setWorkflowPriorities(prioritiesOn);
  const taskQueue = `priorities-${randomUUID()}`;
  const starts: AnyWorkflowStart[] = Array.from({ length: 20 }, (_, i) =>
    recalculationStart({
      requestId: `backfill-${randomUUID()}`,
      gameId: `game-${i}`,
      trigger: Triggers.backfill,
      eventsVersion: 1,
      taskQueue,
      requestedBy: RequestedBy.system,
    }),
  );
  const settlement = settlementStart({
    gameId: 'game-final',
    resultHash: randomUUID(),
    requestId: randomUUID(),
    requestedBy: RequestedBy.token,
    trigger: Triggers.postMatch,
    taskQueue,
    tournamentId: 'cup',
  });
  for (const start of [...starts, settlement]) {
    expect((await startWorkflowOnce(env.client, start)).outcome).toBe('started');
  }
  const described = await env.client.workflow.getHandle(settlement.workflowId).describe();
  expect(described.priority?.priorityKey ?? null).toBe(prioritiesOn ? PriorityKeys.matchday : null);
  // Two workflow tasks at a time from one poller. The recalculation's local activity answers at once
  // (an unregistered one would fail its workflow task, and the retried task would queue again).
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    activities: {
      recalculateGameMinutes: async (input: { gameId: string }) => ({
        gameId: input.gameId,
        eventsVersion: 1,
        outcome: 'calculated',
      }),
    },
    maxConcurrentWorkflowTaskExecutions: 2,
    maxConcurrentWorkflowTaskPolls: 1,
  });
  const ids = [...starts, settlement].map((s) => s.workflowId);
  const firstTaskAt = new Map<string, number>();
  await worker.runUntil(async () => {
    while (firstTaskAt.size < ids.length) {
      for (const id of ids.filter((i) => !firstTaskAt.has(i))) {
        const history = await env.client.workflow.getHandle(id).fetchHistory();
        const started = history.events?.find((e) => e.workflowTaskStartedEventAttributes);
        if (started) firstTaskAt.set(id, eventTime(started.eventTime));
      }
      await new Promise((resolve) => setTimeout(resolve, 100)); // between rounds of reading 21 histories
    }
  });
  await Promise.all(
    ids.map((id) =>
      env.client.workflow
        .getHandle(id)
        .terminate('test done')
        .catch(() => undefined),
    ),
  );
  const order = [...ids].sort((a, b) => firstTaskAt.get(a)! - firstTaskAt.get(b)!);
  return { order, settlement: settlement.workflowId };
}

function eventTime(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  return Number(ts?.seconds ?? 0) * 1e9 + (ts?.nanos ?? 0);
}

describe('priorities', () => {
  it('a settlement overtakes a backlog of backfill recalculations queued before it', async () => {
    const { order, settlement } = await pickUpOrder(true);
    expect(order.indexOf(settlement)).toBeLessThanOrEqual(1);
  }, 120_000);

  it('without priorities it waits behind them (the control)', async () => {
    const { order, settlement } = await pickUpOrder(false);
    expect(order.indexOf(settlement)).toBeGreaterThanOrEqual(15);
  }, 120_000);
});
