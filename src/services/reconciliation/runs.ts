// Reconciliations and repairs as records and workflows: starting one (the request records it and its
// workflow in one transaction), reading them, their mismatches a page at a time, and what the
// workflows record as they go (each check's counts, the end).
import { randomUUID } from 'node:crypto';
import { Triggers } from '../../contracts/common.ts';
import {
  reconciliationChecks,
  reconciliationWorkflowId,
  repairWorkflowId,
  type CheckResult,
  type ReconciliationCheck,
  type ReconciliationScope,
  type RepairActions,
} from '../../contracts/reconciliation.ts';
import { Prisma, type PrismaClient } from '../../db/client.ts';
import { ConflictError, InvalidInputError, NotFoundError } from '../../domain/errors.ts';
import { workflowStart } from '../../temporal/start-workflow.ts';
import type { WriteScope } from '../write.ts';

export interface ReconciliationView {
  reconciliationId: string;
  workflowId: string;
  status: 'running' | 'completed' | 'failed';
  scope: ReconciliationScope;
  checks: ReconciliationCheck[];
  requestedBy: string;
  startedAt: string;
  finishedAt: string | null;
  checked: Partial<Record<ReconciliationCheck, number>>;
  mismatches: Partial<Record<ReconciliationCheck, number>>;
  error?: string;
}

export interface MismatchView {
  check: ReconciliationCheck;
  subject: Record<string, unknown>;
  expected: unknown;
  actual: unknown;
}

type Row = Awaited<ReturnType<PrismaClient['reconciliation']['findUniqueOrThrow']>>;

function viewOf(row: Row): ReconciliationView {
  return {
    reconciliationId: row.id,
    workflowId: row.workflowId,
    status: row.status as ReconciliationView['status'],
    scope: row.scope as ReconciliationScope,
    checks: row.checks as ReconciliationCheck[],
    requestedBy: row.requestedBy,
    startedAt: row.startedAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
    checked: row.checked as ReconciliationView['checked'],
    mismatches: row.mismatches as ReconciliationView['mismatches'],
    ...(row.error ? { error: row.error } : {}),
  };
}

/** The scope's IDs must name what exists (400 otherwise, like any other input). */
async function validateScope(scope: WriteScope, { tournamentId, gameId }: ReconciliationScope): Promise<void> {
  const problems: { path: string; message: string }[] = [];
  if (tournamentId && !(await scope.tx.tournament.findUnique({ where: { id: tournamentId }, select: { id: true } }))) {
    problems.push({ path: 'scope.tournamentId', message: `tournament ${tournamentId} does not exist` });
  }
  if (gameId && !(await scope.tx.game.findUnique({ where: { id: gameId }, select: { id: true } }))) {
    problems.push({ path: 'scope.gameId', message: `game ${gameId} does not exist` });
  }
  if (problems.length > 0) throw InvalidInputError.of(problems);
}

/** Records a reconciliation and starts its workflow with the write. */
export async function startReconciliation(
  scope: WriteScope,
  taskQueue: string,
  input: { scope?: ReconciliationScope; checks?: ReconciliationCheck[] },
): Promise<{ reconciliationId: string; workflowId: string }> {
  const what = input.scope ?? {};
  await validateScope(scope, what);
  const checks = reconciliationChecks.filter((c) => !input.checks || input.checks.includes(c));
  const reconciliationId = randomUUID();
  const workflowId = reconciliationWorkflowId(scope.requestId);
  await scope.tx.reconciliation.create({
    data: {
      id: reconciliationId,
      workflowId,
      status: 'running',
      scope: what as Prisma.InputJsonObject,
      checks,
      requestedBy: scope.requestedBy,
    },
  });
  await scope.enqueue(
    workflowStart('reconcileWorkflow', {
      workflowId,
      taskQueue,
      args: [{ reconciliationId, scope: what, checks }],
      searchAttributes: {
        trigger: Triggers.admin,
        requestId: scope.requestId,
        ...(what.gameId ? { gameId: what.gameId } : {}),
      },
      memo: { requestedBy: scope.requestedBy, requestId: scope.requestId, reconciliationId },
    }),
  );
  return { reconciliationId, workflowId };
}

export async function getReconciliation(prisma: PrismaClient, reconciliationId: string): Promise<ReconciliationView> {
  const row = await prisma.reconciliation.findUnique({ where: { id: reconciliationId } });
  if (!row) throw new NotFoundError('reconciliation', reconciliationId);
  return viewOf(row);
}

export async function listReconciliations(prisma: PrismaClient, limit: number): Promise<ReconciliationView[]> {
  const rows = await prisma.reconciliation.findMany({ orderBy: [{ startedAt: 'desc' }, { id: 'desc' }], take: limit });
  return rows.map(viewOf);
}

