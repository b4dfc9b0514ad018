// Repairing a reconciliation's mismatches through the paths that own each number, never by writing
// the expected value into the row:
//   ledger   the result's settlement started again (a run of its own), as the result route starts it
//   points   the game re-settled from the result its ledger applied (resettle.ts), boards projected
//   totals   the users' totals recounted from their predictions (resettle.ts), boards projected
//   boards   the tournament's Redis boards rebuilt from PostgreSQL
//   minutes  the game's report recalculated, as a change to its events does
//   stats    a stats run over everything, as the admin trigger starts it
// Each check's repair is one write with its own request ID (`repair:<repair>:<check>`): a retried
// activity replays it instead of repairing twice.
import { createHash } from 'node:crypto';
import { Triggers, type RequestedBy } from '../../contracts/common.ts';
import type { ReconciliationCheck, RepairActions } from '../../contracts/reconciliation.ts';
import { scoreboardProjectionWorkflowId } from '../../contracts/settlement.ts';
import type { TaskQueues } from '../../contracts/task-queues.ts';
import type { PrismaClient } from '../../db/client.ts';
import { NotFoundError } from '../../domain/errors.ts';
import { workflowStart } from '../../temporal/start-workflow.ts';
import { recalculationStart } from '../minutes/recalculation.ts';
import { startRebuild } from '../settlement/rebuild.ts';
import { recountTotals, resettleGame } from '../settlement/resettle.ts';
import { settlementStart } from '../settlement/settle.ts';
import { statsRunStart } from '../stats/runs.ts';
import type { WriteRunner, WriteScope } from '../write.ts';

type Subject = Record<string, string | undefined>;

export function emptyActions(): RepairActions {
  return {
    resettledGames: [],
    recountedUsers: {},
    settlementsStarted: [],
    boardsRebuilt: [],
    reportsRecalculated: [],
    statsRun: null,
  };
}

/** The subjects a check recorded for the reconciliation. */
async function subjectsOf(
  prisma: PrismaClient,
  reconciliationId: string,
  check: ReconciliationCheck,
): Promise<Subject[]> {
  const rows = await prisma.reconciliationMismatch.findMany({
    where: { reconciliationId, check },
    select: { subject: true },
    orderBy: { id: 'asc' },
  });
  return rows.map((r) => r.subject as Subject);
}

const distinct = (values: (string | undefined)[]) =>
  [...new Set(values.filter((v): v is string => typeof v === 'string'))].sort();

/** The boards' projection after totals changed, through the settlement queue. */
async function project(scope: WriteScope, taskQueues: TaskQueues, tournamentId: string): Promise<void> {
  await scope.enqueue(
    workflowStart('projectScoreboardWorkflow', {
      workflowId: scoreboardProjectionWorkflowId(tournamentId, scope.requestId),
      taskQueue: taskQueues.settlement,
      args: [{ tournamentId }],
      searchAttributes: { trigger: Triggers.repair, requestId: scope.requestId },
      memo: { requestedBy: scope.requestedBy, tournamentId, requestId: scope.requestId },
    }),
  );
}

/** What each check's repair does, in one write. */
const repairs: Record<
  ReconciliationCheck,
  (ctx: {
    scope: WriteScope;
    repairId: string;
    taskQueues: TaskQueues;
    subjects: Subject[];
    actions: RepairActions;
  }) => Promise<void>
