// The workflow bundle's entry point: every workflow the workers register, exactly the catalogue's
// (contracts/catalog.ts; catalog.test.ts holds the two together), each with the versioning behaviour
// its contract declares (contracts/releases.ts): pinned to the build that started it, or auto-upgrading.
import { setWorkflowOptions, workflowInfo } from '@temporalio/workflow';
import type { Workflows } from '../contracts/catalog.ts';
import { versioningBehaviors } from '../contracts/releases.ts';
import { exportWorkflow } from './exports.ts';
import { maintenanceWorkflow, pingWorkflow, refreshViewsWorkflow } from './maintenance.ts';
import { recalculateMinutesWorkflow } from './minutes.ts';
import { projectScoreboardWorkflow, rebuildScoreboardWorkflow, settleGameWorkflow } from './settlement.ts';
import { statsCoordinatorWorkflow, statsRefreshWorkflow, statsWorkflow } from './stats.ts';
import { matchVerificationWorkflow } from './verification.ts';
import { reconcileWorkflow, repairReconciliationWorkflow } from './reconciliation.ts';

const registered: Workflows = {
  exportWorkflow,
  maintenanceWorkflow,
  pingWorkflow,
  refreshViewsWorkflow,
  recalculateMinutesWorkflow,
  projectScoreboardWorkflow,
  rebuildScoreboardWorkflow,
  settleGameWorkflow,
  statsCoordinatorWorkflow,
  statsRefreshWorkflow,
  statsWorkflow,
  matchVerificationWorkflow,
  reconcileWorkflow,
  repairReconciliationWorkflow,
};
for (const name of Object.keys(registered) as (keyof Workflows)[]) {
  // Options, not commands: histories recorded before this replay unchanged. Only on a versioned
  // worker (one with a deployment version): the server refuses a behaviour from an unversioned one,
  // as the tests' workers and the time-skipping server are.
  setWorkflowOptions(
    () =>
      workflowInfo().currentDeploymentVersion?.deploymentName ? { versioningBehavior: versioningBehaviors[name] } : {},
    registered[name] as () => Promise<unknown>,
  );
}

export {
  exportWorkflow,
  maintenanceWorkflow,
  pingWorkflow,
  refreshViewsWorkflow,
  recalculateMinutesWorkflow,
  projectScoreboardWorkflow,
  rebuildScoreboardWorkflow,
  settleGameWorkflow,
  statsCoordinatorWorkflow,
  statsRefreshWorkflow,
  statsWorkflow,
  matchVerificationWorkflow,
  reconcileWorkflow,
  repairReconciliationWorkflow,
};
