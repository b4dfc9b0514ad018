// Settling one result of one game, exactly once: one PostgreSQL transaction, set-based (one
// statement scores every prediction of the game and moves every user's tournament totals), whatever
// the number of predictions. The ledger row (game, result hash) is inserted in that transaction, so
// a retry, a crash or a repeated trigger finds it and applies nothing twice.
import type { PrismaClient } from '../../db/client.ts';
import { EXACT_POINTS, OUTCOME_POINTS } from '../../domain/settlement/scoring.ts';
import type { RequestedBy, Trigger } from '../../contracts/common.ts';
import { fairnessKey } from '../../contracts/priorities.ts';
import { settlementWorkflowId, type SettlementOutcome } from '../../contracts/settlement.ts';
import { workflowStart, type WorkflowStart } from '../../temporal/start-workflow.ts';

export function settlementStart(options: {
  gameId: string;
  resultHash: string;
  requestId: string;
  requestedBy: RequestedBy;
  trigger: Trigger;
  taskQueue: string;
  /** The game's tournament, when known: settlements share dispatch between tournaments. */
  tournamentId?: string | null;
}): WorkflowStart<'settleGameWorkflow'> {
  const { gameId, resultHash, requestId, requestedBy, trigger, taskQueue, tournamentId } = options;
  return workflowStart('settleGameWorkflow', {
    workflowId: settlementWorkflowId(gameId, resultHash),
    taskQueue,
    args: [{ gameId, resultHash }],
    searchAttributes: { trigger, requestId, gameId },
    memo: { requestedBy, gameId, resultHash, requestId, trigger },
    fairnessKey: tournamentId ? fairnessKey('tournament', tournamentId) : fairnessKey('game', gameId),
  });
}

/** What applying a result did, or `unknown` when the game or the result does not exist. */
export type ApplyOutcome = SettlementOutcome | { outcome: 'unknown'; reason: string };

/**
 * Applies the game's result `resultHash`. In one transaction: lock the game (settlements of one game
 * take turns); a result that is no longer the game's latest is recorded as skipped; the ledger row is
 * inserted (a conflict means it was done before); then one statement scores every prediction of the
 * game, rewrites those whose points change, and adds, per user, what the new points differ from what
 * the prediction held before (so a correction reverses the earlier result and applies the new one);
 * and the tournament's scoreboard version moves on, stamped on every totals row it changed.
 */
