// The workflow bundle's entry point: every workflow the workers register.
export { maintenanceWorkflow, refreshViewsWorkflow } from './maintenance.ts';
export { recalculateMinutesWorkflow } from './minutes.ts';
export { pingWorkflow } from './ping.ts';
export { projectScoreboardWorkflow, rebuildScoreboardWorkflow, settleGameWorkflow } from './settlement.ts';
export { statsCoordinatorWorkflow, statsRefreshWorkflow, statsWorkflow } from './stats.ts';
export { matchVerificationWorkflow } from './verification.ts';
