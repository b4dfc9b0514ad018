// Retention: rows kept only for a while. Each prune deletes one bounded batch (oldest first) and
// never a live row: a stored Idempotency-Key response younger than the cutoff, an outbox row whose
// workflow has not been started yet, or an export still being written.
import type { PrismaClient } from '../../db/client.ts';

/** Deletes up to `batchSize` Idempotency-Key records created before `olderThan`; answers how many. */
export function pruneIdempotencyKeys(prisma: PrismaClient, olderThan: Date, batchSize: number): Promise<number> {
  // SKIP LOCKED: a key a request is replaying right now is left for the next run.
  return prisma.$executeRaw`DELETE FROM idempotency_keys WHERE key IN (
    SELECT key FROM idempotency_keys WHERE created_at < ${olderThan}
    ORDER BY created_at LIMIT ${batchSize} FOR UPDATE SKIP LOCKED)`;
}

/** Deletes up to `batchSize` outbox rows dispatched before `olderThan`; undispatched rows never. */
export function pruneDispatchedOutbox(prisma: PrismaClient, olderThan: Date, batchSize: number): Promise<number> {
  return prisma.$executeRaw`DELETE FROM workflow_outbox WHERE id IN (
    SELECT id FROM workflow_outbox WHERE dispatched_at IS NOT NULL AND dispatched_at < ${olderThan}
    ORDER BY dispatched_at LIMIT ${batchSize} FOR UPDATE SKIP LOCKED)`;
}

/** Deletes up to `batchSize` exports finished (ready or failed) before `olderThan`, their chunks with them. */
export function pruneFinishedExports(prisma: PrismaClient, olderThan: Date, batchSize: number): Promise<number> {
  return prisma.$executeRaw`DELETE FROM exports WHERE id IN (
    SELECT id FROM exports WHERE finished_at IS NOT NULL AND finished_at < ${olderThan}
    ORDER BY finished_at LIMIT ${batchSize} FOR UPDATE SKIP LOCKED)`;
}
