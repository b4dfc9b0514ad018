// Scoreboard reads from PostgreSQL, the truth and the fallback: the same pages and ranks Redis gives.
import type { PrismaClient } from '../../../db/client.ts';
import { rankPage, type BoardPage, type UserRank } from '../../../domain/settlement/ranking.ts';

interface Row {
  user_id: string;
  points: number;
  exact_count: number;
}

/**
 * The same pages and ranks from PostgreSQL (the fallback), with the same order and ranks. A rank is
 * 1 + the users strictly ahead, counted, which is what `RANK() OVER (ORDER BY points DESC,
 * exact_count DESC)` gives without ranking the whole board for every page or user asked for.
 */
export function createPostgresBoardReads(prisma: PrismaClient) {
  /** Standings strictly ahead of `first`, on the tournament's board or a league's. */
  async function ahead(tournamentId: string, leagueId: string | null, first: Row): Promise<number> {
    const [row] = await prisma.$queryRaw<{ ahead: bigint }[]>`
      SELECT count(*) AS ahead FROM user_tournament_totals t
      WHERE t.tournament_id = ${tournamentId}
        AND (t.points > ${first.points} OR (t.points = ${first.points} AND t.exact_count > ${first.exact_count}))
        AND (${leagueId}::text IS NULL OR EXISTS (SELECT 1 FROM league_members m WHERE m.league_id = ${leagueId} AND m.user_id = t.user_id))`;
    return Number(row!.ahead);
  }

  /** The board's size: kept on the tournament row for a tournament; counted for a league. */
  async function total(tournamentId: string, leagueId: string | null): Promise<number> {
    if (!leagueId) {
      const t = await prisma.tournament.findUnique({ where: { id: tournamentId }, select: { scoreboardUsers: true } });
      return t?.scoreboardUsers ?? 0;
    }
    const [row] = await prisma.$queryRaw<{ total: bigint }[]>`
      SELECT count(*) AS total FROM league_members m JOIN user_tournament_totals t ON t.tournament_id = ${tournamentId} AND t.user_id = m.user_id
      WHERE m.league_id = ${leagueId}`;
    return Number(row!.total);
  }

  return {
    async page(tournamentId: string, leagueId: string | null, limit: number, offset: number): Promise<BoardPage> {
      const rows = await prisma.$queryRaw<Row[]>`
        SELECT t.user_id, t.points, t.exact_count FROM user_tournament_totals t
        WHERE t.tournament_id = ${tournamentId}
          AND (${leagueId}::text IS NULL OR EXISTS (SELECT 1 FROM league_members m WHERE m.league_id = ${leagueId} AND m.user_id = t.user_id))
        ORDER BY t.points DESC, t.exact_count DESC, t.user_id COLLATE "C" LIMIT ${limit} OFFSET ${offset}`;
      const standings = rows.map((r) => ({ userId: r.user_id, points: r.points, exactCount: r.exact_count }));
      // The first entry of the first page has nobody ahead of it.
      const [count, before] = await Promise.all([
        total(tournamentId, leagueId),
        rows[0] && offset > 0 ? ahead(tournamentId, leagueId, rows[0]) : 0,
      ]);
      return { total: count, entries: rankPage(standings, before + 1, offset) };
    },

    async rank(tournamentId: string, userId: string): Promise<UserRank | null> {
      const [row] = await prisma.$queryRaw<Row[]>`
        SELECT user_id, points, exact_count FROM user_tournament_totals WHERE tournament_id = ${tournamentId} AND user_id = ${userId}`;
      if (!row) return null;
      const [before, count] = await Promise.all([ahead(tournamentId, null, row), total(tournamentId, null)]);
      return { rank: before + 1, points: row.points, exactCount: row.exact_count, total: count };
    },

    /** Whether the board lists anyone (a missing Redis board is then a lost one, not an empty one). */
    async hasRows(tournamentId: string, leagueId: string | null): Promise<boolean> {
      return (await total(tournamentId, leagueId)) > 0;
    },
  };
}
