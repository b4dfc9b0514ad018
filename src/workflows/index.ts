// The workflow bundle's entry point: every workflow the workers register, exactly the catalogue's
// (contracts/catalog.ts; catalog.test.ts holds the two together).
export { exportWorkflow } from './exports.ts';
export { maintenanceWorkflow, pingWorkflow, refreshViewsWorkflow } from './maintenance.ts';
export { recalculateMinutesWorkflow } from './minutes.ts';
export { projectScoreboardWorkflow, rebuildScoreboardWorkflow, settleGameWorkflow } from './settlement.ts';
export { statsCoordinatorWorkflow, statsRefreshWorkflow, statsWorkflow } from './stats.ts';
export { matchVerificationWorkflow } from './verification.ts';
export { reconcileWorkflow, repairReconciliationWorkflow } from './reconciliation.ts';
