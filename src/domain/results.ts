import { createHash } from 'node:crypto';

/**
 * Names one result of one game: the score and its place among the game's results (1 for the first,
 * 2 for the first correction, …). A result posted again unchanged keeps its hash; any correction,
 * even back to an earlier score, is a new result with a new hash. Settlement runs are keyed by it,
 * so a flood of repeats settles once and every correction settles once.
 */
export function resultHash(gameId: string, homeGoals: number, awayGoals: number, ordinal: number): string {
  return createHash('sha256').update(`${gameId}\n${homeGoals}-${awayGoals}\n${ordinal}`).digest('hex').slice(0, 16);
}
