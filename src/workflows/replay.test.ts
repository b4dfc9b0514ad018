// Determinism: every committed history (test/histories, recorded once by `npm run histories:record`,
// one per workflow type) replays against the current workflow code, the same bundle the workers run.
// A change that would break a run in flight (a new activity, a timer, a reordered step without a
// patch) fails here. The control at the end proves the check has teeth: a ping that sleeps first
// does not replay the recorded ping.
import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { historyFile, recordedRunsFile, workflowTypes, type RecordedRun } from '../../test/histories/catalogue.ts';
import { projectRoot } from '../paths.ts';
import { workerTracingOptions, workflowInterceptorModules } from '../workers/telemetry.ts';

const quiet = { trace() {}, debug() {}, info() {}, log() {}, warn() {}, error: console.error };
/** The workflows' trace sink, as every worker registers it (not called during replay). */
const { sinks } = workerTracingOptions({ enabled: false, spanProcessor: null, resource: null });

const runs = JSON.parse(fs.readFileSync(recordedRunsFile, 'utf8')) as Record<string, RecordedRun>;

/** Replays the recorded history of each type (under its own workflow ID) and says how each went. */
async function replayAll(options: ReplayWorkerOptions, types: readonly (typeof workflowTypes)[number][]) {
  const histories = types.map((type) => ({
    workflowId: runs[type]!.workflowId,
    history: historyFromJSON(JSON.parse(fs.readFileSync(historyFile(type), 'utf8'))),
  }));
  const outcomes: { type: string; error?: string }[] = [];
  for await (const result of Worker.runReplayHistories(options, histories)) {
    const type = types[outcomes.length]!; // one at a time, in order
    expect(result.workflowId).toBe(runs[type]!.workflowId);
    outcomes.push({ type, ...(result.error ? { error: String(result.error) } : {}) });
  }
  return outcomes;
}

describe('recorded histories', () => {
  it('exist for every workflow type of the catalogue', () => {
    const missing = workflowTypes.filter((type) => !fs.existsSync(historyFile(type)) || !runs[type]);
    expect(missing, 'record them with npm run histories:record (docs/deploy.md, "Changing a workflow")').toEqual([]);
  });

  it('replay against the current workflow code without a nondeterminism', async () => {
    const outcomes = await replayAll({ workflowBundle: { codePath: inject('workflowBundlePath') }, sinks, replayName: 'committed histories' }, workflowTypes);
    expect(outcomes).toEqual(workflowTypes.map((type) => ({ type })));
  }, 120_000);

  it('catch a change that is not replay-safe: a ping that now sleeps first', async () => {
    const dir = path.join(projectRoot, '.build-test', `replay-${process.pid}`);
    fs.mkdirSync(dir, { recursive: true });
    try {
      fs.writeFileSync(path.join(dir, 'workflows.ts'), [
        "import { sleep } from '@temporalio/workflow';",
        "export async function pingWorkflow(payload = 'pong'): Promise<string> {",
        "  await sleep('1 second');",
        '  return payload;',
        '}',
      ].join('\n'));
      const { code } = await bundleWorkflowCode({ workflowsPath: path.join(dir, 'workflows.ts'), workflowInterceptorModules, logger: quiet });
      const [outcome] = await replayAll({ workflowBundle: { code }, sinks, replayName: 'changed ping' }, ['pingWorkflow']);
      expect(outcome!.error).toMatch(/DeterminismViolation|[Nn]ondetermin/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
