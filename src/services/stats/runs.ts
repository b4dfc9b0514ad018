// Starting stats runs: the post-match trigger (a result saved, with its run in the same transaction),
// the admin trigger (started at once, answering with the run ID). The cron trigger is a schedule.
import type { Config } from '../../config.ts';
import { ConflictError, NotFoundError } from '../../domain/errors.ts';
import { resultHash } from '../../domain/results.ts';
import type { StatsTrigger } from '../../domain/stats/aggregations.ts';
import { statsWorkflowId } from '../../shared.ts';
import { workflowStart, type WorkflowStart } from '../../temporal/start-workflow.ts';
import type { WriteScope } from '../write.ts';
import { getStatsSwitches } from './switches.ts';

export function statsRunStart(options: {
  requestId: string;
  triggeredBy: StatsTrigger;
  gameId?: string;
  taskQueues: Config['taskQueues'];
  workflowId?: string;
}): WorkflowStart<'statsWorkflow'> {
  const { requestId, triggeredBy, gameId, taskQueues } = options;
  return workflowStart('statsWorkflow', {
    workflowId: options.workflowId ?? statsWorkflowId(requestId),
    taskQueue: taskQueues.stats,
    args: [{ triggeredBy, requestId, ...(gameId ? { gameId } : {}), minutesTaskQueue: taskQueues.minutes }],
    searchAttributes: { trigger: triggeredBy, requestId, ...(gameId ? { gameId } : {}) },
    memo: { triggeredBy, requestId, ...(gameId ? { gameId } : {}) },
  });
}

export interface ResultInput {
  homeGoals: number;
  awayGoals: number;
}

type WorkflowRef = { workflowId: string } | null;

/**
 * Saves a game's result (the game becomes `ended`) and, unless the post-match trigger is switched
 * off, its stats run, in one transaction. A different score later is a correction (a new result);
 * the same score again changes nothing and answers with what the first time started.
 */
export async function postResult(scope: WriteScope, taskQueues: Config['taskQueues'], gameId: string, input: ResultInput): Promise<{ settlement: WorkflowRef; stats: WorkflowRef }> {
  const { tx } = scope;
  const [game] = await tx.$queryRaw<{ status: string; home_goals: number | null; away_goals: number | null }[]>`
    SELECT status, home_goals, away_goals FROM games WHERE id = ${gameId} FOR UPDATE`;
  if (!game) throw new NotFoundError('game', gameId);
  if (game.status === 'cancelled') throw new ConflictError('game_cancelled', `game ${gameId} was cancelled; it has no result`);

  if (game.status === 'ended' && game.home_goals === input.homeGoals && game.away_goals === input.awayGoals) {
    const last = await tx.gameResult.findFirst({ where: { gameId }, orderBy: { id: 'desc' } });
    const ref = (id: string | null | undefined) => (id ? { workflowId: id } : null);
    return { settlement: ref(last?.settlementWorkflowId), stats: ref(last?.statsWorkflowId) };
  }

  await tx.game.update({ where: { id: gameId }, data: { status: 'ended', homeGoals: input.homeGoals, awayGoals: input.awayGoals } });
  const switches = await getStatsSwitches(tx);
  let stats: WorkflowRef = null;
  if (switches.triggers['post-match']) {
    const start = statsRunStart({ requestId: scope.requestId, triggeredBy: 'post-match', gameId, taskQueues });
    await scope.enqueue(start);
    stats = { workflowId: start.workflowId };
  }
  await tx.gameResult.create({
    data: {
      gameId,
      homeGoals: input.homeGoals,
      awayGoals: input.awayGoals,
      resultHash: resultHash(gameId, input.homeGoals, input.awayGoals),
      requestId: scope.requestId,
      statsWorkflowId: stats?.workflowId ?? null,
    },
  });
  return { settlement: null, stats };
}

/** The admin trigger: starts a full stats run now, unless the admin trigger is switched off. */
export async function startAdminStatsRun(scope: WriteScope, taskQueues: Config['taskQueues']): Promise<{ workflowId: string; runId: string }> {
  const switches = await getStatsSwitches(scope.tx);
  if (!switches.triggers.admin) {
    throw new ConflictError('trigger_disabled', 'the admin stats trigger is switched off (see GET /api/admin/stats-switches)');
  }
  return scope.startNow(statsRunStart({ requestId: scope.requestId, triggeredBy: 'admin', taskQueues }));
}
