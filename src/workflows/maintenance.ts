// Scheduled housekeeping: retention (maintenance-daily) and materialized views (views-hourly), and
// the ping workflow.
import { continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type {
  MaintenanceActivities,
  MaintenanceInput,
  MaintenanceReport,
  RefreshedView,
} from '../contracts/maintenance.ts';

// One batch is one short DELETE; retried through a database outage of a few minutes.
const { pruneBatch } = proxyActivities<MaintenanceActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});
// A concurrent refresh of every view rereads the stats base tables: minutes, not seconds.
const { refreshMaterializedViews } = proxyActivities<MaintenanceActivities>({
  startToCloseTimeout: '15 minutes',
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 3 },
});

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Prunes stored Idempotency-Key responses, dispatched outbox rows and finished exports older than their retention, one
 * bounded batch at a time (each batch an activity, visible in the history), and reports what it
 * deleted. Never a live row: undispatched outbox rows, running exports and keys inside the retention stay.
 */
export async function maintenanceWorkflow(input: MaintenanceInput): Promise<MaintenanceReport> {
  const startedAt = input.startedAt ?? new Date(Date.now()).toISOString();
  const report: MaintenanceReport = input.report ?? {
    pruned: [
      {
        table: 'idempotency_keys',
        olderThan: new Date(Date.parse(startedAt) - input.idempotencyKeyRetentionDays * DAY_MS).toISOString(),
        deleted: 0,
        batches: 0,
      },
      {
        table: 'workflow_outbox',
        olderThan: new Date(Date.parse(startedAt) - input.outboxRetentionDays * DAY_MS).toISOString(),
        deleted: 0,
        batches: 0,
      },
      ...(input.exportRetentionDays === undefined
        ? []
        : [
            {
              table: 'exports' as const,
              olderThan: new Date(Date.parse(startedAt) - input.exportRetentionDays * DAY_MS).toISOString(),
              deleted: 0,
              batches: 0,
            },
          ]),
    ],
  };
  for (const prune of report.pruned) {
    for (;;) {
      if (prune.batches > 0 && prune.deleted < prune.batches * input.batchSize) break; // the last batch was not full: done
      const deleted = await pruneBatch({ table: prune.table, olderThan: prune.olderThan, batchSize: input.batchSize });
      prune.deleted += deleted;
      prune.batches++;
      if (workflowInfo().continueAsNewSuggested)
        await continueAsNew<typeof maintenanceWorkflow>({ ...input, startedAt, report });
    }
  }
  return report;
}

/** Refreshes every materialized view (views-hourly); answers each view's rows and time. */
export async function refreshViewsWorkflow(): Promise<{ views: RefreshedView[] }> {
  return { views: await refreshMaterializedViews() };
}

/**
 * Does nothing and returns its input: a workflow with no activity, so the time it takes is the
 * server's and the worker's own overhead. Operators start it to check that a task queue is served
 * (`temporal workflow execute --type pingWorkflow --task-queue fulltime-minutes`); `npm run
 * bench:minutes` uses it to measure how many workflows per second the server completes at most.
 */
export async function pingWorkflow(payload = 'pong'): Promise<string> {
  return payload;
}
