// Tournament and league scoreboards: PostgreSQL holds the truth (user_tournament_totals), Redis a
// projection in sorted sets (one per tournament, one per league) that reads are served from while it
// has caught up. Every change to what a tournament's boards show bumps the tournament's
// `scoreboard_version` and stamps the changed rows; Redis records the version its boards reflect.
//
// - Projection (catch-up): writes the absolute standings of every row changed since the version
//   Redis reflects, then records the new version. Absolute values and a version that only moves
//   forward: a retry or a late run rewrites the same values, never adds twice.
// - Rebuild: the whole boards from PostgreSQL into new keys, swapped in with RENAME (atomic), unless
//   Redis already reflects a newer version.
// Both run under an advisory lock per tournament in a repeatable-read snapshot, so they take turns
// and each writes one consistent state.
import type { PrismaClient, Tx } from '../../db/client.ts';
import { NotFoundError } from '../../domain/errors.ts';
import { boardScore, standingOfScore, type Standing } from '../../domain/settlement/ranking.ts';
import type { Redis } from '../../redis.ts';

const tournamentBoard = (tournamentId: string) => `board:tournament:${tournamentId}`;
const leagueBoard = (leagueId: string) => `board:league:${leagueId}`;
const versionKey = (tournamentId: string) => `board-version:${tournamentId}`;

// KEYS[1] version key; ARGV[1] version. Records it only if newer.
const RECORD_VERSION = `
local current = tonumber(redis.call('GET', KEYS[1]) or '-1')
if tonumber(ARGV[1]) > current then redis.call('SET', KEYS[1], ARGV[1]) return 1 end
return 0`;
// KEYS[1] version key, then pairs (new key, live key); ARGV[1] version. Swaps every pair in, unless
// Redis already reflects a newer version (then the new keys are dropped).
const SWAP_IN = `
local current = tonumber(redis.call('GET', KEYS[1]) or '-1')
if tonumber(ARGV[1]) < current then
  for i = 2, #KEYS, 2 do redis.call('DEL', KEYS[i]) end
  return 0
end
for i = 2, #KEYS, 2 do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    redis.call('RENAME', KEYS[i], KEYS[i + 1])
    redis.call('PERSIST', KEYS[i + 1])
  else
    redis.call('DEL', KEYS[i + 1])
  end
end
redis.call('SET', KEYS[1], ARGV[1])
return 1`;

const CHUNK = 20_000;
/** How long a projection may lag behind before a reader asks for a rebuild. */
export const STALE_REBUILD_AFTER_MS = 30_000;

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

/** Ranks a page from the rank of its first entry: equal standings share a rank, the next one skips. */
function rankPage(standings: Standing[], firstRank: number, offset: number): BoardEntry[] {
  let rank = firstRank;
  return standings.map((s, i) => {
    const previous = standings[i - 1];
    if (previous && (previous.points !== s.points || previous.exactCount !== s.exactCount)) rank = offset + i + 1;
    return { ...s, rank };
  });
}

