// A burst of stats runs in one scope on the real dev server: one unbounded batch of 300 (a whole
// matchday's results) made the coordinator's workflow task larger than the server takes, and the
// server terminated it (GrpcMessageTooLarge) with every run still waiting.
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLocalTemporal, startWorker, type RunningWorker } from '../../test/harness.ts';
import { joinStatsRefreshOn } from '../../test/stats-fakes.ts';
import { aggregationActivities, aggregationNames, statsTriggers } from '../contracts/stats.ts';
import { statsWorkflow } from './stats.ts';

let env: TestWorkflowEnvironment;
let worker: RunningWorker;
const taskQueue = `stats-burst-${randomUUID()}`;

beforeAll(async () => {
  env = await startLocalTemporal();
  worker = await startWorker(env.nativeConnection, taskQueue, {
    ...Object.fromEntries(
      aggregationNames.map((name) => [aggregationActivities[name], async () => ({ rowsWritten: 0, attempt: 1 })]),
    ),
    async readStatsSwitches() {
      return {
        triggers: Object.fromEntries(statsTriggers.map((t) => [t, true])),
        aggregations: Object.fromEntries(aggregationNames.map((a) => [a, true])),
      };
    },
    joinStatsRefresh: joinStatsRefreshOn(() => env.client, taskQueue),
    async invalidateAggregationCache() {
      return { invalidatedKeys: 0 };
    },
  });
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await env?.teardown();
});

it('serves a burst of 300 runs in refreshes of at most 100, and tells every run', async () => {
  const scope = `burst-${randomUUID()}`;
  const handles = await Promise.all(
    Array.from({ length: 300 }, (_, i) =>
      env.client.workflow.start(statsWorkflow, {
        taskQueue,
        workflowId: `stats:burst-${i}-${randomUUID()}`,
        args: [{ triggeredBy: 'admin', requestId: `burst-${i}`, scope }],
      }),
    ),
  );
  const summaries = await Promise.all(handles.map((h) => h.result()));
  expect(summaries.every((s) => s.status === 'completed')).toBe(true);
  const servedBy = new Map(summaries.map((s) => [s.refresh!.workflowId, s.refresh!.served]));
  summaries.forEach((s, i) => expect(s.refresh!.served).toContain(handles[i]!.workflowId));
  expect(Math.max(...[...servedBy.values()].map((served) => served.length))).toBeLessThanOrEqual(100);
  expect([...servedBy.values()].reduce((n, served) => n + served.length, 0)).toBe(300);
  expect(servedBy.size).toBeGreaterThanOrEqual(3);
}, 180_000);
