// Releases: how a workflow type behaves when a new build of the workers becomes current (Worker
// Versioning), and the names the release commands and the console share. Pure: workflows import it.
import type { VersioningBehavior } from '@temporalio/common';
import type { WorkflowName } from './catalog.ts';

/**
 * Each workflow type's versioning behaviour. PINNED: a run stays on the build that started it, so a
 * short run (a recalculation, a settlement, a stats run, an export, a reconciliation) never meets code
 * it was not written for, and needs no patch. AUTO_UPGRADE: the run moves to the current build at its
 * next task; only the long-lived stats coordinator, which would otherwise hold an old build alive for
 * ever, and which keeps replaying on new code through patches and continue-as-new.
 */
export const versioningBehaviors = {
  recalculateMinutesWorkflow: 'PINNED',
  statsWorkflow: 'PINNED',
  statsRefreshWorkflow: 'PINNED',
  statsCoordinatorWorkflow: 'AUTO_UPGRADE',
  settleGameWorkflow: 'PINNED',
  projectScoreboardWorkflow: 'PINNED',
  rebuildScoreboardWorkflow: 'PINNED',
  matchVerificationWorkflow: 'PINNED',
  maintenanceWorkflow: 'PINNED',
  refreshViewsWorkflow: 'PINNED',
  pingWorkflow: 'PINNED',
  exportWorkflow: 'PINNED',
  reconcileWorkflow: 'PINNED',
  repairReconciliationWorkflow: 'PINNED',
} as const satisfies Record<WorkflowName, VersioningBehavior>;

/** The worker deployment's name when WORKER_DEPLOYMENT_NAME is unset. */
export const DEFAULT_WORKER_DEPLOYMENT_NAME = 'fulltime';

/** A version as the `TemporalWorkerDeploymentVersion` search attribute spells it. */
export function deploymentVersionKey(deploymentName: string, buildId: string): string {
  return `${deploymentName}:${buildId}`;
}

/** A build ID: what Temporal accepts, kept to characters safe in a label, a path and a query. */
export const BUILD_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;
