// Operating the registry's schedules: what each is doing (describe() for spec, state and next times;
// visibility for its runs and their outcomes), run now, pause and unpause with a note, backfill a
// missed window, and health for /readyz (present, and not late beyond its catch-up window).
import { ScheduleNotFoundError, type Client, type ScheduleDescription } from '@temporalio/client';
import { msToNumber } from '@temporalio/common/lib/time.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../../domain/errors.ts';
import { SearchAttributeNames } from '../../contracts/common.ts';
import { runNowWorkflowId } from '../../contracts/schedules.ts';
import { runStatusOf } from '../../temporal/run-status.ts';
import { workflowStart, type AnyWorkflowStart } from '../../temporal/start-workflow.ts';
import type { WriteScope } from '../write.ts';
import type { ScheduleEntry } from './registry.ts';

export interface ScheduledRun {
  workflowId: string;
  runId: string;
  status: string;
  startedAt: string;
  closedAt: string | null;
}

export interface CronJobView {
  jobKey: string;
  description: string;
  owner: string;
  spec: string;
  timeZone: string;
  /** False until `schedules:sync` (or a worker's start-up) has created it on the server. */
  exists: boolean;
  paused: boolean | null;
  note: string | null;
  nextRunAt: string | null;
  nextRunTimes: string[];
  lastRun: { workflowId: string; startedAt: string; status: string } | null;
  recentRuns: ScheduledRun[];
}

export interface ScheduleHealth {
  jobKey: string;
  status: 'ok' | 'paused' | 'missing' | 'late';
  detail?: string;
  /** When late: how long ago the missed run was due. */
  lateSeconds?: number;
}

const MAX_BACKFILL_MS = 31 * 24 * 60 * 60 * 1000;

/**
 * Is the schedule on time? Late when a run was due after its last recorded one (or its creation)
 * and the catch-up window since then has passed with no run: the scheduler missed it. A paused
 * schedule is an operator's decision, not a fault.
 */
export function assessSchedule(
  entry: ScheduleEntry,
  description: ScheduleDescription | undefined,
  now: Date,
): ScheduleHealth {
  if (!description)
    return {
      jobKey: entry.jobKey,
      status: 'missing',
      detail: `schedule ${entry.jobKey} does not exist on the server (run npm run schedules:sync)`,
    };
  if (description.state.paused)
    return { jobKey: entry.jobKey, status: 'paused', detail: description.state.note || undefined };
  const [next, after] = description.info.nextActionTimes;
  if (!next || !after) return { jobKey: entry.jobKey, status: 'ok' };
  const period = after.getTime() - next.getTime();
  const expected = next.getTime() - period; // the run due before the next one
  // The latest run it had, or its creation: a backfill appends actions scheduled in the past, so the
  // last action listed is not the latest (found by the fuzz pass: a backfill of 2000 made it "late").
  const last = new Date(
    Math.max(
      description.info.createdAt.getTime(),
      ...description.info.recentActions.map((a) => a.scheduledAt.getTime()),
    ),
  );
  const window = msToNumber(entry.catchupWindow);
  if (expected > last.getTime() + 1000 && now.getTime() - expected > window) {
    return {
      jobKey: entry.jobKey,
      status: 'late',
      lateSeconds: Math.round((now.getTime() - expected) / 1000),
      detail: `${entry.jobKey} missed its run due at ${new Date(expected).toISOString()} (catch-up window ${entry.catchupWindow}; last run ${last.toISOString()})`,
    };
  }
  return { jobKey: entry.jobKey, status: 'ok' };
}

/** Runs `operation` on a registry schedule, which may not have been created on the server yet. */
async function onExistingSchedule<T>(jobKey: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) {
      throw new ConflictError(
        'schedule_not_created',
        `schedule ${jobKey} does not exist on the server yet; run npm run schedules:sync (or start a worker)`,
      );
    }
    throw err;
  }
}

