// Reconciliation's activities: each check runs in one activity that heartbeats between the check's
// slices (a dead worker's attempt is retried in seconds and starts the check over, its partial
// mismatches cleared first), and a repair re-derives the recorded mismatches through their owners.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { ReconciliationFailureTypes, type ReconciliationActivities } from '../contracts/reconciliation.ts';
import type { TaskQueues } from '../contracts/task-queues.ts';
import type { PrismaClient } from '../db/client.ts';
import { NotFoundError } from '../domain/errors.ts';
import type { Redis } from '../redis.ts';
import { checks } from '../services/reconciliation/checks.ts';
import { repairMismatches } from '../services/reconciliation/repair.ts';
import {
  beginReconciliation,
  clearCheck,
  finishReconciliation,
  finishRepair,
  recordCheck,
} from '../services/reconciliation/runs.ts';
import type { WriteRunner } from '../services/write.ts';

export interface ReconciliationActivityDeps {
  prisma: PrismaClient;
  redis: Redis;
  runWrite: WriteRunner;
  taskQueues: TaskQueues;
}

/** A reconciliation or repair whose row is gone is never retried. */
function unknown(err: unknown): never {
  if (err instanceof NotFoundError) {
    throw ApplicationFailure.nonRetryable(err.message, ReconciliationFailureTypes.unknownReconciliation);
  }
  throw err;
}

export function createReconciliationActivities(deps: ReconciliationActivityDeps): ReconciliationActivities {
  const { prisma, redis } = deps;
  return {
    async beginReconciliation(input) {
      // A scheduled run has no row yet: it is recorded under its workflow ID, by its schedule.
      const reconciliationId = await beginReconciliation(prisma, input);
      return { reconciliationId };
    },

    async runCheck({ reconciliationId, check, scope }) {
      const context = Context.current();
      const started = performance.now();
      await clearCheck(prisma, reconciliationId, check);
      const count = await checks[check]({
        prisma,
        redis,
        reconciliationId,
        scope,
        progress: () => context.heartbeat(),
      });
      const result = { check, ...count, durationMs: Math.round(performance.now() - started) };
      await recordCheck(prisma, reconciliationId, result);
      return result;
    },

    async finishReconciliation({ reconciliationId, error }) {
      await finishReconciliation(prisma, reconciliationId, error);
    },

    async repairMismatches(input) {
      try {
        return await repairMismatches(deps, { ...input, checks: input.checks ?? [] });
      } catch (err) {
        return unknown(err);
      }
    },

    async finishRepair({ repairId, actions, error }) {
      await finishRepair(prisma, repairId, { actions, error });
    },
  };
}
