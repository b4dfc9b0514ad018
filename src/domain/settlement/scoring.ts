// Points for one prediction of one game (the same rule is the settlement statement's CASE, in SQL,
// so a whole game settles in one set-based statement; src/services/settlement/settle.test.ts holds
// the two to the same cases).

export interface Score {
  homeGoals: number;
  awayGoals: number;
}

/** The most goals one side can have in a result or a prediction. */
export const MAX_GOALS = 99;

export const EXACT_POINTS = 3;
export const OUTCOME_POINTS = 1;

/** Exact score 3; right outcome (home win, draw, away win) 1; otherwise 0. */
export function pointsFor(prediction: Score, result: Score): { points: number; exact: boolean } {
  if (prediction.homeGoals === result.homeGoals && prediction.awayGoals === result.awayGoals)
    return { points: EXACT_POINTS, exact: true };
  const outcome = (s: Score) => Math.sign(s.homeGoals - s.awayGoals);
  return { points: outcome(prediction) === outcome(result) ? OUTCOME_POINTS : 0, exact: false };
}
