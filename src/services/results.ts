// Recording a game's result, from the API (POST /api/games/:id/result) or from the match provider
// (match verification): the game ends, the result is kept with its hash, and the work it starts (the
// post-match stats run, the settlement) commits with it through the outbox. A result that changes
// nothing starts nothing.
import type { Config } from '../config.ts';
import { ConflictError, NotFoundError } from '../domain/errors.ts';
import { resultHash } from '../domain/results.ts';
import type { Score } from '../domain/settlement/scoring.ts';
import { Triggers } from '../contracts/common.ts';
import { settlementStart } from './settlement/settle.ts';
import { statsRunStart } from './stats/runs.ts';
import { getStatsSwitches } from './stats/switches.ts';
import type { WriteScope } from './write.ts';

type WorkflowRef = { workflowId: string } | null;
export type ResultSource = 'api' | 'provider';

export interface RecordedResult {
  settlement: WorkflowRef;
  stats: WorkflowRef;
  /** False when the game already had this result: nothing was written or started. */
  changed: boolean;
}

/**
 * Saves a game's result: the game becomes `ended`, and its settlement (`settle:<game>:<result
 * hash>`) and, unless the post-match trigger is switched off, its stats run start from the same
 * transaction. A different score later is a correction (a new result, hash and settlement); the same
 * score again changes nothing and answers with what the first one started.
 */
export async function recordResult(
  scope: WriteScope,
  taskQueues: Config['taskQueues'],
  gameId: string,
  score: Score,
  source: ResultSource,
): Promise<RecordedResult> {
  const { tx } = scope;
  const [game] = await tx.$queryRaw<
    { status: string; home_goals: number | null; away_goals: number | null; tournament_id: string | null }[]
  >`SELECT status, home_goals, away_goals, tournament_id FROM games WHERE id = ${gameId} FOR UPDATE`;
  if (!game) throw new NotFoundError('game', gameId);
  if (game.status === 'cancelled')
    throw new ConflictError('game_cancelled', `game ${gameId} was cancelled; it has no result`);

  const ref = (id: string | null | undefined): WorkflowRef => (id ? { workflowId: id } : null);
  if (game.status === 'ended' && game.home_goals === score.homeGoals && game.away_goals === score.awayGoals) {
    const last = await tx.gameResult.findFirst({ where: { gameId }, orderBy: { id: 'desc' } });
    return { settlement: ref(last?.settlementWorkflowId), stats: ref(last?.statsWorkflowId), changed: false };
  }

  const ordinal = (await tx.gameResult.count({ where: { gameId } })) + 1;
  const hash = resultHash(gameId, score.homeGoals, score.awayGoals, ordinal);
  await tx.game.update({
    where: { id: gameId },
    data: { status: 'ended', homeGoals: score.homeGoals, awayGoals: score.awayGoals },
  });

  const trigger = source === 'api' ? Triggers.postMatch : Triggers.verification;
  const settlement = settlementStart({
    gameId,
    resultHash: hash,
    requestId: scope.requestId,
    requestedBy: scope.requestedBy,
    trigger,
    taskQueue: taskQueues.settlement,
    tournamentId: game.tournament_id,
  });
  await scope.enqueue(settlement);
  let stats: WorkflowRef = null;
  if ((await getStatsSwitches(tx)).triggers['post-match']) {
    const start = statsRunStart({
      requestId: scope.requestId,
      requestedBy: scope.requestedBy,
      triggeredBy: 'post-match',
      gameId,
      taskQueues,
    });
    await scope.enqueue(start);
    stats = { workflowId: start.workflowId };
  }
  await tx.gameResult.create({
    data: {
      gameId,
      homeGoals: score.homeGoals,
      awayGoals: score.awayGoals,
      resultHash: hash,
      requestId: scope.requestId,
      statsWorkflowId: stats?.workflowId ?? null,
      settlementWorkflowId: settlement.workflowId,
      source,
    },
  });
  return { settlement: { workflowId: settlement.workflowId }, stats, changed: true };
}
