import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { MaintenanceActivities } from '../activities/maintenance.ts';

const { recordVerificationRun } = proxyActivities<MaintenanceActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5 },
});

/** The match-verification job (every 5 minutes): for now it records that it ran. */
export async function matchVerificationWorkflow(): Promise<{ candidates: number }> {
  return recordVerificationRun({ workflowId: workflowInfo().workflowId });
}
