// The production build as the Docker image runs it: `scripts/build.ts` compiles to JavaScript and
// prebuilds the workflow bundle; `node <out>/src/workers/worker.js` serves workflows from that bundle
// (no webpack at start-up) and `node <out>/src/api/server.js` serves the API.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  projectRoot as root,
  runProcess,
  startLocalTemporal,
  testConfig,
  waitFor,
  type RunningProcess,
} from '../../test/harness.ts';
import { createPrisma, type PrismaClient } from '../db/client.ts';
import { Triggers } from '../contracts/common.ts';

const outDir = path.join(root, '.build-test', randomUUID().slice(0, 8));
let env: TestWorkflowEnvironment;
let prisma: PrismaClient;
const children: RunningProcess[] = [];

beforeAll(async () => {
  const build = spawnSync(
    path.join(root, 'node_modules/.bin/tsx'),
    ['scripts/build.ts', '--out', path.relative(root, outDir)],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  expect(build.status, build.stderr + build.stdout).toBe(0);
  env = await startLocalTemporal();
  prisma = createPrisma(testConfig().DATABASE_URL);
}, 180_000);

afterAll(async () => {
  for (const child of children) child.kill();
  await prisma?.$disconnect();
  await env?.teardown();
  fs.rmSync(outDir, { recursive: true, force: true });
});

/** Runs compiled JavaScript with plain node, as the image does. */
function runCompiled(script: string, args: string[], extraEnv: Record<string, string>) {
  const running = runProcess(
    process.execPath,
    [path.join(outDir, script), ...args],
    testConfig({ TEMPORAL_ADDRESS: env.address }),
    extraEnv,
  );
  children.push(running);
  return running;
}

describe('production build', () => {
  it('emits JavaScript and the workflow bundles, with no TypeScript left to run', () => {
    // The tracing interceptors are in the traced bundle only.
    expect(fs.readFileSync(path.join(outDir, 'workflow-bundle.js'), 'utf8')).not.toContain(
      'OpenTelemetryInboundInterceptor',
    );
    expect(fs.readFileSync(path.join(outDir, 'workflow-bundle-traced.js'), 'utf8')).toContain(
      'OpenTelemetryInboundInterceptor',
    );
    for (const entry of [
      'src/api/server.js',
      'src/workers/worker.js',
      'scripts/migrate.js',
      'src/generated/prisma/client.js',
    ]) {
      expect(fs.existsSync(path.join(outDir, entry)), entry).toBe(true);
    }
    const server = fs.readFileSync(path.join(outDir, 'src/api/server.js'), 'utf8');
    expect(server).not.toMatch(/from '\.[^']*\.ts'/); // relative imports were rewritten to .js
  });

  it('runs the compiled worker on the prebuilt bundle', async () => {
    const taskQueue = `build-${randomUUID()}`;
    const worker = runCompiled('src/workers/worker.js', ['minutes'], { TASK_QUEUE_MINUTES: taskQueue });
    try {
      await waitFor(async () => worker.output().includes('"worker started"'), 60_000, 'the compiled worker to start');
      expect(worker.output()).toContain('"loading the prebuilt workflow bundle"');
      expect(worker.output()).toMatch(/"codePath":"[^"]*\/workflow-bundle\.js","traced":false/); // nothing traces here
      expect(worker.output()).not.toContain('bundled workflow code');

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
      const result = await env.client.workflow.execute('recalculateMinutesWorkflow', {
        taskQueue,
        workflowId: `minutes-recalc:${randomUUID()}`,
        args: [{ gameId, requestId: randomUUID(), trigger: Triggers.backfill }],
      });
      expect(result).toEqual({ gameId, eventsVersion: 0, outcome: 'calculated' });
    } finally {
      worker.child.kill('SIGTERM');
    }
    expect(await worker.exited).toBe(0);
  });

  it('runs the compiled API', async () => {
    const port = String(30_000 + Math.floor(Math.random() * 20_000));
    const api = runCompiled('src/api/server.js', [], { PORT: port });
    try {
      const health = await waitFor(
        async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).json(),
        30_000,
        'the compiled API',
      );
      expect(health).toEqual({ status: 'ok' });
      const docs = await fetch(`http://127.0.0.1:${port}/docs`);
      expect(docs.status).toBe(200);
    } finally {
      api.child.kill('SIGTERM');
    }
    expect(await api.exited).toBe(0);
  });
});
