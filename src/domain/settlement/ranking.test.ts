import { describe, expect, it } from 'vitest';
import { boardScore, rankAll, standingOfScore } from './ranking.ts';
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
    expect(pointsFor({ homeGoals: prediction[0], awayGoals: prediction[1] }, { homeGoals: result[0], awayGoals: result[1] })).toEqual({ points, exact });
  });
});

describe('ranking', () => {
  it('ranks 1, 2, 2, 4 and lists ties by user ID in byte order', () => {
    const ranked = rankAll([
      { userId: 'b', points: 3, exactCount: 1 },
      { userId: 'z', points: 7, exactCount: 2 },
      { userId: 'B', points: 3, exactCount: 1 }, // 'B' (0x42) sorts before 'a' (0x61) in byte order
      { userId: 'a', points: 3, exactCount: 1 },
      { userId: 'y', points: 3, exactCount: 0 },
      { userId: 'x', points: 0, exactCount: 0 },
    ]);
    expect(ranked.map((s) => `${s.rank} ${s.userId}`)).toEqual(['1 z', '2 B', '2 a', '2 b', '5 y', '6 x']);
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
    expect(standingOfScore('big', boardScore(4_000_000, 999_999))).toEqual({ userId: 'big', points: 4_000_000, exactCount: 999_999 });
    expect(boardScore(0, 0) === 0).toBe(true);
  });
});