export async function applySettlement(
  prisma: PrismaClient,
  input: { gameId: string; resultHash: string; workflowId: string },
  timeoutMs = 10 * 60_000,
): Promise<ApplyOutcome> {
  const { gameId, resultHash } = input;
  return prisma.$transaction(
    async (tx) => {
      const [game] = await tx.$queryRaw<
        { tournament_id: string | null }[]
      >`SELECT tournament_id FROM games WHERE id = ${gameId} FOR UPDATE`;
      if (!game) return { outcome: 'unknown', reason: `game ${gameId} does not exist` };
      const tournamentId = game.tournament_id;
      const results = await tx.$queryRaw<{ result_hash: string; home_goals: number; away_goals: number }[]>`
        SELECT result_hash, home_goals, away_goals FROM game_results WHERE game_id = ${gameId} ORDER BY id DESC`;
      const result = results.find((r) => r.result_hash === resultHash);
      if (!result) return { outcome: 'unknown', reason: `game ${gameId} has no result ${resultHash}` };
      const latest = results[0]!.result_hash === resultHash;

      const inserted = await tx.$queryRaw<{ id: bigint }[]>`
        INSERT INTO match_settlement_ledger (game_id, result_hash, status, home_goals, away_goals, workflow_id)
        VALUES (${gameId}, ${resultHash}, ${latest ? 'applied' : 'skipped'}, ${result.home_goals}, ${result.away_goals}, ${input.workflowId})
        ON CONFLICT (game_id, result_hash) DO NOTHING RETURNING id`;
      if (inserted.length === 0) {
        const [done] = await tx.$queryRaw<{ status: string; predictions_settled: number }[]>`
          SELECT status, predictions_settled FROM match_settlement_ledger WHERE game_id = ${gameId} AND result_hash = ${resultHash}`;
        return {
          outcome: 'already',
          tournamentId,
          status: done!.status,
          predictionsSettled: done!.predictions_settled,
        };
      }
      if (!latest) return { outcome: 'skipped', tournamentId };

      let version: number | null = null;
      if (tournamentId) {
        const [bumped] = await tx.$queryRaw<{ scoreboard_version: bigint }[]>`
          UPDATE tournaments SET scoreboard_version = scoreboard_version + 1, scoreboard_changed_at = now()
          WHERE id = ${tournamentId} RETURNING scoreboard_version`;
        version = Number(bumped!.scoreboard_version);
      }
      const h = result.home_goals;
      const a = result.away_goals;
      // Only predictions whose points change are rewritten (and only their users' totals move), so
      // a correction costs what it changes; the rest already hold what this result gives. No row
      // locks on the predictions: the game row locked above already makes settlements of the game
      // take turns, and prediction writes lock it FOR SHARE (and refuse once the game has started).
      const [scored] = await tx.$queryRaw<{ settled: bigint; new_users: bigint }[]>`
        WITH previous AS (
          SELECT user_id, points, exact,
                 CASE WHEN home_goals = ${h} AND away_goals = ${a} THEN ${EXACT_POINTS}
                      WHEN sign(home_goals - away_goals) = sign(${h}::int - ${a}::int) THEN ${OUTCOME_POINTS}
                      ELSE 0 END AS new_points,
                 (home_goals = ${h} AND away_goals = ${a}) AS new_exact
          FROM predictions WHERE game_id = ${gameId}),
        rescored AS (
          UPDATE predictions p SET points = previous.new_points, exact = previous.new_exact, updated_at = now()
          FROM previous
          WHERE p.game_id = ${gameId} AND p.user_id = previous.user_id
            AND (previous.points, previous.exact) IS DISTINCT FROM (previous.new_points, previous.new_exact)
          RETURNING p.user_id,
                    p.points - coalesce(previous.points, 0) AS points_delta,
                    p.exact::int - coalesce(previous.exact::int, 0) AS exact_delta,
                    (previous.points IS NULL)::int AS newly_settled),
        totals AS (
          INSERT INTO user_tournament_totals (tournament_id, user_id, points, exact_count, settled_predictions, version)
          SELECT ${tournamentId}, user_id, points_delta, exact_delta, newly_settled, ${version ?? 0} FROM rescored
          WHERE ${tournamentId}::text IS NOT NULL
          ON CONFLICT (tournament_id, user_id) DO UPDATE SET
            points = user_tournament_totals.points + excluded.points,
            exact_count = user_tournament_totals.exact_count + excluded.exact_count,
            settled_predictions = user_tournament_totals.settled_predictions + excluded.settled_predictions,
            version = excluded.version
          RETURNING (xmax = 0) AS inserted)
        SELECT (SELECT count(*) FROM previous) AS settled, (SELECT count(*) FILTER (WHERE inserted) FROM totals) AS new_users`;
      const predictionsSettled = Number(scored!.settled);
      if (tournamentId && scored!.new_users > 0n) {
        await tx.$executeRaw`UPDATE tournaments SET scoreboard_users = scoreboard_users + ${Number(scored!.new_users)} WHERE id = ${tournamentId}`;
      }
      await tx.$executeRaw`UPDATE match_settlement_ledger SET predictions_settled = ${predictionsSettled}
        WHERE game_id = ${gameId} AND result_hash = ${resultHash}`;
      return { outcome: 'applied', tournamentId, version, predictionsSettled };
    },
    { maxWait: 30_000, timeout: timeoutMs },
  );
}

/** Marks the result's settlement as failed for good (shown by the settlement status route). */
export async function recordSettlementFailure(
  prisma: PrismaClient,
  input: { gameId: string; resultHash: string; error: string },
): Promise<void> {
  await prisma.gameResult.updateMany({
    where: { gameId: input.gameId, resultHash: input.resultHash },
    data: { settlementError: input.error },
  });
}
