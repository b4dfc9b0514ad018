// The recorded histories: where they live, and the workflow types there must be one for. A Record over
// the catalogue's names, so adding a workflow without listing it here does not type-check.
import path from 'node:path';
import type { WorkflowName } from '../../src/contracts/catalog.ts';

export const historiesDir = import.meta.dirname;

const everyWorkflow: Record<WorkflowName, true> = {
  recalculateMinutesWorkflow: true,
  statsWorkflow: true,
  statsCoordinatorWorkflow: true,
  statsRefreshWorkflow: true,
  settleGameWorkflow: true,
  projectScoreboardWorkflow: true,
  rebuildScoreboardWorkflow: true,
  matchVerificationWorkflow: true,
  maintenanceWorkflow: true,
  refreshViewsWorkflow: true,
  pingWorkflow: true,
  exportWorkflow: true,
  reconcileWorkflow: true,
  repairReconciliationWorkflow: true,
};
export const workflowTypes = Object.keys(everyWorkflow) as WorkflowName[];

export const historyFile = (type: WorkflowName) => path.join(historiesDir, `${type}.json`);

/** Which run each history is: replays need its workflow ID. */
export const recordedRunsFile = path.join(historiesDir, 'recorded-runs.json');
export interface RecordedRun {
  workflowId: string;
  runId: string;
  status: string;
}

/**
 * Histories of earlier versions kept after their type was recorded again, each still replayed: runs
 * like them may be in flight when a deployment upgrades. They replay on the traced bundle: before
 * workers that do not trace got a bundle without the interceptors, every run ran with them.
 */
export interface LegacyHistory extends Pick<RecordedRun, 'workflowId'> {
  type: WorkflowName;
  file: string;
  /** What changed since. */
  before: string;
}
export const legacyHistories: LegacyHistory[] = [
  {
    type: 'statsCoordinatorWorkflow',
    file: path.join(historiesDir, 'legacy/statsCoordinatorWorkflow-uuid-refresh-ids.json'),
    workflowId: 'stats-coordinator:league',
    before: "refresh IDs from the run's ID and count (patch stats-refresh-id-from-run)",
  },
];
