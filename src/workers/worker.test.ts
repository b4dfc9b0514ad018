// The worker process as operators run it from sources: it starts against a real server, registers the
// search attributes, bundles and serves its task queue, and on SIGTERM drains and exits 0.
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProcess, startLocalTemporal, testConfig, waitFor, type RunningProcess } from '../../test/harness.ts';
import { workerMetricsAddress } from '../../test/prometheus.ts';
import { createPrisma, type PrismaClient } from '../db/client.ts';
import protos from '@temporalio/proto';
import { buildInfo } from '../build-info.ts';
import { Triggers } from '../contracts/common.ts';

let env: TestWorkflowEnvironment;
let prisma: PrismaClient;
let worker: RunningProcess | undefined;

beforeAll(async () => {
  env = await startLocalTemporal();
  prisma = createPrisma(testConfig().DATABASE_URL);
});

afterAll(async () => {
  worker?.kill(); // even if the test timed out before its own SIGTERM
  await prisma?.$disconnect();
  await env?.teardown();
});

describe('worker process', () => {
  it('serves its task queue and exits 0 on SIGTERM', async () => {
    const config = testConfig({ TEMPORAL_ADDRESS: env.address });
    // node with tsx's loader: one process, so the cleanup's SIGKILL cannot orphan a child.
    worker = runProcess(process.execPath, ['--import', 'tsx', 'src/workers/worker.ts', 'minutes'], config);
    try {
      await waitFor(async () => worker!.output().includes('"worker started"'), 60_000, 'the worker to start');
      expect(worker.output()).toContain('"bundled workflow code from src/workflows"');
      // Its metrics listener: /healthz while it polls, and one page with the SDK's metrics and ours.
      const metrics = workerMetricsAddress(worker.output());
      expect((await fetch(`http://${metrics}/healthz`)).status).toBe(200);
      const page = await (await fetch(`http://${metrics}/metrics`)).text();
      expect(page).toMatch(/^temporal_num_pollers\{.*task_queue="[^"]+-minutes"/m);
      expect(page).toMatch(/^fulltime_outbox_dispatches_total\{source="relay",outcome="started"\} 0$/m);
      expect((await fetch(`http://${metrics}/nothing`)).status).toBe(404);

      const gameId = randomUUID();
      const player = randomUUID();
      await prisma.player.create({ data: { id: player, name: 'P' } });
      await prisma.game.create({
        data: {
          id: gameId,
          homeTeam: 'H',
          awayTeam: 'A',
          kickoffAt: new Date(),
          season: '2026',
          lineup: { create: { playerId: player, starter: true } },
        },
      });
      const handle = await env.client.workflow.start('recalculateMinutesWorkflow', {
        taskQueue: config.taskQueues.minutes,
        workflowId: `minutes-recalc:${randomUUID()}`,
        args: [{ gameId, requestId: randomUUID(), trigger: Triggers.backfill }],
      });
      expect(await handle.result()).toEqual({ gameId, eventsVersion: 0, outcome: 'calculated' });
      // It is a version of the worker deployment, the first one, so it made its build current at
      // start (audited), and the run was pinned to that build.
      const versioning = (await handle.describe()).raw.workflowExecutionInfo?.versioningInfo;
      expect(versioning?.deploymentVersion).toEqual({ deploymentName: 'fulltime', buildId: buildInfo().buildId });
      expect(versioning?.behavior).toBe(protos.temporal.api.enums.v1.VersioningBehavior.VERSIONING_BEHAVIOR_PINNED);
      const promoted = await prisma.auditEntry.findFirst({
        where: { action: 'release', target: `fulltime:${buildInfo().buildId}` },
      });
      expect(promoted).toMatchObject({ actor: 'system', outcome: 'succeeded' });
      // The long-lived stats coordinator is the one type that moves to a new build (its contract).
      const coordinator = await env.client.workflow.start('statsCoordinatorWorkflow', {
        taskQueue: config.taskQueues.minutes,
        workflowId: `stats-coordinator-test:${randomUUID()}`,
        args: [{ scope: `test-${randomUUID()}` }],
      });
      const behavior = await waitFor(
        async () => (await coordinator.describe()).raw.workflowExecutionInfo?.versioningInfo?.behavior,
        30_000,
        'the coordinator to be placed on a version',
      );
      expect(behavior).toBe(protos.temporal.api.enums.v1.VersioningBehavior.VERSIONING_BEHAVIOR_AUTO_UPGRADE);
      await coordinator.terminate('test done');
    } finally {
      worker.child.kill('SIGTERM');
    }
    expect(await worker.exited).toBe(0);
    expect(worker.output()).toContain('"worker stopped"');
    const attributes = await env.connection.operatorService.listSearchAttributes({ namespace: 'default' });
    expect(Object.keys(attributes.customAttributes ?? {})).toEqual(
      expect.arrayContaining(['FulltimeTrigger', 'FulltimeGameId', 'FulltimeRequestId']),
    );
  });
});
