// Worker Versioning on the dev server, with two builds of a worker serving one task queue: runs
// started on v1 finish on v1 after v2 is promoted, a ramp splits new runs between them, a rollback
// sends new runs back to v1, and every command is audited. `npm run release` answers status.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot, runProcess, startLocalTemporal, testConfig, waitFor } from '../../../test/harness.ts';
import { createPrisma, type PrismaClient } from '../../db/client.ts';
import { ConflictError, InvalidInputError, NotFoundError } from '../../domain/errors.ts';
import { workerDeploymentOptions } from '../../workers/versioning.ts';
import { promoteOnStart, releaseStatus, runReleaseCommand, type ReleaseDeps } from './releases.ts';

const deploymentName = `release-test-${randomUUID().slice(0, 8)}`;
const taskQueue = `release-test-${randomUUID()}`;
const [v1, v2] = ['1.0.0-aaaaaaaaaaaa', '1.1.0-bbbbbbbbbbbb'];

let env: TestWorkflowEnvironment;
let prisma: PrismaClient;
let deps: ReleaseDeps;
const running: { worker: Worker; done: Promise<void> }[] = [];

async function startBuild(buildId: string, code: string) {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { code },
    activities: { buildOfWorker: async () => buildId },
    workerDeploymentOptions: workerDeploymentOptions({
      WORKER_DEPLOYMENT_NAME: deploymentName,
      WORKER_BUILD_ID: buildId,
    }),
  });
  running.push({ worker, done: worker.run() });
}

const who = () => ({ actor: 'test', requestId: randomUUID() });
const probe = (id: string, wait = false) =>
  env.client.workflow.start('releaseProbeWorkflow', { taskQueue, workflowId: id, args: [wait] });

beforeAll(async () => {
  env = await startLocalTemporal();
  prisma = createPrisma(testConfig().DATABASE_URL);
  deps = { prisma, temporal: env.client, deploymentName };
  const { code } = await bundleWorkflowCode({
    workflowsPath: path.join(projectRoot, 'test/fixtures/release-probe-workflows.ts'),
    logger: { trace() {}, debug() {}, info() {}, log() {}, warn() {}, error: console.error },
  });
  await startBuild(v1, code);
  await startBuild(v2, code);
}, 120_000);

afterAll(async () => {
  for (const { worker } of running) if (worker.getState() === 'RUNNING') worker.shutdown();
  await Promise.all(running.map((r) => r.done));
  await prisma?.$disconnect();
  await env?.teardown();
});

