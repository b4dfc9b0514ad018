// The audit log: who did what to what, when, with which outcome and request ID. Written for every
// admin action of the API (the router, from each route's declared action) and of the console.
import type { Prisma, PrismaClient, Tx } from '../db/client.ts';
import type { AuditAction, AuditOutcome } from '../domain/audit.ts';

export interface AuditRecord {
  actor: string;
  action: AuditAction;
  target: string | null;
  outcome: AuditOutcome;
  requestId: string;
  details?: Record<string, unknown>;
}

export async function recordAudit(db: PrismaClient | Tx, entry: AuditRecord): Promise<void> {
  await db.auditEntry.create({
    data: {
      actor: entry.actor,
      action: entry.action,
      target: entry.target,
      outcome: entry.outcome,
      requestId: entry.requestId,
      ...(entry.details ? { details: entry.details as Prisma.InputJsonObject } : {}),
    },
  });
}

export interface AuditView {
  at: string;
  actor: string;
  action: string;
  target: string | null;
  outcome: string;
  requestId: string;
}

/** The newest entries first. */
export async function listAudit(prisma: PrismaClient, limit: number): Promise<AuditView[]> {
  const rows = await prisma.auditEntry.findMany({ orderBy: [{ at: 'desc' }, { id: 'desc' }], take: limit });
  return rows.map((r) => ({
    at: r.at.toISOString(),
    actor: r.actor,
    action: r.action,
    target: r.target,
    outcome: r.outcome,
    requestId: r.requestId,
  }));
}
