// Before a deploy: the histories of what production ran recently (closed and open runs of every
// workflow type of the catalogue), replayed against this build's workflow code, traced and untraced,
// as its workers would run them. A run that does not replay is a change that is not replay-safe for
// it: a nondeterminism in waiting (`npm run release:replay`; docs/deploy.md, the release checklist).
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { versioningBehaviors } from '../contracts/releases.ts';
import { workerTracingOptions } from './telemetry.ts';

type History = temporal.api.history.v1.IHistory;

export interface ReplayTarget {
  /** Names the code in the report (`traced`, `untraced`). */
  name: string;
  workflowBundle: ReplayWorkerOptions['workflowBundle'];
}

export interface RecentRun {
  workflowId: string;
  runId: string;
  type: string;
  status: string;
}

export interface ReplayFailure extends RecentRun {
  target: string;
  error: string;
  /** PINNED runs never move to another build, so their failure only matters to unversioned workers. */
  pinned: boolean;
}

export interface ReplayReport {
  /** Runs replayed per workflow type (against every target). */
  byType: Record<string, { runs: number; failed: number }>;
  failures: ReplayFailure[];
}

const ourTypes = new Set<string>(Object.keys(versioningBehaviors));

/** The runs started in the last `sinceMs` (open and closed), newest first, at most `limit` of ours. */
export async function recentRuns(
  client: Client,
  sinceMs: number,
  limit: number,
): Promise<{ runs: RecentRun[]; skipped: number }> {
  const since = new Date(Date.now() - sinceMs).toISOString();
  const runs: RecentRun[] = [];
  let skipped = 0;
  for await (const execution of client.workflow.list({ query: `StartTime > "${since}"` })) {
    if (!ourTypes.has(execution.type)) {
      skipped += 1;
      continue;
    }
    runs.push({
      workflowId: execution.workflowId,
      runId: execution.runId,
      type: execution.type,
      status: execution.status.name,
    });
    if (runs.length >= limit) break;
  }
  return { runs, skipped };
}

/** Fetches each run's history and replays them all against each target, one target at a time. */
export async function replayRuns(client: Client, runs: RecentRun[], targets: ReplayTarget[]): Promise<ReplayReport> {
  const histories: History[] = [];
  for (const run of runs) histories.push(await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory());
  const byType: ReplayReport['byType'] = {};
  for (const run of runs) byType[run.type] ??= { runs: 0, failed: 0 };
  for (const run of runs) byType[run.type]!.runs += 1;
  const failures: ReplayFailure[] = [];
  const failedRuns = new Set<number>();
  const { sinks } = workerTracingOptions({ enabled: false, spanProcessor: null, resource: null });
  for (const target of targets) {
    const input = runs.map((run, i) => ({ workflowId: run.workflowId, history: histories[i]! }));
    let index = 0;
    for await (const result of Worker.runReplayHistories(
      { workflowBundle: target.workflowBundle, sinks, replayName: `release-replay ${target.name}` },
      input,
    )) {
      const run = runs[index]!; // results come one at a time, in order
      if (result.error) {
        failedRuns.add(index);
        failures.push({
          ...run,
          target: target.name,
          error: String(result.error.message ?? result.error),
          pinned: versioningBehaviors[run.type as keyof typeof versioningBehaviors] === 'PINNED',
        });
      }
      index += 1;
    }
  }
  for (const i of failedRuns) byType[runs[i]!.type]!.failed += 1;
  return { byType, failures };
}
