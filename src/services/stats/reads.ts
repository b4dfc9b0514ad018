// Reads of what the stats aggregations produce, served from the Redis cache with the aggregation
// tables behind it. Each read is tagged with the aggregations it is built from, so the stats
// workflow drops it as soon as one of them is rewritten.
import type { TaggedCache } from '../../cache/tagged-cache.ts';
import type { PrismaClient } from '../../db/client.ts';
import { NotFoundError } from '../../domain/errors.ts';
import type { AggregationName } from '../../contracts/stats.ts';
import { cacheTagOf } from '../../domain/stats/aggregations.ts';

const tags = (...names: AggregationName[]) => names.map(cacheTagOf);

export interface PlayerTotals {
  appearances: number;
  minutesPlayed: number;
  goals: number;
  assists: number;
  yellowCards: number;
  redCards: number;
}
const zeroTotals: PlayerTotals = {
  appearances: 0,
  minutesPlayed: 0,
  goals: 0,
  assists: 0,
  yellowCards: 0,
  redCards: 0,
};
const totalsOf = (row: PlayerTotals): PlayerTotals => ({
  appearances: row.appearances,
  minutesPlayed: row.minutesPlayed,
  goals: row.goals,
  assists: row.assists,
  yellowCards: row.yellowCards,
  redCards: row.redCards,
});

const withoutPlayerId = <T extends { playerId: string }>({ playerId: _playerId, ...rest }: T): Omit<T, 'playerId'> =>
  rest;

export const hallOfFameCategories = ['goals', 'assists', 'appearances', 'minutes-played'] as const;