export function createScheduleOperations(temporal: Client, registry: ScheduleEntry[]) {
  function entryOf(jobKey: string): ScheduleEntry {
    const entry = registry.find((e) => e.jobKey === jobKey);
    if (!entry) throw new NotFoundError('scheduled job', jobKey);
    return entry;
  }

  async function describe(jobKey: string): Promise<ScheduleDescription | undefined> {
    try {
      return await temporal.schedule.getHandle(jobKey).describe();
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return undefined;
      throw err;
    }
  }

  /** The job's runs, newest first (schedule and run-now alike: both carry its job key). */
  async function runsOf(jobKey: string, limit: number): Promise<ScheduledRun[]> {
    const runs: ScheduledRun[] = [];
    for await (const info of temporal.workflow.list({
      query: `${SearchAttributeNames.jobKey} = '${jobKey}'`,
      pageSize: limit,
    })) {
      runs.push({
        workflowId: info.workflowId,
        runId: info.runId,
        status: runStatusOf(info.status.name),
        startedAt: info.startTime.toISOString(),
        closedAt: info.closeTime?.toISOString() ?? null,
      });
      if (runs.length >= limit) break;
    }
    return runs;
  }

  async function view(entry: ScheduleEntry): Promise<CronJobView> {
    const [description, recentRuns] = await Promise.all([describe(entry.jobKey), runsOf(entry.jobKey, 10)]);
    const nextRunTimes = (description?.info.nextActionTimes ?? []).slice(0, 5).map((t) => t.toISOString());
    const last = recentRuns[0];
    return {
      jobKey: entry.jobKey,
      description: entry.description,
      owner: entry.owner,
      spec: entry.specText,
      timeZone: entry.spec.timezone,
      exists: description !== undefined,
      paused: description?.state.paused ?? null,
      note: description ? description.state.note || null : null,
      nextRunAt: nextRunTimes[0] ?? null,
      nextRunTimes,
      lastRun: last ? { workflowId: last.workflowId, startedAt: last.startedAt, status: last.status } : null,
      recentRuns,
    };
  }

  return {
    list: async (): Promise<CronJobView[]> => Promise.all(registry.map(view)),

    get: (jobKey: string) => view(entryOf(jobKey)),

    /** Starts the job's workflow now, outside its spec (its own ID, from the request). */
    async runNow(scope: WriteScope, jobKey: string): Promise<{ workflowId: string }> {
      const entry = entryOf(jobKey);
      const start = workflowStart(entry.workflow.workflowType, {
        workflowId: runNowWorkflowId(jobKey, scope.requestId),
        taskQueue: entry.workflow.taskQueue,
        args: entry.workflow.args as never,
        searchAttributes: { trigger: entry.trigger, jobKey, requestId: scope.requestId },
        memo: { requestedBy: scope.requestedBy, jobKey, runNow: true, requestId: scope.requestId },
      }) as AnyWorkflowStart;
      const { workflowId } = await scope.startNow(start);
      return { workflowId };
    },

    async pause(jobKey: string, note: string | undefined): Promise<CronJobView> {
      const entry = entryOf(jobKey);
      await onExistingSchedule(jobKey, () =>
        temporal.schedule.getHandle(jobKey).pause(note ?? 'paused through the API'),
      );
      return view(entry);
    },

    async unpause(jobKey: string, note: string | undefined): Promise<CronJobView> {
      const entry = entryOf(jobKey);
      await onExistingSchedule(jobKey, () =>
        temporal.schedule.getHandle(jobKey).unpause(note ?? 'unpaused through the API'),
      );
      return view(entry);
    },

    /** Runs every action the spec had in [from, to), one after another (overlap BUFFER_ALL). */
    async backfill(
      jobKey: string,
      from: Date,
      to: Date,
      now = new Date(),
    ): Promise<{ jobKey: string; from: string; to: string }> {
      entryOf(jobKey);
      const issues = [];
      if (from.getTime() >= to.getTime()) issues.push({ path: 'to', message: 'must be later than from' });
      if (to.getTime() > now.getTime()) issues.push({ path: 'to', message: 'must not be in the future' });
      if (to.getTime() - from.getTime() > MAX_BACKFILL_MS)
        issues.push({ path: 'from', message: 'a backfill covers at most 31 days' });
      if (issues.length > 0) throw InvalidInputError.of(issues);
      await onExistingSchedule(jobKey, () =>
        temporal.schedule.getHandle(jobKey).backfill({ start: from, end: to, overlap: 'BUFFER_ALL' }),
      );
      return { jobKey, from: from.toISOString(), to: to.toISOString() };
    },

    /** Each registry entry: present and on time? */
    health: async (now = new Date()): Promise<ScheduleHealth[]> =>
      Promise.all(registry.map(async (entry) => assessSchedule(entry, await describe(entry.jobKey), now))),
  };
}

export type ScheduleOperations = ReturnType<typeof createScheduleOperations>;
