// Re-settling, for a repair: the path that owns predictions' points and users' totals, run again
// from the ledger rather than from a new result. A game's predictions are rescored from the result
// its ledger applied last, and its predictors' tournament totals are recounted from their settled
// predictions: absolute values, so whatever a hand edit, a restore or a bug left behind, the numbers
// end as settling gives them. Changed totals take a new scoreboard version (the boards' projection
// then writes them), like any settlement. Recorded in settlement_repairs, once per repair and subject.
import type { Tx } from '../../db/client.ts';

export interface ResettleOutcome {
  /** False when this repair had already re-settled the subject (a retry). */
  done: boolean;
  predictionsRescored: number;
  totalsRewritten: number;
  tournamentId: string | null;
}

/**
 * Recounts `userIds`' totals in the tournament from their settled predictions (removing a total that
 * has none), stamping changed rows with a new scoreboard version. Answers how many rows changed.
 */
async function recount(tx: Tx, tournamentId: string, userIds: string[]): Promise<number> {
  if (userIds.length === 0) return 0;
  const [bumped] = await tx.$queryRaw<{ scoreboard_version: bigint }[]>`
    UPDATE tournaments SET scoreboard_version = scoreboard_version + 1, scoreboard_changed_at = now()
    WHERE id = ${tournamentId} RETURNING scoreboard_version`;
  if (!bumped) return 0;
  const version = bumped.scoreboard_version;
  const [changed] = await tx.$queryRaw<{ upserted: bigint; removed: bigint }[]>`
    WITH counted AS (
      SELECT p.user_id, sum(p.points)::int AS points, (count(*) FILTER (WHERE p.exact))::int AS exact_count, count(*)::int AS settled
      FROM predictions p JOIN games g ON g.id = p.game_id
      WHERE g.tournament_id = ${tournamentId} AND p.points IS NOT NULL AND p.user_id = ANY(${userIds}::text[])
      GROUP BY p.user_id),
    upserted AS (
      INSERT INTO user_tournament_totals (tournament_id, user_id, points, exact_count, settled_predictions, version)
      SELECT ${tournamentId}, user_id, points, exact_count, settled, ${version} FROM counted
      ON CONFLICT (tournament_id, user_id) DO UPDATE SET
        points = excluded.points, exact_count = excluded.exact_count,
        settled_predictions = excluded.settled_predictions, version = excluded.version
      WHERE (user_tournament_totals.points, user_tournament_totals.exact_count, user_tournament_totals.settled_predictions)
        IS DISTINCT FROM (excluded.points, excluded.exact_count, excluded.settled_predictions)
      RETURNING 1),
    removed AS (
      DELETE FROM user_tournament_totals t
      WHERE t.tournament_id = ${tournamentId} AND t.user_id = ANY(${userIds}::text[])
        AND NOT EXISTS (SELECT 1 FROM counted c WHERE c.user_id = t.user_id)
      RETURNING 1)
    SELECT (SELECT count(*) FROM upserted) AS upserted, (SELECT count(*) FROM removed) AS removed`;
  await tx.$executeRaw`UPDATE tournaments
    SET scoreboard_users = (SELECT count(*) FROM user_tournament_totals WHERE tournament_id = ${tournamentId})
    WHERE id = ${tournamentId}`;
  return Number(changed!.upserted) + Number(changed!.removed);
}

/** Marks the subject re-settled by this repair; false when it already was (nothing more to do). */
async function claim(
  tx: Tx,
  repairId: string,
  subject: string,
  fields: { tournamentId: string | null; gameId?: string; resultHash?: string },
): Promise<boolean> {
  const inserted = await tx.$executeRaw`
    INSERT INTO settlement_repairs (repair_id, subject, tournament_id, game_id, result_hash)
    VALUES (${repairId}, ${subject}, ${fields.tournamentId}, ${fields.gameId ?? null}, ${fields.resultHash ?? null})
    ON CONFLICT (repair_id, subject) DO NOTHING`;
  return inserted > 0;
}

/** Rescores the game's predictions from the result its ledger applied last, and recounts their users' totals. */
export async function resettleGame(tx: Tx, repairId: string, gameId: string): Promise<ResettleOutcome> {
  // Settlements of the game take turns on its row; so does this.
  const [game] = await tx.$queryRaw<
    { tournament_id: string | null }[]
  >`SELECT tournament_id FROM games WHERE id = ${gameId} FOR UPDATE`;
  const tournamentId = game?.tournament_id ?? null;
  const [applied] = await tx.$queryRaw<{ result_hash: string; home_goals: number; away_goals: number }[]>`
    SELECT r.result_hash, r.home_goals, r.away_goals FROM game_results r
    JOIN match_settlement_ledger l ON l.game_id = r.game_id AND l.result_hash = r.result_hash AND l.status = 'applied'
    WHERE r.game_id = ${gameId} ORDER BY r.id DESC LIMIT 1`;
  if (!game || !applied) return { done: false, predictionsRescored: 0, totalsRewritten: 0, tournamentId };
  if (!(await claim(tx, repairId, `game:${gameId}`, { tournamentId, gameId, resultHash: applied.result_hash }))) {
    return { done: false, predictionsRescored: 0, totalsRewritten: 0, tournamentId };
  }
  const h = applied.home_goals;
  const a = applied.away_goals;
  const rescored = await tx.$executeRaw`
    UPDATE predictions SET
      points = CASE WHEN home_goals = ${h} AND away_goals = ${a} THEN 3
                    WHEN sign(home_goals - away_goals) = sign(${h}::int - ${a}::int) THEN 1 ELSE 0 END,
      exact = (home_goals = ${h} AND away_goals = ${a}), updated_at = now()
    WHERE game_id = ${gameId}
      AND (points, exact) IS DISTINCT FROM (
        CASE WHEN home_goals = ${h} AND away_goals = ${a} THEN 3
             WHEN sign(home_goals - away_goals) = sign(${h}::int - ${a}::int) THEN 1 ELSE 0 END,
        (home_goals = ${h} AND away_goals = ${a}))`;
  let totalsRewritten = 0;
  if (tournamentId) {
    const users = await tx.$queryRaw<{ user_id: string }[]>`SELECT user_id FROM predictions WHERE game_id = ${gameId}`;
    totalsRewritten = await recount(
      tx,
      tournamentId,
      users.map((u) => u.user_id),
    );
  }
  await tx.$executeRaw`UPDATE settlement_repairs SET predictions_rescored = ${rescored}, totals_rewritten = ${totalsRewritten}
    WHERE repair_id = ${repairId} AND subject = ${`game:${gameId}`}`;
  return { done: true, predictionsRescored: rescored, totalsRewritten, tournamentId };
}

/** Recounts the totals of `userIds` in the tournament from their settled predictions. */
export async function recountTotals(
  tx: Tx,
  repairId: string,
  tournamentId: string,
  userIds: string[],
): Promise<ResettleOutcome> {
  if (!(await claim(tx, repairId, `users:${tournamentId}`, { tournamentId }))) {
    return { done: false, predictionsRescored: 0, totalsRewritten: 0, tournamentId };
  }
  const totalsRewritten = await recount(tx, tournamentId, userIds);
  await tx.$executeRaw`UPDATE settlement_repairs SET totals_rewritten = ${totalsRewritten}
    WHERE repair_id = ${repairId} AND subject = ${`users:${tournamentId}`}`;
  return { done: true, predictionsRescored: 0, totalsRewritten, tournamentId };
}
