// The schedule registry: every recurring job of the product, declared in code. `schedules:sync` makes
// the Temporal Schedules on the namespace match it; operators drive them from the API, the CLI
// (`temporal schedule …`) and the Web UI. Nothing here runs work itself: a schedule starts a workflow.
import type { CalendarSpec, IntervalSpec, ScheduleOptions } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import type { Config } from '../../config.ts';
import type { WorkflowName, Workflows } from '../../contracts/catalog.ts';
import { RequestedBy, toSearchAttributePairs, Triggers, type RunMemo, type Trigger } from '../../contracts/common.ts';
import { SCHEDULE_MARKER, scheduledWorkflowId } from '../../contracts/schedules.ts';
import { priorityFor } from '../../temporal/start-workflow.ts';

/** The workflow a schedule starts, typed by the workflow it names (args checked by the compiler). */
export type ScheduledWorkflow = {
  [N in WorkflowName]: { workflowType: N; args: Parameters<Workflows[N]>; taskQueue: string };
}[WorkflowName];

export type OverlapPolicy = 'SKIP' | 'BUFFER_ONE' | 'BUFFER_ALL' | 'CANCEL_OTHER' | 'TERMINATE_OTHER' | 'ALLOW_ALL';

export interface ScheduleEntry {
  /** The schedule's ID on the namespace, the `FulltimeJobKey` of its runs, and the API's path key. */
  jobKey: string;
  description: string;
  /** Who to ask about it. */
  owner: string;
  /** The spec in words, for the API and logs. */
  specText: string;
  /** Calendars or intervals, and always a time zone (the server reports specs that way). */
  spec: { calendars?: CalendarSpec[]; intervals?: IntervalSpec[]; timezone: string };
  workflow: ScheduledWorkflow;
  /** `FulltimeTrigger` of its runs. */
  trigger: Trigger;
  overlap: OverlapPolicy;
  /** How late a run may still start after the scheduler was down; later ones are skipped (and /readyz says so). */
  catchupWindow: Duration;
  pauseOnFailure: boolean;
  /** Created paused (an operator unpauses it when ready). */
  startPaused: boolean;
}

export function scheduleRegistry(config: Config): ScheduleEntry[] {
  return [
    {
      jobKey: 'match-verification',
      description: 'Asks the match provider about kicked-off, unsettled games and settles those that ended.',
      owner: 'settlement',
      specText: 'every 5 minutes',
      spec: { intervals: [{ every: '5 minutes' }], timezone: 'UTC' },
      workflow: { workflowType: 'matchVerificationWorkflow', args: [], taskQueue: config.taskQueues.settlement },
      trigger: Triggers.schedule,
      overlap: 'SKIP', // a slow provider must not stack verifications
      catchupWindow: '10 minutes',
      pauseOnFailure: false,
      startPaused: false,
    },
    {
      jobKey: 'stats-nightly',
      description: 'The nightly stats run (the cron trigger): all ten aggregations, caches invalidated.',
      owner: 'stats',
      specText: `daily at 03:00 (${config.STATS_NIGHTLY_TIME_ZONE})`,
      spec: { calendars: [{ hour: 3, minute: 0, comment: 'stats-nightly' }], timezone: config.STATS_NIGHTLY_TIME_ZONE },
      workflow: {
        workflowType: 'statsWorkflow',
        args: [{ triggeredBy: 'cron', minutesTaskQueue: config.taskQueues.minutes }],
        taskQueue: config.taskQueues.stats,
      },
      trigger: Triggers.cron,
      overlap: 'SKIP',
      catchupWindow: '6 hours',
      pauseOnFailure: false,
      startPaused: false,
    },
    {
      jobKey: 'views-hourly',
      description: 'Refreshes every materialized view (hall of fame, season race), CONCURRENTLY.',
      owner: 'stats',
      specText: 'every hour',
      spec: { intervals: [{ every: '1 hour' }], timezone: 'UTC' },
      workflow: { workflowType: 'refreshViewsWorkflow', args: [], taskQueue: config.taskQueues.maintenance },
      trigger: Triggers.schedule,
      overlap: 'SKIP',
      catchupWindow: '1 hour',
      pauseOnFailure: false,
      startPaused: false,
    },
    {
      jobKey: 'maintenance-daily',
      description: 'Prunes expired Idempotency-Key responses and old dispatched outbox rows, in bounded batches.',
      owner: 'platform',
      specText: 'daily at 04:30 (UTC)',
      spec: { calendars: [{ hour: 4, minute: 30, comment: 'maintenance-daily' }], timezone: 'UTC' },
      workflow: {
        workflowType: 'maintenanceWorkflow',
        args: [
          {
            idempotencyKeyRetentionDays: config.IDEMPOTENCY_KEY_RETENTION_DAYS,
            outboxRetentionDays: config.OUTBOX_RETENTION_DAYS,
            exportRetentionDays: config.EXPORT_RETENTION_DAYS,
            batchSize: 1000,
          },
        ],
        taskQueue: config.taskQueues.maintenance,
      },
      trigger: Triggers.schedule,
      overlap: 'SKIP',
      catchupWindow: '12 hours',
      pauseOnFailure: false,
      startPaused: false,
    },
    {
      jobKey: 'reconcile-nightly',
      description:
        'Recomputes every derived number (ledger, points, totals, boards, minutes, stats) from its sources and records what differs.',
      owner: 'platform',
      specText: 'daily at 05:00 (UTC)',
      spec: { calendars: [{ hour: 5, minute: 0, comment: 'reconcile-nightly' }], timezone: 'UTC' },
      workflow: { workflowType: 'reconcileWorkflow', args: [{}], taskQueue: config.taskQueues.maintenance },
      trigger: Triggers.schedule,
      overlap: 'SKIP',
      // FulltimeReconciliationStale fires after 26 h without a complete run: a late start still counts.
      catchupWindow: '12 hours',
      pauseOnFailure: false,
      startPaused: false,
    },
  ];
}

/** What a run of the entry carries: its job key in a search attribute, and in the memo with who asked. */
export function runTags(entry: ScheduleEntry) {
  return {
    typedSearchAttributes: toSearchAttributePairs({ trigger: entry.trigger, jobKey: entry.jobKey }),
    memo: { requestedBy: RequestedBy.schedule(entry.jobKey), jobKey: entry.jobKey } satisfies RunMemo,
  };
}

/** The full Temporal Schedule for an entry. */
export function scheduleOptions(entry: ScheduleEntry): ScheduleOptions {
  return {
    scheduleId: entry.jobKey,
    spec: entry.spec,
    action: {
      type: 'startWorkflow',
      workflowType: entry.workflow.workflowType,
      args: entry.workflow.args,
      taskQueue: entry.workflow.taskQueue,
      workflowId: scheduledWorkflowId(entry.jobKey),
      ...runTags(entry),
      // The SDK sends an action's priority but its options type leaves the field out.
      ...({ priority: priorityFor(entry.workflow.workflowType, entry.trigger) } as object),
    },
    policies: { overlap: entry.overlap, catchupWindow: entry.catchupWindow, pauseOnFailure: entry.pauseOnFailure },
    state: {
      paused: entry.startPaused,
      note: entry.startPaused ? 'created paused (schedule registry)' : 'created by schedules:sync',
    },
    memo: { ...SCHEDULE_MARKER, jobKey: entry.jobKey },
  };
}
