// An admin action, written and audited the same way whether it came through the JSON API (a route
// that declares its audit action) or the console (a form): the write runs in its transaction with
// the audit entry when it succeeds, and a refused or failed one is recorded after.
import type { PrismaClient } from '../db/client.ts';
import { auditOutcomeOf, type AuditAction } from '../domain/audit.ts';
import type { Logger } from '../logger.ts';
import { recordAudit } from '../services/audit.ts';
import type { WriteRequest, WriteResponse, WriteRunner, WriteScope } from '../services/write.ts';
import { toApiError } from './errors.ts';

export interface AuditedAction {
  action: AuditAction;
  target: string | null;
}

export async function auditedWrite(
  deps: { runWrite: WriteRunner; prisma: PrismaClient; logger: Logger },
  request: WriteRequest,
  audit: AuditedAction | null,
  work: (scope: WriteScope) => Promise<WriteResponse>,
): Promise<WriteResponse & { replayed: boolean }> {
  const entry = audit ? { ...audit, actor: request.requestedBy, requestId: request.requestId } : null;
  try {
    return await deps.runWrite(request, async (scope) => {
      const response = await work(scope);
      if (entry) await recordAudit(scope.tx, { ...entry, outcome: 'succeeded' });
      return response;
    });
  } catch (err) {
    if (entry) {
      await recordAudit(deps.prisma, {
        ...entry,
        outcome: auditOutcomeOf(toApiError(err).status),
        details: { error: (err as Error).message },
      }).catch((auditErr: unknown) => {
        deps.logger.warn(
          { err: auditErr, requestId: request.requestId },
          'could not record a refused admin action in the audit log',
        );
      });
    }
    throw err;
  }
}