/** Runs `work` holding the tournament's scoreboard lock, in one repeatable-read snapshot. */
function withBoardLock<T>(prisma: PrismaClient, tournamentId: string, work: (tx: Tx, version: number) => Promise<T>): Promise<T> {
  return prisma.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`fulltime:scoreboard:${tournamentId}`}))`;
      const [row] = await tx.$queryRaw<{ scoreboard_version: bigint }[]>`SELECT scoreboard_version FROM tournaments WHERE id = ${tournamentId}`;
      if (!row) throw new NotFoundError('tournament', tournamentId);
      return work(tx, Number(row.scoreboard_version));
    },
    { isolationLevel: 'RepeatableRead', maxWait: 60_000, timeout: 10 * 60_000 },
  );
}

interface Row {
  user_id: string;
  points: number;
  exact_count: number;
}

export function createScoreboards({ prisma, redis }: { prisma: PrismaClient; redis: Redis }) {
  /** ZADD absolute standings; `expireSeconds` for a rebuild's new keys (a crashed rebuild leaves none behind). */
  async function zadd(key: string, rows: Row[], expireSeconds?: number): Promise<void> {
    for (let i = 0; i < rows.length; i += CHUNK) {
      const args: (string | number)[] = [];
      for (const r of rows.slice(i, i + CHUNK)) args.push(boardScore(r.points, r.exact_count), r.user_id);
      await redis.zadd(key, ...args);
      if (expireSeconds) await redis.expire(key, expireSeconds);
    }
  }

  /** Totals rows of the tournament, in user-ID order, a chunk at a time (a board can hold a million). */
  async function* totals(tx: Tx, tournamentId: string, since: number): AsyncGenerator<Row[]> {
    let after = '';
    for (;;) {
      const rows = await tx.$queryRaw<Row[]>`
        SELECT user_id, points, exact_count FROM user_tournament_totals
        WHERE tournament_id = ${tournamentId} AND version > ${since} AND user_id COLLATE "C" > ${after}
        ORDER BY user_id COLLATE "C" LIMIT ${CHUNK}`;
      if (rows.length === 0) return;
      yield rows;
      after = rows[rows.length - 1]!.user_id;
    }
  }

  /** League members' standings, for members whose totals changed or who joined after `since`. */
  function leagueRows(tx: Tx, tournamentId: string, since: number) {
    return tx.$queryRaw<(Row & { league_id: string })[]>`
      SELECT lm.league_id, t.user_id, t.points, t.exact_count
      FROM league_members lm
      JOIN leagues l ON l.id = lm.league_id AND l.tournament_id = ${tournamentId}
      JOIN user_tournament_totals t ON t.tournament_id = ${tournamentId} AND t.user_id = lm.user_id
      WHERE t.version > ${since} OR lm.version > ${since}`;
  }

  async function writeLeagues(tx: Tx, tournamentId: string, since: number, keyOf: (leagueId: string) => string, expireSeconds?: number): Promise<void> {
    const byLeague = new Map<string, Row[]>();
    for (const row of await leagueRows(tx, tournamentId, since)) {
      const members = byLeague.get(row.league_id);
      if (members) members.push(row);
      else byLeague.set(row.league_id, [row]);
    }
    for (const [leagueId, members] of byLeague) await zadd(keyOf(leagueId), members, expireSeconds);
  }

  /** The version Redis reflects, or -1 when it has none (never projected, or lost). */
  async function projectedVersion(tournamentId: string): Promise<number> {
    const value = await redis.get(versionKey(tournamentId));
    return value === null ? -1 : Number(value);
  }

  const scoreboards = {
    /** Rebuilds the tournament's boards from PostgreSQL and swaps them in. Answers the version. */
    rebuild(tournamentId: string): Promise<{ version: number; users: number; leagues: number; swapped: boolean }> {
      return withBoardLock(prisma, tournamentId, async (tx, version) => {
        const suffix = `:rebuild:${version}:${Date.now()}`;
        let users = 0;
        for await (const rows of totals(tx, tournamentId, -1)) {
          await zadd(tournamentBoard(tournamentId) + suffix, rows, 3600);
          users += rows.length;
        }
        const leagues = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM leagues WHERE tournament_id = ${tournamentId}`;
        await writeLeagues(tx, tournamentId, -1, (leagueId) => leagueBoard(leagueId) + suffix, 3600);
        const keys = [tournamentBoard(tournamentId), ...leagues.map((l) => leagueBoard(l.id))].flatMap((live) => [live + suffix, live]);
        const swapped = Number(await redis.eval(SWAP_IN, 1 + keys.length, versionKey(tournamentId), ...keys, version)) === 1;
        return { version, users, leagues: leagues.length, swapped };
      });
    },

    /**
     * Catches the tournament's boards up with PostgreSQL: writes every standing that changed since
     * the version Redis reflects, then records the current version. With no version in Redis, rebuilds.
     */
    async project(tournamentId: string): Promise<{ from: number; version: number; users: number; rebuilt: boolean }> {
      const from = await projectedVersion(tournamentId);
      if (from < 0) {
        const rebuilt = await scoreboards.rebuild(tournamentId);
        return { from, version: rebuilt.version, users: rebuilt.users, rebuilt: true };
      }
      return withBoardLock(prisma, tournamentId, async (tx, version) => {
        const since = await projectedVersion(tournamentId); // another run may have caught up meanwhile
        if (since >= version) return { from: since, version, users: 0, rebuilt: false };
        let users = 0;
        for await (const rows of totals(tx, tournamentId, since)) {
          await zadd(tournamentBoard(tournamentId), rows);
          users += rows.length;
        }
        await writeLeagues(tx, tournamentId, since, leagueBoard);
        await redis.eval(RECORD_VERSION, 1, versionKey(tournamentId), version);
        return { from: since, version, users, rebuilt: false };
      });
    },

    /** Whether Redis reflects the tournament's current version (and its board exists when it should). */
    async isFresh(tournamentId: string, pgVersion: number, board: string, hasRows: () => Promise<boolean>): Promise<boolean> {
      const [version, exists] = await Promise.all([redis.get(versionKey(tournamentId)), redis.exists(board)]);
      if (version === null || Number(version) !== pgVersion) return false;
      return exists === 1 || !(await hasRows());
    },

    async readRedisPage(board: string, limit: number, offset: number): Promise<BoardPage> {
      const [total, flat] = await Promise.all([redis.zcard(board), redis.zrange(board, offset, offset + limit - 1, 'WITHSCORES')]);
      const standings: Standing[] = [];
      for (let i = 0; i < flat.length; i += 2) standings.push(standingOfScore(flat[i]!, Number(flat[i + 1])));
      if (standings.length === 0) return { total, entries: [] };
      const ahead = await redis.zcount(board, '-inf', `(${boardScore(standings[0]!.points, standings[0]!.exactCount)}`);
      return { total, entries: rankPage(standings, ahead + 1, offset) };
    },

    async readRedisRank(board: string, userId: string): Promise<UserRank | null> {
      const score = await redis.zscore(board, userId);
      if (score === null) return null;
      const [ahead, total] = await Promise.all([redis.zcount(board, '-inf', `(${score}`), redis.zcard(board)]);
      const standing = standingOfScore(userId, Number(score));
      return { rank: ahead + 1, points: standing.points, exactCount: standing.exactCount, total };
    },
  };
  return scoreboards;
}

