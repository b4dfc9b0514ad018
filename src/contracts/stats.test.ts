import { describe, expect, it } from 'vitest';
import { refreshGames, type RefreshRequest } from './stats.ts';

const postMatch = (gameId: string, n: number): RefreshRequest => ({
  workflowId: `stats:r${n}`,
  requestId: `r${n}`,
  triggeredBy: 'post-match',
  gameId,
});

describe('refreshGames', () => {
  it('names each post-match game once, sorted, when every run served is post-match', () => {
    expect(refreshGames([postMatch('g2', 1), postMatch('g1', 2), postMatch('g2', 3)])).toEqual(['g1', 'g2']);
  });

  it('is everything (undefined) when any run is not post-match, or none is served', () => {
    expect(
      refreshGames([postMatch('g1', 1), { workflowId: 'stats:a', requestId: 'a', triggeredBy: 'admin' }]),
    ).toBeUndefined();
    expect(refreshGames([{ workflowId: 'stats:c', requestId: 'c', triggeredBy: 'cron' }])).toBeUndefined();
    expect(refreshGames([{ workflowId: 'stats:p', requestId: 'p', triggeredBy: 'post-match' }])).toBeUndefined();
    expect(refreshGames([])).toBeUndefined();
  });
});
