// Determinism: every committed history (test/histories, recorded once by `npm run histories:record`,
// one per workflow type) replays against the current workflow code, the bundles the workers run (with
// the tracing interceptors, and without, as a worker that does not trace runs).
// A change that would break a run in flight (a new activity, a timer, a reordered step without a
// patch) fails here. The control at the end proves the check has teeth: a ping that sleeps first
// does not replay the recorded ping.
import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import {
  historyFile,
  legacyHistories,
  recordedRunsFile,
  workflowTypes,
  type RecordedRun,
} from '../../test/histories/catalogue.ts';
import { projectRoot } from '../paths.ts';
import { workerTracingOptions, workflowInterceptorModules } from '../workers/telemetry.ts';
import { workflowBundleOptions } from '../workers/workflow-bundle.ts';

const quiet = { trace() {}, debug() {}, info() {}, log() {}, warn() {}, error: console.error };
/** The workflows' trace sink, as every worker registers it (not called during replay). */
const { sinks } = workerTracingOptions({ enabled: false, spanProcessor: null, resource: null });

const runs = JSON.parse(fs.readFileSync(recordedRunsFile, 'utf8')) as Record<string, RecordedRun>;

interface Replayed {
  type: string;
  workflowId: string;
  file: string;
}
const recorded = (types: readonly (typeof workflowTypes)[number][]): Replayed[] =>
  types.map((type) => ({ type, workflowId: runs[type]!.workflowId, file: historyFile(type) }));

/** Replays each history (under its own workflow ID) and says how each went. */
async function replayAll(options: ReplayWorkerOptions, replayed: Replayed[]) {
  const histories = replayed.map(({ workflowId, file }) => ({
    workflowId,
    history: historyFromJSON(JSON.parse(fs.readFileSync(file, 'utf8'))),
  }));
  const outcomes: { type: string; error?: string }[] = [];
  for await (const result of Worker.runReplayHistories(options, histories)) {
    const { type, workflowId } = replayed[outcomes.length]!; // one at a time, in order
    expect(result.workflowId).toBe(workflowId);
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
    const outcomes = await replayAll(
      { workflowBundle: { codePath: inject('workflowBundlePath') }, sinks, replayName: 'committed histories' },
      recorded(workflowTypes),
    );
    expect(outcomes).toEqual(workflowTypes.map((type) => ({ type })));
  }, 120_000);

  it('replay against the bundle without the tracing interceptors too (a worker that does not trace)', async () => {
    const { code } = await bundleWorkflowCode({ ...workflowBundleOptions(false), logger: quiet });
    const outcomes = await replayAll(
      { workflowBundle: { code }, sinks, replayName: 'committed histories, untraced' },
      recorded(workflowTypes),
    );
    expect(outcomes).toEqual(workflowTypes.map((type) => ({ type })));
  }, 120_000);

  it.each(legacyHistories.map((h) => [h.type, h.before, h] as const))(
    'of earlier versions replay too: %s from before %s',
    async (_type, _before, legacy) => {
      const outcomes = await replayAll(
        { workflowBundle: { codePath: inject('workflowBundlePath') }, sinks, replayName: 'legacy history' },
        [legacy],
      );
      expect(outcomes).toEqual([{ type: legacy.type }]);
    },
    120_000,
  );

  it('catch a change that is not replay-safe: a ping that now sleeps first', async () => {
    const dir = path.join(projectRoot, '.build-test', `replay-${process.pid}`);
    fs.mkdirSync(dir, { recursive: true });
    try {
      fs.writeFileSync(
        path.join(dir, 'workflows.ts'),
        [
          "import { sleep } from '@temporalio/workflow';",
          "export async function pingWorkflow(payload = 'pong'): Promise<string> {",
          "  await sleep('1 second');",
          '  return payload;',
          '}',
        ].join('\n'),
      );
      const { code } = await bundleWorkflowCode({
        workflowsPath: path.join(dir, 'workflows.ts'),
        workflowInterceptorModules,
        logger: quiet,
      });
      const [outcome] = await replayAll(
        { workflowBundle: { code }, sinks, replayName: 'changed ping' },
        recorded(['pingWorkflow']),
      );
      expect(outcome!.error).toMatch(/DeterminismViolation|[Nn]ondetermin/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
