import { createHash } from 'node:crypto';

/**
 * Names one result of one game: the same score posted again has the same hash, a correction a new
 * one. Settlement runs are keyed by it, so a flood of repeats settles once.
 */
export function resultHash(gameId: string, homeGoals: number, awayGoals: number): string {
  return createHash('sha256').update(`${gameId}\n${homeGoals}-${awayGoals}`).digest('hex').slice(0, 16);
}