export type Scoreboards = ReturnType<typeof createScoreboards>;

/** The same pages and ranks from PostgreSQL (the fallback), with the same order and ranks. */
export function createScoreboardQueries(prisma: PrismaClient) {
  return {
    async page(tournamentId: string, leagueId: string | null, limit: number, offset: number): Promise<BoardPage> {
      const rows = await prisma.$queryRaw<Row[]>`
        SELECT t.user_id, t.points, t.exact_count FROM user_tournament_totals t
        WHERE t.tournament_id = ${tournamentId}
          AND (${leagueId}::text IS NULL OR EXISTS (SELECT 1 FROM league_members m WHERE m.league_id = ${leagueId} AND m.user_id = t.user_id))
        ORDER BY t.points DESC, t.exact_count DESC, t.user_id COLLATE "C" LIMIT ${limit} OFFSET ${offset}`;
      const [counts] = await prisma.$queryRaw<{ total: bigint; ahead: bigint }[]>`
        SELECT count(*) AS total,
               count(*) FILTER (WHERE t.points > ${rows[0]?.points ?? -1} OR (t.points = ${rows[0]?.points ?? -1} AND t.exact_count > ${rows[0]?.exact_count ?? -1})) AS ahead
        FROM user_tournament_totals t
        WHERE t.tournament_id = ${tournamentId}
          AND (${leagueId}::text IS NULL OR EXISTS (SELECT 1 FROM league_members m WHERE m.league_id = ${leagueId} AND m.user_id = t.user_id))`;
      const standings = rows.map((r) => ({ userId: r.user_id, points: r.points, exactCount: r.exact_count }));
      return { total: Number(counts!.total), entries: rankPage(standings, Number(counts!.ahead) + 1, offset) };
    },

    async rank(tournamentId: string, userId: string): Promise<UserRank | null> {
      const [row] = await prisma.$queryRaw<{ points: number; exact_count: number; ahead: bigint; total: bigint }[]>`
        SELECT u.points, u.exact_count,
               (SELECT count(*) FROM user_tournament_totals o WHERE o.tournament_id = u.tournament_id
                  AND (o.points > u.points OR (o.points = u.points AND o.exact_count > u.exact_count))) AS ahead,
               (SELECT count(*) FROM user_tournament_totals o WHERE o.tournament_id = u.tournament_id) AS total
        FROM user_tournament_totals u WHERE u.tournament_id = ${tournamentId} AND u.user_id = ${userId}`;
      if (!row) return null;
      return { rank: Number(row.ahead) + 1, points: row.points, exactCount: row.exact_count, total: Number(row.total) };
    },
  };
}

export const boardKeys = { tournamentBoard, leagueBoard, versionKey };
