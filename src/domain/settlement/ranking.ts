// The scoreboard order: points descending, then exact count descending; rows still equal share a rank
// and the next rank skips (1, 2, 2, 4); equal rows are listed by user ID ascending, in byte order.
// Redis (sorted-set scores, members in byte order) and PostgreSQL (ORDER BY … COLLATE "C") both give
// rows in that order; `rankPage` numbers a page of them.

export interface Standing {
  userId: string;
  points: number;
  exactCount: number;
}

export interface BoardEntry extends Standing {
  rank: number;
}
export interface BoardPage {
  total: number;
  entries: BoardEntry[];
}
export interface UserRank {
  rank: number;
  points: number;
  exactCount: number;
  total: number;
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

/**
 * Ranks one page of a board, in board order, from the rank of its first entry (1 + the standings
 * strictly ahead of it, which the store counts) and the page's offset: equal standings share a rank,
 * and the first one after a tie takes its own position (1, 2, 2, 4), also across a page boundary.
 */
export function rankPage(standings: Standing[], firstRank: number, offset: number): BoardEntry[] {
  let rank = firstRank;
  return standings.map((s, i) => {
    const previous = standings[i - 1];
    if (previous && (previous.points !== s.points || previous.exactCount !== s.exactCount)) rank = offset + i + 1;
    return { ...s, rank };
  });
}