describe('releases with Worker Versioning', () => {
  it('moves new runs between two builds while pinned runs stay on theirs', async () => {
    // The first deploy: no current version yet, so a starting worker of v1 makes itself current; a
    // worker of v2 with `if-none` then changes nothing.
    expect(await promoteOnStart(deps, v1, 'if-none', who())).toMatch(/is current/);
    await waitFor(async () => (await releaseStatus(deps)).versions.length === 2, 30_000, 'both builds to poll');
    expect(await promoteOnStart(deps, v2, 'if-none', who())).toBeNull();
    expect(await releaseStatus(deps)).toMatchObject({ current: v1, ramping: null });

    const held = await probe(`held-${randomUUID()}`, true);
    // Its version is recorded when its first workflow task completes.
    const pinnedTo = await waitFor(
      async () => (await held.describe()).raw.workflowExecutionInfo?.versioningInfo?.deploymentVersion?.buildId,
      30_000,
      'the held run to be placed on a version',
    );
    expect(pinnedTo).toBe(v1);

    // A ramp: a share of new runs to v2. Which runs is decided by a hash of the workflow ID, so these
    // fixed IDs split the same way every time; 40 runs at 50% give both builds some.
    await runReleaseCommand(deps, { command: 'ramp', buildId: v2, percent: 50 }, who());
    expect(await releaseStatus(deps)).toMatchObject({ current: v1, ramping: { buildId: v2, percent: 50 } });
    const ramped = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => (await probe(`ramp-${deploymentName}-${i}`)).result()),
    );
    const counts = { [v1]: ramped.filter((b) => b === v1).length, [v2]: ramped.filter((b) => b === v2).length };
    expect(counts[v1]! + counts[v2]!).toBe(40);
    expect(counts[v1]).toBeGreaterThan(0);
    expect(counts[v2]).toBeGreaterThan(0);

    // Promote v2: new runs go to it; the run pinned to v1 still finishes on v1.
    await runReleaseCommand(deps, { command: 'promote', buildId: v2 }, who());
    expect(await releaseStatus(deps)).toMatchObject({ current: v2, ramping: null });
    expect(await (await probe(`after-promote-${randomUUID()}`)).result()).toBe(v2);
    const open = await waitFor(
      async () => {
        const status = await releaseStatus(deps);
        const onV1 = status.versions.find((v) => v.buildId === v1);
        return onV1 && onV1.openRuns === 1 ? status : undefined;
      },
      30_000,
      'the held run counted open on v1',
    );
    expect(open.versions.find((v) => v.buildId === v1)).toMatchObject({ status: 'draining', openRuns: 1 });
    await held.signal('finish');
    expect(await held.result()).toBe(v1);

    // Roll back: v1 is current again and takes new runs.
    const rolledBack = await runReleaseCommand(deps, { command: 'rollback' }, who());
    expect(rolledBack).toMatchObject({ current: v1, ramping: null });
    expect(await (await probe(`after-rollback-${randomUUID()}`)).result()).toBe(v1);

    // A rollback during a ramp stops the ramp and leaves the current build alone.
    await runReleaseCommand(deps, { command: 'ramp', buildId: v2, percent: 10 }, who());
    expect(await runReleaseCommand(deps, { command: 'rollback' }, who())).toMatchObject({ current: v1, ramping: null });
  }, 180_000);

  it('refuses what cannot be done, changes nothing, and audits every command', async () => {
    const before = await releaseStatus(deps);
    await expect(runReleaseCommand(deps, { command: 'ramp', buildId: v2, percent: 101 }, who())).rejects.toThrow(
      InvalidInputError,
    );
    await expect(runReleaseCommand(deps, { command: 'promote', buildId: '9.9.9-nothere' }, who())).rejects.toThrow(
      NotFoundError,
    );
    await expect(
      runReleaseCommand(deps, { command: 'ramp', buildId: before.current!, percent: 5 }, who()),
    ).rejects.toThrow(ConflictError);
    const after = await releaseStatus(deps);
    expect({ current: after.current, ramping: after.ramping }).toEqual({
      current: before.current,
      ramping: before.ramping,
    });

    const audit = await prisma.auditEntry.findMany({
      where: { action: 'release', target: { startsWith: deploymentName } },
      orderBy: [{ at: 'asc' }, { id: 'asc' }],
    });
    // The first test: promote v1 (at start), ramp, promote, rollback, ramp, rollback; then three refusals.
    expect(audit.map((a) => [a.outcome, (a.details as { command: string }).command])).toEqual([
      ['succeeded', 'promote'],
      ['succeeded', 'ramp'],
      ['succeeded', 'promote'],
      ['succeeded', 'rollback'],
      ['succeeded', 'ramp'],
      ['succeeded', 'rollback'],
      ['refused', 'ramp'],
      ['refused', 'promote'],
      ['refused', 'ramp'],
    ]);
  });

  it('npm run release answers status and refuses a malformed command', async () => {
    const config = testConfig({ TEMPORAL_ADDRESS: env.address });
    const extra = { WORKER_DEPLOYMENT_NAME: deploymentName };
    const status = runProcess(process.execPath, ['--import', 'tsx', 'scripts/release.ts', 'status'], config, extra);
    expect(await status.exited, status.output()).toBe(0);
    expect(status.output()).toContain(`current  ${v1}`);
    expect(status.output()).toMatch(new RegExp(`^${v2.replace(/\./g, '\\.')}\\t(draining|drained)\\t0\\t`, 'm'));
    const malformed = runProcess(
      process.execPath,
      ['--import', 'tsx', 'scripts/release.ts', 'ramp', v2],
      config,
      extra,
    );
    expect(await malformed.exited).toBe(2);
    expect(malformed.output()).toContain('usage: npm run release');
  }, 60_000);

  it('with `always` (npm run dev), a new build makes itself current once it polls every queue it serves', async () => {
    // A worker that has only just started: the server refuses a current version missing a queue the
    // old one had, so promoteOnStart waits until its queue is seen.
    const { code } = await bundleWorkflowCode({
      workflowsPath: path.join(projectRoot, 'test/fixtures/release-probe-workflows.ts'),
      logger: { trace() {}, debug() {}, info() {}, log() {}, warn() {}, error: console.error },
    });
    const v3 = '1.2.0-cccccccccccc';
    const promoting = promoteOnStart(deps, v3, 'always', who(), [taskQueue]);
    await startBuild(v3, code);
    expect(await promoting).toMatch(new RegExp(`^${v3.replace(/\./g, '\\.')} is current`));
    expect(await (await probe(`after-always-${randomUUID()}`)).result()).toBe(v3);
  }, 120_000);
});
