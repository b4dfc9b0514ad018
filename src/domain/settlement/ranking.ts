// The scoreboard order: points descending, then exact count descending; rows still equal share a rank
// and the next rank skips (1, 2, 2, 4); equal rows are listed by user ID ascending, in byte order.

export interface Standing {
  userId: string;
  points: number;
  exactCount: number;
}

/** 2^20: room for a million exact predictions below the points, and still an exact double. */
const EXACT_SPAN = 1_048_576;

/**
 * The Redis sorted-set score of a standing: ascending scores give the board order, and Redis orders
 * equal scores by member in byte order, which is the contract's tie order. Absolute, never a delta.
 */
export function boardScore(points: number, exactCount: number): number {
  return -(points * EXACT_SPAN + exactCount);
}

export function standingOfScore(userId: string, score: number): Standing {
  const value = Math.abs(score); // scores are never positive; abs also turns -0 into 0
  return { userId, points: Math.floor(value / EXACT_SPAN), exactCount: value % EXACT_SPAN };
}

/** Byte-order comparison of user IDs (what PostgreSQL's "C" collation and Redis both use). */
export function compareUserIds(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

export function compareStandings(a: Standing, b: Standing): number {
  return b.points - a.points || b.exactCount - a.exactCount || compareUserIds(a.userId, b.userId);
}

/** Ranks a whole board, in board order: rank = 1 + the number of standings strictly ahead. */
export function rankAll<S extends Standing>(standings: S[]): (S & { rank: number })[] {
  const sorted = [...standings].sort(compareStandings);
  let rank = 0;
  return sorted.map((s, i) => {
    const previous = sorted[i - 1];
    if (!previous || previous.points !== s.points || previous.exactCount !== s.exactCount) rank = i + 1;
    return { ...s, rank };
  });
}