> = {
  async ledger({ scope, taskQueues, subjects, actions }) {
    for (const s of subjects) {
      if (!s.gameId || !s.resultHash) continue;
      const start = settlementStart({
        gameId: s.gameId,
        resultHash: s.resultHash,
        requestId: scope.requestId,
        requestedBy: scope.requestedBy,
        trigger: Triggers.repair,
        taskQueue: taskQueues.settlement,
      });
      // A run of its own: the result's first settlement run may still hold its ID.
      await scope.enqueue({ ...start, workflowId: `${start.workflowId}:${scope.requestId}` });
      actions.settlementsStarted.push(s.gameId);
    }
  },
  async points({ scope, repairId, taskQueues, subjects, actions }) {
    const tournaments = new Set<string>();
    for (const gameId of distinct(subjects.map((s) => s.gameId))) {
      const outcome = await resettleGame(scope.tx, repairId, gameId);
      if (outcome.done) actions.resettledGames.push(gameId);
      if (outcome.tournamentId) tournaments.add(outcome.tournamentId);
    }
    for (const tournamentId of tournaments) await project(scope, taskQueues, tournamentId);
  },
  async totals({ scope, repairId, taskQueues, subjects, actions }) {
    for (const tournamentId of distinct(subjects.map((s) => s.tournamentId))) {
      const users = distinct(subjects.filter((s) => s.tournamentId === tournamentId).map((s) => s.userId));
      const outcome = await recountTotals(scope.tx, repairId, tournamentId, users);
      if (outcome.done) actions.recountedUsers[tournamentId] = users.length;
      await project(scope, taskQueues, tournamentId);
    }
  },
  async boards({ scope, taskQueues, subjects, actions }) {
    for (const tournamentId of distinct(subjects.map((s) => s.tournamentId))) {
      await startRebuild(scope, taskQueues.settlement, tournamentId);
      actions.boardsRebuilt.push(tournamentId);
    }
  },
  async minutes({ scope, taskQueues, subjects, actions }) {
    for (const gameId of distinct(subjects.map((s) => s.gameId))) {
      // As a change to its events does: the version moves on, and a recalculation (one run per game) follows.
      const { eventsVersion } = await scope.tx.game.update({
        where: { id: gameId },
        data: { eventsVersion: { increment: 1 } },
        select: { eventsVersion: true },
      });
      await scope.enqueue(
        recalculationStart({
          requestId: `${scope.requestId}:${gameId}`,
          requestedBy: scope.requestedBy,
          gameId,
          trigger: Triggers.repair,
          eventsVersion,
          taskQueue: taskQueues.minutes,
        }),
      );
      actions.reportsRecalculated.push(gameId);
    }
  },
  async stats({ scope, taskQueues, subjects, actions }) {
    if (subjects.length === 0) return;
    const start = statsRunStart({
      requestId: scope.requestId,
      requestedBy: scope.requestedBy,
      triggeredBy: 'admin',
      taskQueues,
    });
    await scope.enqueue(start);
    actions.statsRun = start.workflowId;
  },
};

/**
 * Repairs the reconciliation's mismatches of `checks`, check by check, each in one write as
 * `requestedBy`. Answers what it set in motion (a repeat, from a retry, answers the same).
 */
export async function repairMismatches(
  deps: { prisma: PrismaClient; runWrite: WriteRunner; taskQueues: TaskQueues },
  input: { reconciliationId: string; repairId: string; checks: ReconciliationCheck[] },
): Promise<RepairActions> {
  const repair = await deps.prisma.reconciliationRepair.findUnique({
    where: { id: input.repairId },
    select: { requestedBy: true },
  });
  if (!repair) throw new NotFoundError('repair', input.repairId);
  const actions = emptyActions();
  for (const check of input.checks) {
    const subjects = await subjectsOf(deps.prisma, input.reconciliationId, check);
    if (subjects.length === 0) continue;
    const requestId = `repair:${input.repairId}:${check}`;
    const { body } = await deps.runWrite(
      {
        requestId,
        requestedBy: repair.requestedBy as RequestedBy,
        idempotencyKey: requestId,
        fingerprint: createHash('sha256').update(JSON.stringify(subjects)).digest('hex'),
        method: 'POST',
        path: `/repairs/${input.repairId}/${check}`,
      },
      async (scope) => {
        const done = emptyActions();
        await repairs[check]({ scope, repairId: input.repairId, taskQueues: deps.taskQueues, subjects, actions: done });
        return { status: 200, body: done };
      },
    );
    const done = body as RepairActions;
    actions.resettledGames.push(...done.resettledGames);
    Object.assign(actions.recountedUsers, done.recountedUsers);
    actions.settlementsStarted.push(...done.settlementsStarted);
    actions.boardsRebuilt.push(...done.boardsRebuilt);
    actions.reportsRecalculated.push(...done.reportsRecalculated);
    actions.statsRun ??= done.statsRun;
  }
  return actions;
}
