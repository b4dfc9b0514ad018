// Exports: a CSV made by one activity that streams its rows from PostgreSQL.
import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import { failureMessage } from '../contracts/common.ts';
import { ExportFailureTypes, type ExportActivities } from '../contracts/exports.ts';

// A million rows take tens of seconds; the heartbeat gets a dead worker's attempt retried in seconds.
const { writeExport } = proxyActivities<ExportActivities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 5,
    nonRetryableErrorTypes: [ExportFailureTypes.unknownExport],
  },
});
const { markExportFailed } = proxyActivities<ExportActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 20 },
});

/** Writes the export (GET /api/admin/exports/:id says `ready` after), or marks it failed with why. */
export async function exportWorkflow(input: { exportId: string }): Promise<{ rows: number; bytes: number }> {
  try {
    return await writeExport(input);
  } catch (err) {
    await markExportFailed({ ...input, error: failureMessage(err) });
    throw ApplicationFailure.create({
      message: `export ${input.exportId} failed: ${failureMessage(err)}`,
      nonRetryable: true,
      cause: err instanceof Error ? err : undefined,
    });
  }
}