export function createStatsReads({ prisma, cache }: { prisma: PrismaClient; cache: TaggedCache }) {
  async function playerName(playerId: string): Promise<string> {
    const player = await prisma.player.findUnique({ where: { id: playerId }, select: { name: true } });
    if (!player) throw new NotFoundError('player', playerId);
    return player.name;
  }

  /** Names of the players in `ids`, for leaderboards. */
  async function names(ids: string[]): Promise<Map<string, string>> {
    const players = await prisma.player.findMany({
      where: { id: { in: [...new Set(ids)] } },
      select: { id: true, name: true },
    });
    return new Map(players.map((p) => [p.id, p.name]));
  }

  return {
    /** All-time and per-season totals (ended games only) of one player. */
    playerStats(playerId: string) {
      return cache.getOrLoad(`player-stats:${playerId}`, tags('season-stats', 'all-time-stats'), async () => {
        await playerName(playerId);
        const [allTime, seasons] = await Promise.all([
          prisma.playerAllTimeStats.findUnique({ where: { playerId } }),
          prisma.playerSeasonStats.findMany({ where: { playerId, part: 'season' }, orderBy: { season: 'asc' } }),
        ]);
        return {
          playerId,
          allTime: allTime ? totalsOf(allTime) : zeroTotals,
          seasons: seasons.map((s) => ({ season: s.season, ...totalsOf(s) })),
        };
      });
    },

    /** Profile, personal bests, recent form and power rating of one player. */
    playerProfile(playerId: string) {
      return cache.getOrLoad(
        `player-profile:${playerId}`,
        tags('player-profiles', 'personal-bests', 'recent-form', 'power-ratings'),
        async () => {
          const name = await playerName(playerId);
          const [profile, bests, form, rating] = await Promise.all([
            prisma.playerProfile.findUnique({ where: { playerId } }),
            prisma.playerPersonalBest.findMany({ where: { playerId }, orderBy: { record: 'asc' } }),
            prisma.playerRecentForm.findUnique({ where: { playerId } }),
            prisma.playerPowerRating.findUnique({ where: { playerId } }),
          ]);
          return {
            playerId,
            name,
            profile: profile ? withoutPlayerId(profile) : null,
            personalBests: bests.map((b) => ({ record: b.record, value: b.value, gameId: b.gameId })),
            recentForm: form
              ? {
                  games: form.games,
                  minutesPlayed: form.minutesPlayed,
                  goals: form.goals,
                  assists: form.assists,
                  formScore: form.formScore,
                  lastGameId: form.lastGameId,
                }
              : null,
            powerRating: rating ? { rating: rating.rating, games: rating.games, lastGameId: rating.lastGameId } : null,
          };
        },
      );
    },

    /** All-time leaders per category. */
    hallOfFame() {
      return cache.getOrLoad('hall-of-fame', tags('hall-of-fame'), async () => {
        const rows = await prisma.$queryRaw<
          { category: string; rank: number; player_id: string; value: number; name: string }[]
        >`
          SELECT h.category, h.rank, h.player_id, h.value, p.name
          FROM hall_of_fame h JOIN players p ON p.id = h.player_id
          ORDER BY h.category, h.rank, h.player_id`;
        return {
          categories: hallOfFameCategories.map((category) => ({
            category,
            entries: rows
              .filter((r) => r.category === category)
              .map((r) => ({ rank: r.rank, playerId: r.player_id, name: r.name, value: r.value })),
          })),
        };
      });
    },

    /** The season's scorers by total, each with cumulative goals per matchday. */
    seasonRace(season: string, limit: number) {
      return cache.getOrLoad(`season-race:${season}:${limit}`, tags('season-race'), async () => {
        // season_race holds the matchdays with a goal; the total carries forward over the others.
        const rows = await prisma.$queryRaw<{ player_id: string; matchday: number; cumulative_goals: number }[]>`
          WITH leaders AS (
            SELECT player_id, max(cumulative_goals) AS total FROM season_race WHERE season = ${season}
            GROUP BY player_id ORDER BY total DESC, player_id LIMIT ${limit})
          SELECT r.player_id, r.matchday, r.cumulative_goals FROM season_race r JOIN leaders l USING (player_id)
          WHERE r.season = ${season} ORDER BY l.total DESC, r.player_id, r.matchday`;
        const [days] = await prisma.$queryRaw<{ matchdays: number }[]>`
          SELECT coalesce(max(matchday), 0)::int AS matchdays FROM season_matchdays WHERE season = ${season}`;
        const matchdays = days?.matchdays ?? 0;
        if (matchdays === 0) throw new NotFoundError('season', season);
        const players = [...new Set(rows.map((r) => r.player_id))];
        const byPlayer = await names(players);
        return {
          season,
          matchdays,
          players: players.map((playerId) => {
            const goalDays = new Map(
              rows.filter((r) => r.player_id === playerId).map((r) => [r.matchday, r.cumulative_goals]),
            );
            const cumulative: number[] = [];
            for (let day = 1; day <= matchdays; day++) cumulative.push(goalDays.get(day) ?? cumulative.at(-1) ?? 0);
            return {
              playerId,
              name: byPlayer.get(playerId) ?? '',
              totalGoals: cumulative.at(-1) ?? 0,
              cumulativeGoals: cumulative,
            };
          }),
        };
      });
    },

    /** Players by power rating; rank = 1 + the number of players strictly ahead. */
    powerRatings(limit: number, offset: number) {
      return cache.getOrLoad(`power-ratings:${limit}:${offset}`, tags('power-ratings'), async () => {
        const [rows, total] = await Promise.all([
          prisma.$queryRaw<{ player_id: string; rating: number; games: number; rank: number; name: string }[]>`
            SELECT r.player_id, r.rating, r.games, p.name, (rank() OVER (ORDER BY r.rating DESC))::int AS rank
            FROM player_power_ratings r JOIN players p ON p.id = r.player_id
            ORDER BY r.rating DESC, r.player_id LIMIT ${limit} OFFSET ${offset}`,
          prisma.playerPowerRating.count(),
        ]);
        return {
          total,
          entries: rows.map((r) => ({
            rank: r.rank,
            playerId: r.player_id,
            name: r.name,
            rating: r.rating,
            games: r.games,
          })),
        };
      });
    },

    /** Players by recent form (mean game score of their last five appearances). */
    recentForm(limit: number) {
      return cache.getOrLoad(`recent-form:${limit}`, tags('recent-form'), async () => {
        const rows = await prisma.playerRecentForm.findMany({
          orderBy: [{ formScore: 'desc' }, { playerId: 'asc' }],
          take: limit,
        });
        const byPlayer = await names(rows.map((r) => r.playerId));
        return {
          entries: rows.map((r) => ({
            playerId: r.playerId,
            name: byPlayer.get(r.playerId) ?? '',
            games: r.games,
            minutesPlayed: r.minutesPlayed,
            goals: r.goals,
            assists: r.assists,
            formScore: r.formScore,
            lastGameId: r.lastGameId,
          })),
        };
      });
    },

    /** A season's leaders and single-game records. */
    seasonHonours(season: string) {
      return cache.getOrLoad(`season-honours:${season}`, tags('season-honours'), async () => {
        const rows = await prisma.seasonHonour.findMany({
          where: { season },
          orderBy: [{ honour: 'asc' }, { playerId: 'asc' }, { gameId: 'asc' }],
        });
        if (rows.length === 0) throw new NotFoundError('season', season);
        const byPlayer = await names(rows.map((r) => r.playerId));
        return {
          season,
          honours: rows.map((r) => ({
            honour: r.honour,
            playerId: r.playerId,
            name: byPlayer.get(r.playerId) ?? '',
            value: r.value,
            gameId: r.gameId || null,
          })),
        };
      });
    },

    /** The ready-made report of an ended game. */
    matchReport(gameId: string) {
      return cache.getOrLoad(`match-report:${gameId}`, tags('match-reports'), async () => {
        const report = await prisma.matchReport.findUnique({ where: { gameId } });
        if (!report) throw new NotFoundError('match report of game', gameId);
        return report.report as Record<string, unknown>;
      });
    },
  };
}

export type StatsReads = ReturnType<typeof createStatsReads>;