/** A page of a reconciliation's mismatches (of one check), in the order found; the token is the last one's position. */
export async function listMismatches(
  prisma: PrismaClient,
  reconciliationId: string,
  options: { check?: ReconciliationCheck; limit: number; pageToken?: string },
): Promise<{ mismatches: MismatchView[]; nextPageToken: string | null }> {
  await getReconciliation(prisma, reconciliationId);
  const after = options.pageToken ? BigInt(options.pageToken) : 0n;
  const rows = await prisma.reconciliationMismatch.findMany({
    where: { reconciliationId, id: { gt: after }, ...(options.check ? { check: options.check } : {}) },
    orderBy: { id: 'asc' },
    take: options.limit + 1,
  });
  const page = rows.slice(0, options.limit);
  return {
    mismatches: page.map((m) => ({
      check: m.check as ReconciliationCheck,
      subject: m.subject as Record<string, unknown>,
      expected: m.expected ?? null,
      actual: m.actual ?? null,
    })),
    nextPageToken: rows.length > options.limit ? String(page.at(-1)!.id) : null,
  };
}

/** Records a repair of a completed reconciliation and starts its workflow with the write. */
export async function startRepair(
  scope: WriteScope,
  taskQueue: string,
  reconciliationId: string,
  checks?: ReconciliationCheck[],
): Promise<{ workflowId: string; repairId: string }> {
  const reconciliation = await scope.tx.reconciliation.findUnique({
    where: { id: reconciliationId },
    select: { status: true, checks: true },
  });
  if (!reconciliation) throw new NotFoundError('reconciliation', reconciliationId);
  if (reconciliation.status !== 'completed') {
    throw new ConflictError(
      'reconciliation_not_completed',
      `reconciliation ${reconciliationId} is ${reconciliation.status}; only a completed one can be repaired`,
    );
  }
  const repairing = (reconciliation.checks as ReconciliationCheck[]).filter((c) => !checks || checks.includes(c));
  const repairId = randomUUID();
  const workflowId = repairWorkflowId(reconciliationId, scope.requestId);
  await scope.tx.reconciliationRepair.create({
    data: {
      id: repairId,
      reconciliationId,
      workflowId,
      checks: repairing,
      requestedBy: scope.requestedBy,
      status: 'running',
    },
  });
  await scope.enqueue(
    workflowStart('repairReconciliationWorkflow', {
      workflowId,
      taskQueue,
      args: [{ reconciliationId, repairId, checks: repairing }],
      searchAttributes: { trigger: Triggers.admin, requestId: scope.requestId },
      memo: { requestedBy: scope.requestedBy, requestId: scope.requestId, reconciliationId, repairId },
    }),
  );
  return { workflowId, repairId };
}

// ---- what the workflows record ----------------------------------------------------------------

/** Creates the row of a run the schedule started (its ID is its workflow's), or finds the API's. */
export async function beginReconciliation(
  prisma: PrismaClient,
  input: {
    reconciliationId?: string;
    workflowId: string;
    scope: ReconciliationScope;
    checks: ReconciliationCheck[];
    requestedBy: string;
  },
): Promise<string> {
  const id = input.reconciliationId ?? input.workflowId;
  await prisma.reconciliation.upsert({
    where: { id },
    create: {
      id,
      workflowId: input.workflowId,
      status: 'running',
      scope: input.scope as Prisma.InputJsonObject,
      checks: input.checks,
      requestedBy: input.requestedBy,
    },
    update: {},
  });
  return id;
}

/** Starts a check over: its earlier attempt's mismatches go. */
export async function clearCheck(
  prisma: PrismaClient,
  reconciliationId: string,
  check: ReconciliationCheck,
): Promise<void> {
  await prisma.reconciliationMismatch.deleteMany({ where: { reconciliationId, check } });
}

/** Records a check's counts on the run. */
export async function recordCheck(prisma: PrismaClient, reconciliationId: string, result: CheckResult): Promise<void> {
  await prisma.$executeRaw`UPDATE reconciliations
    SET checked = checked || jsonb_build_object(${result.check}::text, ${result.checked}::int),
        mismatches = mismatches || jsonb_build_object(${result.check}::text, ${result.mismatches}::int)
    WHERE id = ${reconciliationId}`;
}

export async function finishReconciliation(
  prisma: PrismaClient,
  reconciliationId: string,
  error?: string,
): Promise<void> {
  await prisma.reconciliation.update({
    where: { id: reconciliationId },
    data: { status: error ? 'failed' : 'completed', finishedAt: new Date(), error: error ?? null },
  });
}

export async function finishRepair(
  prisma: PrismaClient,
  repairId: string,
  outcome: { actions?: RepairActions; error?: string },
): Promise<void> {
  await prisma.reconciliationRepair.update({
    where: { id: repairId },
    data: {
      status: outcome.error ? 'failed' : 'completed',
      finishedAt: new Date(),
      actions: (outcome.actions ?? undefined) as Prisma.InputJsonObject | undefined,
      error: outcome.error ?? null,
    },
  });
}

/**
 * What the metrics publish: the mismatches of the latest completed run over everything (a scoped run
 * says nothing of the rest), and when it finished.
 */
export async function reconciliationHealth(
  prisma: PrismaClient,
): Promise<{ mismatches: Partial<Record<ReconciliationCheck, number>> | null; lastCompleteAt: Date | null }> {
  const [latest] = await prisma.$queryRaw<{ mismatches: Partial<Record<ReconciliationCheck, number>>; at: Date }[]>`
    SELECT mismatches, finished_at AS at FROM reconciliations
    WHERE status = 'completed' AND scope = '{}'::jsonb ORDER BY finished_at DESC LIMIT 1`;
  return { mismatches: latest?.mismatches ?? null, lastCompleteAt: latest?.at ?? null };
}
