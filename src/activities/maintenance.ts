import type { PrismaClient } from '../db/client.ts';
import { materializedViews, refreshMaterializedView } from '../db/views.ts';
import { pruneDispatchedOutbox, pruneIdempotencyKeys } from '../services/maintenance/retention.ts';

export interface MaintenanceActivityDeps {
  prisma: PrismaClient;
}

export type PrunableTable = 'idempotency_keys' | 'workflow_outbox';

export function createMaintenanceActivities({ prisma }: MaintenanceActivityDeps) {
  return {
    /** One bounded batch of a retention prune; answers how many rows it deleted. */
    async pruneBatch(input: { table: PrunableTable; olderThan: string; batchSize: number }): Promise<number> {
      const olderThan = new Date(input.olderThan);
      return input.table === 'idempotency_keys'
        ? pruneIdempotencyKeys(prisma, olderThan, input.batchSize)
        : pruneDispatchedOutbox(prisma, olderThan, input.batchSize);
    },

    /** Refreshes every materialized view of the project, CONCURRENTLY (readers are never blocked). */
    async refreshMaterializedViews(): Promise<{ view: string; rows: number; durationMs: number }[]> {
      const refreshed = [];
      for (const view of materializedViews) {
        const started = performance.now();
        const rows = await prisma.$transaction((tx) => refreshMaterializedView(tx, view), { timeout: 10 * 60_000 });
        refreshed.push({ view, rows, durationMs: Math.round(performance.now() - started) });
      }
      return refreshed;
    },
  };
}

export type MaintenanceActivities = ReturnType<typeof createMaintenanceActivities>;
