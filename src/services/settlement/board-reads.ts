// Scoreboard reads: from Redis while its projection has caught up with PostgreSQL, else from
// PostgreSQL (the same order and ranks). A projection found behind for longer than a projection takes
// gets a rebuild started, once per version.
import type { PrismaClient } from '../../db/client.ts';
import { NotFoundError } from '../../domain/errors.ts';
import type { Redis } from '../../redis.ts';
import { boardKeys, createScoreboardQueries, createScoreboards, STALE_REBUILD_AFTER_MS, type BoardPage, type UserRank } from './scoreboards.ts';

export type BoardSource = 'redis' | 'postgres';

export function createBoardReads(deps: {
  prisma: PrismaClient;
  redis: Redis;
  /** Starts the tournament's rebuild (idempotent per version); errors are ignored by the caller. */
  requestRebuild: (tournamentId: string, version: number) => Promise<unknown>;
}) {
  const { prisma } = deps;
  const boards = createScoreboards(deps);
  const pg = createScoreboardQueries(prisma);

  async function tournamentState(tournamentId: string) {
    const t = await prisma.tournament.findUnique({ where: { id: tournamentId }, select: { scoreboardVersion: true, scoreboardChangedAt: true } });
    if (!t) throw new NotFoundError('tournament', tournamentId);
    return { version: Number(t.scoreboardVersion), changedAt: t.scoreboardChangedAt };
  }

  /** Redis when fresh; PostgreSQL when stale, missing or unreachable (asking for a rebuild when it lags). */
  async function serve<T>(
    tournamentId: string,
    board: string,
    fromRedis: () => Promise<T>,
    fromPostgres: () => Promise<T>,
    hasRows: () => Promise<boolean>,
  ): Promise<{ value: T; source: BoardSource }> {
    const state = await tournamentState(tournamentId);
    let reachable = true;
    try {
      if (await boards.isFresh(tournamentId, state.version, board, hasRows)) return { value: await fromRedis(), source: 'redis' };
    } catch {
      reachable = false; // Redis down: PostgreSQL answers
    }
    if (reachable && state.changedAt && Date.now() - state.changedAt.getTime() > STALE_REBUILD_AFTER_MS) {
      void deps.requestRebuild(tournamentId, state.version).catch(() => undefined);
    }
    return { value: await fromPostgres(), source: 'postgres' };
  }

  const anyTotals = (tournamentId: string, leagueId: string | null) => async () =>
    (await pg.page(tournamentId, leagueId, 1, 0)).total > 0;

  return {
    tournamentBoard(tournamentId: string, limit: number, offset: number): Promise<{ value: BoardPage; source: BoardSource }> {
      const board = boardKeys.tournamentBoard(tournamentId);
      return serve(tournamentId, board, () => boards.readRedisPage(board, limit, offset), () => pg.page(tournamentId, null, limit, offset), anyTotals(tournamentId, null));
    },

    async leagueBoard(leagueId: string, limit: number, offset: number): Promise<{ value: BoardPage; source: BoardSource }> {
      const league = await prisma.league.findUnique({ where: { id: leagueId }, select: { tournamentId: true } });
      if (!league) throw new NotFoundError('league', leagueId);
      const board = boardKeys.leagueBoard(leagueId);
      return serve(league.tournamentId, board, () => boards.readRedisPage(board, limit, offset), () => pg.page(league.tournamentId, leagueId, limit, offset), anyTotals(league.tournamentId, leagueId));
    },

    async userRank(tournamentId: string, userId: string): Promise<{ value: UserRank; source: BoardSource }> {
      const board = boardKeys.tournamentBoard(tournamentId);
      const { value, source } = await serve(tournamentId, board, () => boards.readRedisRank(board, userId), () => pg.rank(tournamentId, userId), anyTotals(tournamentId, null));
      if (!value) throw new NotFoundError(`user with a settled prediction in tournament ${tournamentId}:`, userId);
      return { value, source };
    },
  };
}
