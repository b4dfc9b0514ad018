// The maintenance concern's contract: retention (maintenance-daily), materialized views
// (views-hourly) and the ping workflow operators and benchmarks use to check a task queue.

export type PrunableTable = 'idempotency_keys' | 'workflow_outbox' | 'exports';

export interface MaintenanceInput {
  idempotencyKeyRetentionDays: number;
  outboxRetentionDays: number;
  /** Finished CSV exports (and their chunks) older than this go; absent in runs scheduled before exports existed. */
  exportRetentionDays?: number;
  batchSize: number;
  /** Carried across continue-as-new: the run's start (so the cutoffs stay put) and what it pruned. */
  startedAt?: string;
  report?: MaintenanceReport;
}

export interface PruneReport {
  table: PrunableTable;
  olderThan: string;
  deleted: number;
  batches: number;
}

export interface MaintenanceReport {
  pruned: PruneReport[];
}

export interface RefreshedView {
  view: string;
  rows: number;
  durationMs: number;
}

export interface MaintenanceActivities {
  /** One bounded batch of a retention prune; answers how many rows it deleted. */
  pruneBatch(input: { table: PrunableTable; olderThan: string; batchSize: number }): Promise<number>;
  /** Refreshes every materialized view of the project, CONCURRENTLY (readers are never blocked). */
  refreshMaterializedViews(): Promise<RefreshedView[]>;
}

export interface MaintenanceWorkflows {
  maintenanceWorkflow(input: MaintenanceInput): Promise<MaintenanceReport>;
  refreshViewsWorkflow(): Promise<{ views: RefreshedView[] }>;
  /** Returns its input: a workflow with no activity (a queue's health check; the server's ceiling). */
  pingWorkflow(payload?: string): Promise<string>;
}
