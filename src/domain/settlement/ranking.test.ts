import { describe, expect, it } from 'vitest';
import { boardScore, rankPage, standingOfScore, type Standing } from './ranking.ts';
import { pointsFor } from './scoring.ts';

describe('pointsFor', () => {
  it.each([
    [[2, 1], [2, 1], 3, true],
    [[3, 1], [2, 1], 1, false], // home win, not exact
    [[0, 0], [1, 1], 1, false], // draw
    [[0, 2], [1, 3], 1, false], // away win
    [[1, 0], [1, 1], 0, false],
    [[0, 1], [1, 0], 0, false],
    [[2, 2], [2, 2], 3, true],
  ] as const)('prediction %j against result %j gives %i', (prediction, result, points, exact) => {
    expect(
      pointsFor({ homeGoals: prediction[0], awayGoals: prediction[1] }, { homeGoals: result[0], awayGoals: result[1] }),
    ).toEqual({ points, exact });
  });
});

describe('rankPage', () => {
  // A board in board order, worked out by hand: points desc, exact desc, ties by user ID in byte
  // order ('B' is 0x42, before 'a' 0x61). Ranks: z 1; B, a, b share 2; y 5; x 6.
  const board: Standing[] = [
    { userId: 'z', points: 7, exactCount: 2 },
    { userId: 'B', points: 3, exactCount: 1 },
    { userId: 'a', points: 3, exactCount: 1 },
    { userId: 'b', points: 3, exactCount: 1 },
    { userId: 'y', points: 3, exactCount: 0 },
    { userId: 'x', points: 0, exactCount: 0 },
  ];
  const ranks = (entries: { rank: number; userId: string }[]) => entries.map((e) => `${e.rank} ${e.userId}`);

  it('ranks 1, 2, 2, 2, 5, 6: equal standings share a rank and the next one skips', () => {
    expect(ranks(rankPage(board, 1, 0))).toEqual(['1 z', '2 B', '2 a', '2 b', '5 y', '6 x']);
  });

  it('numbers a page that starts inside a tie from the rank of its first entry', () => {
    // Offset 2 starts at 'a': one standing (z) is strictly ahead of it, so its rank is 2.
    expect(ranks(rankPage(board.slice(2, 5), 2, 2))).toEqual(['2 a', '2 b', '5 y']);
    // Offset 3, the tie's last member: still 2, and y after it takes its own position, 5.
    expect(ranks(rankPage(board.slice(3, 6), 2, 3))).toEqual(['2 b', '5 y', '6 x']);
  });

  it('numbers a page that starts right after a tie by its position', () => {
    expect(ranks(rankPage(board.slice(4, 6), 5, 4))).toEqual(['5 y', '6 x']);
    expect(rankPage([], 1, 0)).toEqual([]);
  });

  it('ranks a board where everyone is level at 1', () => {
    const level = ['a', 'b', 'c'].map((userId) => ({ userId, points: 1, exactCount: 0 }));
    expect(ranks(rankPage(level, 1, 0))).toEqual(['1 a', '1 b', '1 c']);
    expect(ranks(rankPage(level.slice(1), 1, 1))).toEqual(['1 b', '1 c']);
  });

  it('encodes standings as scores whose ascending order is the board order', () => {
    const scores = [
      ['z', boardScore(7, 2)],
      ['b', boardScore(3, 1)],
      ['y', boardScore(3, 0)],
      ['x', boardScore(0, 0)],
      ['w', boardScore(2, 9)],
    ] as const;
    expect([...scores].sort((a, b) => a[1] - b[1]).map(([id]) => id)).toEqual(['z', 'b', 'y', 'w', 'x']);
    expect(standingOfScore('b', boardScore(3, 1))).toEqual({ userId: 'b', points: 3, exactCount: 1 });
    expect(standingOfScore('big', boardScore(4_000_000, 999_999))).toEqual({
      userId: 'big',
      points: 4_000_000,
      exactCount: 999_999,
    });
    expect(boardScore(0, 0) === 0).toBe(true);
  });
});
