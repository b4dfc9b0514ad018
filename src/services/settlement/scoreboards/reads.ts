// Scoreboard reads: from Redis while its projection has caught up with PostgreSQL, else from
// PostgreSQL (the same order and ranks). A projection found behind for longer than a projection takes
// gets a rebuild started, once per version.
import type { PrismaClient } from '../../../db/client.ts';
import { NotFoundError } from '../../../domain/errors.ts';
import type { BoardPage, UserRank } from '../../../domain/settlement/ranking.ts';
import type { Redis } from '../../../redis.ts';
import { metrics } from '../../../telemetry/metrics.ts';
import { createPostgresBoardReads } from './postgres-reads.ts';
import { createRedisBoardReads, type RedisRead } from './redis-reads.ts';

/** How long a projection may lag behind before a reader asks for a rebuild. */
const STALE_REBUILD_AFTER_MS = 30_000;

export type BoardSource = 'redis' | 'postgres';

export function createBoardReads(deps: {
  prisma: PrismaClient;
  redis: Redis;
  /** Starts the tournament's rebuild (idempotent per version); errors are ignored by the caller. */
  requestRebuild: (tournamentId: string, version: number) => Promise<unknown>;
}) {
  const { prisma } = deps;
  const redis = createRedisBoardReads(deps.redis);
  const pg = createPostgresBoardReads(prisma);
  // Versions this process already asked a rebuild for: stale reads then cost PostgreSQL only, not a
  // Temporal call each (the workflow ID makes repeats from other processes harmless too).
  const requested = new Set<string>();
  const requestOnce = (tournamentId: string, version: number) => {
    const key = `${tournamentId}:${version}`;
    if (requested.has(key)) return;
    requested.add(key);
    if (requested.size > 10_000) requested.clear();
    void deps.requestRebuild(tournamentId, version).catch(() => requested.delete(key));
  };

  async function tournamentState(tournamentId: string) {
    const t = await prisma.tournament.findUnique({
      where: { id: tournamentId },
      select: { scoreboardVersion: true, scoreboardChangedAt: true },
    });
    if (!t) throw new NotFoundError('tournament', tournamentId);
    return { version: Number(t.scoreboardVersion), changedAt: t.scoreboardChangedAt };
  }

  /**
   * Redis when its projection reflects PostgreSQL's version; PostgreSQL when it is behind, missing or
   * unreachable (asking for a rebuild when it lags). The version lookup and the Redis read (one round
   * trip) run side by side.
   */
  async function serve<T>(
    board: 'tournament' | 'league' | 'rank',
    tournamentId: string,
    leagueId: string | null,
    fromRedis: () => Promise<RedisRead<T>>,
    fromPostgres: () => Promise<T>,
  ): Promise<{ value: T; source: BoardSource }> {
    const [state, read] = await Promise.all([tournamentState(tournamentId), fromRedis().catch(() => null)]);
    if (read && read.version === state.version && (read.boardExists || !(await pg.hasRows(tournamentId, leagueId)))) {
      metrics.scoreboardReads.inc({ board, source: 'redis' });
      return { value: read.value, source: 'redis' };
    }
    // Redis answered but is behind or lost its board: past a projection's time, ask for a rebuild.
    if (read && state.changedAt && Date.now() - state.changedAt.getTime() > STALE_REBUILD_AFTER_MS)
      requestOnce(tournamentId, state.version);
    const value = await fromPostgres();
    metrics.scoreboardReads.inc({ board, source: 'postgres' });
    return { value, source: 'postgres' };
  }

  return {
    tournamentBoard(
      tournamentId: string,
      limit: number,
      offset: number,
    ): Promise<{ value: BoardPage; source: BoardSource }> {
      return serve(
        'tournament',
        tournamentId,
        null,
        () => redis.page(tournamentId, null, limit, offset),
        () => pg.page(tournamentId, null, limit, offset),
      );
    },

    async leagueBoard(
      leagueId: string,
      limit: number,
      offset: number,
    ): Promise<{ value: BoardPage; source: BoardSource }> {
      const league = await prisma.league.findUnique({ where: { id: leagueId }, select: { tournamentId: true } });
      if (!league) throw new NotFoundError('league', leagueId);
      return serve(
        'league',
        league.tournamentId,
        leagueId,
        () => redis.page(league.tournamentId, leagueId, limit, offset),
        () => pg.page(league.tournamentId, leagueId, limit, offset),
      );
    },

    async userRank(tournamentId: string, userId: string): Promise<{ value: UserRank; source: BoardSource }> {
      const { value, source } = await serve(
        'rank',
        tournamentId,
        null,
        () => redis.rank(tournamentId, userId),
        () => pg.rank(tournamentId, userId),
      );
      if (!value) throw new NotFoundError(`user with a settled prediction in tournament ${tournamentId}:`, userId);
      return { value, source };
    },
  };
}
