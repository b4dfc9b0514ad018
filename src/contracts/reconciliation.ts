// The reconciliation concern's contract: the checks, the workflow IDs of a reconciliation and of a
// repair, their activities and inputs. A reconciliation recomputes each kind of derived number from
// its sources and records what differs; a repair re-derives each difference through the path that
// owns the number (re-settlement through the ledger, a board rebuild, a recalculation, a stats
// refresh), never by writing the expected value.

/** What a reconciliation can check, in the order it runs them. */
export const reconciliationChecks = ['ledger', 'points', 'totals', 'boards', 'minutes', 'stats'] as const;
export type ReconciliationCheck = (typeof reconciliationChecks)[number];

/** What a reconciliation covers: one tournament, one game or one season; everything when empty. */
export interface ReconciliationScope {
  tournamentId?: string;
  gameId?: string;
  season?: string;
}

/** The reconciliation a request asks for (one run per request; the schedule's runs are its own). */
export function reconciliationWorkflowId(requestId: string): string {
  return `reconcile:${requestId}`;
}

/** The repair a request asks for. */
export function repairWorkflowId(reconciliationId: string, requestId: string): string {
  return `reconcile-repair:${reconciliationId}:${requestId}`;
}

export interface ReconcileInput {
  /** Absent when the schedule started it: the workflow records it under its own ID. */
  reconciliationId?: string;
  scope?: ReconciliationScope;
  checks?: ReconciliationCheck[];
}

export interface CheckResult {
  check: ReconciliationCheck;
  /** Numbers compared. */
  checked: number;
  /** Numbers that differ (all of them; at most a bounded number is recorded one by one). */
  mismatches: number;
  durationMs: number;
}

export interface ReconcileSummary {
  reconciliationId: string;
  checks: CheckResult[];
}

export interface RepairInput {
  reconciliationId: string;
  repairId: string;
  checks?: ReconciliationCheck[];
}

/** What a repair set in motion, by check. */
export interface RepairActions {
  /** Games re-settled from the result their ledger applied (predictions rescored, totals recounted). */
  resettledGames: string[];
  /** Users whose tournament totals were recounted from their predictions, by tournament. */
  recountedUsers: Record<string, number>;
  /** Settlements started for ended games whose current result had no applied ledger entry. */
  settlementsStarted: string[];
  /** Tournaments whose Redis boards were rebuilt. */
  boardsRebuilt: string[];
  /** Games whose minutes were recalculated. */
  reportsRecalculated: string[];
  /** The stats run started to refresh every table that differed, if any. */
  statsRun: string | null;
}

export const ReconciliationFailureTypes = {
  /** The reconciliation row is gone: never retried. */
  unknownReconciliation: 'UnknownReconciliation',
} as const;

export interface ReconciliationActivities {
  /** Records the run (a scheduled one creates its row); answers its ID and the checks to run. */
  beginReconciliation(input: {
    reconciliationId?: string;
    workflowId: string;
    scope: ReconciliationScope;
    checks: ReconciliationCheck[];
    /** Who asked (the run's memo): `schedule:reconcile-nightly` for the schedule's runs. */
    requestedBy: string;
  }): Promise<{ reconciliationId: string }>;
  /** Runs one check, recording its mismatches (a retry starts the check over). */
  runCheck(input: {
    reconciliationId: string;
    check: ReconciliationCheck;
    scope: ReconciliationScope;
  }): Promise<CheckResult>;
  /** Marks the run completed (or failed, with why). */
  finishReconciliation(input: { reconciliationId: string; error?: string }): Promise<void>;
  /** Re-derives the reconciliation's mismatches of `checks` through their owning paths. */
  repairMismatches(input: RepairInput): Promise<RepairActions>;
  finishRepair(input: { repairId: string; actions?: RepairActions; error?: string }): Promise<void>;
}

export interface ReconciliationWorkflows {
  reconcileWorkflow(input: ReconcileInput): Promise<ReconcileSummary>;
  repairReconciliationWorkflow(input: RepairInput): Promise<RepairActions>;
}
