import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { ExportFailureTypes, type ExportActivities } from '../contracts/exports.ts';
import type { PrismaClient } from '../db/client.ts';
import { markExportFailed, writeExportRows } from '../services/exports.ts';

export interface ExportActivityDeps {
  prisma: PrismaClient;
}

export function createExportActivities({ prisma }: ExportActivityDeps): ExportActivities {
  return {
    async writeExport(input) {
      // A heartbeat per batch of rows: a worker that dies mid-export is noticed in seconds.
      const context = Context.current();
      const written = await writeExportRows(prisma, input.exportId, () => context.heartbeat());
      if (!written)
        throw ApplicationFailure.nonRetryable(
          `export ${input.exportId} does not exist`,
          ExportFailureTypes.unknownExport,
        );
      return written;
    },
    async markExportFailed(input) {
      await markExportFailed(prisma, input.exportId, input.error);
    },
  };
}
