// The stats aggregations in words (formulas in docs/stats.md) and the cache tag each owns. Their
// names, the triggers and the switches are the stats contract's (contracts/stats.ts).
import type { AggregationName } from '../../contracts/stats.ts';

export const aggregationDescriptions: Record<AggregationName, string> = {
  'season-stats': 'Per player and season, and per half-season: appearances, minutes, goals, assists, cards.',
  'all-time-stats': 'Per player over every ended game.',
  'hall-of-fame': 'All-time leaders in goals, assists, appearances and minutes (top 25 ranks).',
  'recent-form': "Each player's last five ended games with an appearance, and their mean game score.",
  'season-honours': "A season's leaders and single-game records.",
  'match-reports': 'A ready-made report of every ended game.',
  'personal-bests': "Each player's best single game in goals, assists and goal contributions.",
  'player-profiles': 'Debut, last game, starts, per-90 and per-goal figures.',
  'season-race': 'Cumulative goals by matchday for every scorer of a season.',
  'power-ratings': 'A decaying average of the per-game score.',
};

/** The Redis cache tag an aggregation owns: every cached read built from its table carries it. */
export function cacheTagOf(name: AggregationName): string {
  return `stats:${name}`;
}
