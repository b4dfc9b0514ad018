import type { PrismaClient } from '../db/client.ts';
import { materializedViews, refreshMaterializedView } from '../db/views.ts';
import {
  pruneDispatchedOutbox,
  pruneFinishedExports,
  pruneIdempotencyKeys,
} from '../services/maintenance/retention.ts';
import type { MaintenanceActivities } from '../contracts/maintenance.ts';

export interface MaintenanceActivityDeps {
  prisma: PrismaClient;
}

export function createMaintenanceActivities({ prisma }: MaintenanceActivityDeps): MaintenanceActivities {
  return {
    async pruneBatch(input) {
      const olderThan = new Date(input.olderThan);
      const prune = {
        idempotency_keys: pruneIdempotencyKeys,
        workflow_outbox: pruneDispatchedOutbox,
        exports: pruneFinishedExports,
      }[input.table];
      return prune(prisma, olderThan, input.batchSize);
    },

    async refreshMaterializedViews() {
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
