// `npm run release:replay` against a real cluster (the dev server): it fetches the histories of the
// runs started there recently, open and closed, and replays them on this build (exit 0), and names the
// first run a candidate's incompatible change would break (exit 1).
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProcess, startLocalTemporal, startWorker, testConfig, type RunningWorker } from '../../test/harness.ts';

let env: TestWorkflowEnvironment;
let worker: RunningWorker;
const taskQueue = `replay-${randomUUID()}`;
const closed = [`ping-a-${randomUUID()}`, `ping-b-${randomUUID()}`];
const open = `ping-open-${randomUUID()}`;

beforeAll(async () => {
  env = await startLocalTemporal();
  worker = await startWorker(env.nativeConnection, taskQueue, {});
  for (const workflowId of closed) {
    await env.client.workflow.execute('pingWorkflow', { taskQueue, workflowId, args: ['hello'] });
  }
  // Open: on a queue nobody serves, so it has started and waits for its first task.
  await env.client.workflow.start('pingWorkflow', { taskQueue: `${taskQueue}-idle`, workflowId: open, args: ['x'] });
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await env?.teardown();
});

function replay(...args: string[]) {
  const config = testConfig({ TEMPORAL_ADDRESS: env.address });
  return runProcess(process.execPath, ['--import', 'tsx', 'scripts/release-replay.ts', ...args], config);
}

describe('npm run release:replay', () => {
  it('replays every recent run, open and closed, on this build', async () => {
    const run = replay('--since', '1h');
    expect(await run.exited, run.output()).toBe(0);
    expect(run.output()).toContain('3 run(s) started in the last 1h');
    expect(run.output()).toMatch(/^pingWorkflow\s+3\s+0$/m);
    expect(run.output()).toContain('OK: every run replays on this build');
  }, 120_000);

  it('fails on a change that is not replay-safe, naming the first run it breaks', async () => {
    const run = replay('--since', '1h', '--workflows', 'test/fixtures/incompatible-ping-workflows.ts');
    expect(await run.exited, run.output()).toBe(1);
    expect(run.output()).toMatch(/^pingWorkflow\s+3\s+[1-3]$/m);
    expect(run.output()).toMatch(
      /FAILED: pingWorkflow ping-(a|b)-[0-9a-f-]+ \(run [0-9a-f-]+, COMPLETED\) does not replay on traced: .*[Nn]ondetermin/,
    );
  }, 120_000);

  it('refuses a malformed command', async () => {
    const run = replay('--since', 'soon');
    expect(await run.exited).toBe(2);
    expect(run.output()).toContain('expected a duration such as 30m, 24h or 7d');
  });
});
