// `npm run release:replay -- [--since 24h] [--limit 1000] [--allow-pinned] [--workflows <path>]`:
// replays the histories of the runs started recently on the cluster at TEMPORAL_ADDRESS (open and
// closed, every workflow type of this build) against this build's workflow code, with the tracing
// interceptors and without. Exit 0 when every run replays, 1 naming the first that does not, 2 on a
// malformed command. --allow-pinned reports PINNED types' failures without failing: those runs never
// move to another build under Worker Versioning. --workflows replays against another workflows entry
// (a candidate's sources) instead of this build's.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { bundleWorkflowCode, DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfigOrExit } from '../src/config.ts';
import { createTemporalClient } from '../src/temporal/connection.ts';
import { recentRuns, replayRuns, type ReplayTarget } from '../src/workers/replay-histories.ts';
import { workflowInterceptorModules } from '../src/workers/telemetry.ts';
import { workflowsPath } from '../src/workers/workflow-bundle.ts';

const say = (line: string) => console.log(`[release:replay] ${line}`);
function usage(problem: string): never {
  console.error(`[release:replay] ${problem}`);
  console.error(
    'usage: npm run release:replay -- [--since <duration, e.g. 24h>] [--limit <n>] [--allow-pinned] [--workflows <path>]',
  );
  process.exit(2);
}

let values: { since: string; limit: string; 'allow-pinned': boolean; workflows?: string };
try {
  ({ values } = parseArgs({
    options: {
      since: { type: 'string', default: '24h' },
      limit: { type: 'string', default: '1000' },
      'allow-pinned': { type: 'boolean', default: false },
      workflows: { type: 'string' },
    },
  }) as { values: typeof values });
} catch (err) {
  usage((err as Error).message);
}
const unitMs = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const since = /^([1-9]\d{0,4})([mhd])$/.exec(values.since);
if (!since) usage(`--since ${values.since}: expected a duration such as 30m, 24h or 7d`);
const sinceMs = Number(since[1]) * unitMs[since[2] as keyof typeof unitMs];
const limit = Number(values.limit);
if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) usage('--limit must be a whole number from 1 to 100000');

const config = loadConfigOrExit('release:replay');
// The SDK's own lines (each replay worker starting and stopping) only when something is wrong.
Runtime.install({ logger: new DefaultLogger('WARN') });
const client = createTemporalClient(config);
try {
  const entry = values.workflows ? path.resolve(values.workflows) : workflowsPath;
  const quiet = { trace() {}, debug() {}, info() {}, log() {}, warn() {}, error: console.error };
  const targets: ReplayTarget[] = [];
  for (const traced of [true, false]) {
    const { code } = await bundleWorkflowCode({
      workflowsPath: entry,
      workflowInterceptorModules: traced ? workflowInterceptorModules : [],
      logger: quiet,
    });
    targets.push({ name: traced ? 'traced' : 'untraced', workflowBundle: { code } });
  }
  const { runs, skipped } = await recentRuns(client, sinceMs, limit);
  say(
    `${runs.length} run(s) started in the last ${values.since} on ${config.TEMPORAL_ADDRESS}/${config.TEMPORAL_NAMESPACE}` +
      `${skipped > 0 ? ` (${skipped} of other workflow types skipped)` : ''}; replaying against ${path.relative(process.cwd(), entry)}, ${targets.map((t) => t.name).join(' and ')}`,
  );
  const report = await replayRuns(client, runs, targets);
  const width = Math.max(12, ...Object.keys(report.byType).map((t) => t.length));
  console.log(`${'workflow type'.padEnd(width)}  runs  failed`);
  for (const [type, { runs: n, failed }] of Object.entries(report.byType).sort()) {
    console.log(`${type.padEnd(width)}  ${String(n).padStart(4)}  ${String(failed).padStart(6)}`);
  }
  const blocking = report.failures.filter((f) => !(values['allow-pinned'] && f.pinned));
  for (const f of report.failures.filter((f) => values['allow-pinned'] && f.pinned)) {
    say(`note: ${f.type} ${f.workflowId} (pinned) does not replay on ${f.target}: ${f.error}`);
  }
  if (blocking.length > 0) {
    const first = blocking[0]!;
    say(
      `FAILED: ${first.type} ${first.workflowId} (run ${first.runId}, ${first.status}) does not replay on ${first.target}: ${first.error}`,
    );
    say(`${blocking.length} failure(s) in all; fix the change (a patch, a new workflow type) before deploying`);
    process.exitCode = 1;
  } else {
    say(`OK: every run replays on this build`);
  }
} finally {
  await client.connection.close();
}
