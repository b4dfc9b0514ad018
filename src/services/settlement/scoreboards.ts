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
import { Prisma, type PrismaClient, type Tx } from '../../db/client.ts';
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

// One round trip per read. KEYS[1] board, KEYS[2] version key. The version Redis reflects ('' when
// none), whether the board exists, its size, and the page (or the user's score) with the number of
// standings strictly ahead of the page's first entry (or of the user).
const READ_PAGE = `
local page = redis.call('ZRANGE', KEYS[1], ARGV[1], ARGV[2], 'WITHSCORES')
local ahead = 0
if #page > 0 then ahead = redis.call('ZCOUNT', KEYS[1], '-inf', '(' .. page[2]) end
return {redis.call('GET', KEYS[2]) or '', redis.call('EXISTS', KEYS[1]), redis.call('ZCARD', KEYS[1]), ahead, page}`;
const READ_RANK = `
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
local ahead = 0
if score then ahead = redis.call('ZCOUNT', KEYS[1], '-inf', '(' .. score) end
return {redis.call('GET', KEYS[2]) or '', redis.call('EXISTS', KEYS[1]), redis.call('ZCARD', KEYS[1]), ahead, score or ''}`;

/** What one read found in Redis: the version its boards reflect (null: none), and the answer. */
export interface RedisRead<T> {
  version: number | null;
  boardExists: boolean;
  value: T;
}

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

/**
 * ZADDs for many boards, pipelined: commands go out without waiting for each reply (ioredis writes
 * them to the socket in order), and `flush` waits for the ones in flight. `expireSeconds` for a
 * rebuild's new keys (a crashed rebuild leaves none behind), set once per key after its first ZADD.
 */
function boardWriter(redis: Redis, expireSeconds?: number) {
  let inFlight: Promise<unknown>[] = [];
  const expiring = new Set<string>();
  return {
    write(key: string, rows: Row[]): void {
      if (rows.length === 0) return;
      const args: (string | number)[] = [];
      for (const r of rows) args.push(boardScore(r.points, r.exact_count), r.user_id);
      inFlight.push(redis.zadd(key, ...args));
      if (expireSeconds && !expiring.has(key)) {
        expiring.add(key);
        inFlight.push(redis.expire(key, expireSeconds));
      }
    },
    async flush(): Promise<void> {
      const waiting = inFlight;
      inFlight = [];
      await Promise.all(waiting);
    },
  };
}
type BoardWriter = ReturnType<typeof boardWriter>;

/**
 * Streams a query's rows a chunk at a time through a cursor (a board can hold a million rows; one
 * pass, no sort, no keyset re-scans), writing each chunk to Redis while the next is fetched.
 */
async function streamRows<T>(tx: Tx, cursor: string, declare: Prisma.Sql, each: (rows: T[]) => void, writer: BoardWriter): Promise<number> {
  await tx.$executeRaw(Prisma.sql`DECLARE ${Prisma.raw(cursor)} NO SCROLL CURSOR FOR ${declare}`);
  let count = 0;
  for (;;) {
    const rows = await tx.$queryRawUnsafe<T[]>(`FETCH ${CHUNK} FROM ${cursor}`);
    await writer.flush(); // the previous chunk's writes, sent while this chunk was fetched
    if (rows.length === 0) break;
    each(rows);
    count += rows.length;
  }
  await tx.$executeRawUnsafe(`CLOSE ${cursor}`);
  return count;
}

export function createScoreboards({ prisma, redis }: { prisma: PrismaClient; redis: Redis }) {
  /** The tournament board's standings changed since `since` (all with -1). Answers how many. */
  function writeTournament(tx: Tx, tournamentId: string, since: number, key: string, writer: BoardWriter): Promise<number> {
    return streamRows<Row>(
      tx,
      'board_totals',
      Prisma.sql`SELECT user_id, points, exact_count FROM user_tournament_totals WHERE tournament_id = ${tournamentId} AND version > ${since}`,
      (rows) => writer.write(key, rows),
      writer,
    );
  }

  /**
   * League members' standings, for members whose totals changed or who joined after `since`. Rows
   * come in no order; each chunk is grouped by league, one ZADD per league present in it.
   */
  async function writeLeagues(tx: Tx, tournamentId: string, since: number, keyOf: (leagueId: string) => string, writer: BoardWriter): Promise<void> {
    await streamRows<Row & { league_id: string }>(
      tx,
      'board_league_rows',
      Prisma.sql`
        SELECT lm.league_id, t.user_id, t.points, t.exact_count
        FROM league_members lm
        JOIN leagues l ON l.id = lm.league_id AND l.tournament_id = ${tournamentId}
        JOIN user_tournament_totals t ON t.tournament_id = ${tournamentId} AND t.user_id = lm.user_id
        WHERE t.version > ${since} OR lm.version > ${since}`,
      (rows) => {
        const byLeague = new Map<string, Row[]>();
        for (const row of rows) {
          const members = byLeague.get(row.league_id);
          if (members) members.push(row);
          else byLeague.set(row.league_id, [row]);
        }
        for (const [leagueId, members] of byLeague) writer.write(keyOf(leagueId), members);
      },
      writer,
    );
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
        const writer = boardWriter(redis, 3600);
        const users = await writeTournament(tx, tournamentId, -1, tournamentBoard(tournamentId) + suffix, writer);
        const leagues = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM leagues WHERE tournament_id = ${tournamentId}`;
        await writeLeagues(tx, tournamentId, -1, (leagueId) => leagueBoard(leagueId) + suffix, writer);
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
        const writer = boardWriter(redis);
        const users = await writeTournament(tx, tournamentId, since, tournamentBoard(tournamentId), writer);
        await writeLeagues(tx, tournamentId, since, leagueBoard, writer);
        await redis.eval(RECORD_VERSION, 1, versionKey(tournamentId), version);
        return { from: since, version, users, rebuilt: false };
      });
    },

    /** A page of `board` with the version Redis reflects for the tournament, in one round trip. */
    async readPage(tournamentId: string, board: string, limit: number, offset: number): Promise<RedisRead<BoardPage>> {
      const [version, exists, total, ahead, flat] = (await redis.eval(READ_PAGE, 2, board, versionKey(tournamentId), offset, offset + limit - 1)) as [string, number, number, number, string[]];
      const standings: Standing[] = [];
      for (let i = 0; i < flat.length; i += 2) standings.push(standingOfScore(flat[i]!, Number(flat[i + 1])));
      return { version: version === '' ? null : Number(version), boardExists: exists === 1, value: { total, entries: rankPage(standings, ahead + 1, offset) } };
    },

    /** One user's rank on `board` with the version Redis reflects, in one round trip (value null: not on it). */
    async readRank(tournamentId: string, board: string, userId: string): Promise<RedisRead<UserRank | null>> {
      const [version, exists, total, ahead, score] = (await redis.eval(READ_RANK, 2, board, versionKey(tournamentId), userId)) as [string, number, number, number, string];
      const standing = score === '' ? null : standingOfScore(userId, Number(score));
      return {
        version: version === '' ? null : Number(version),
        boardExists: exists === 1,
        value: standing ? { rank: ahead + 1, points: standing.points, exactCount: standing.exactCount, total } : null,
      };
    },

    async readRedisPage(board: string, limit: number, offset: number): Promise<BoardPage> {
      return (await scoreboards.readPage('', board, limit, offset)).value;
    },

    async readRedisRank(board: string, userId: string): Promise<UserRank | null> {
      return (await scoreboards.readRank('', board, userId)).value;
    },
  };
  return scoreboards;
}

export type Scoreboards = ReturnType<typeof createScoreboards>;

/**
 * The same pages and ranks from PostgreSQL (the fallback), with the same order and ranks. A rank is
 * 1 + the users strictly ahead, counted, which is what `RANK() OVER (ORDER BY points DESC,
 * exact_count DESC)` gives without ranking the whole board for every page or user asked for.
 */
export function createScoreboardQueries(prisma: PrismaClient) {
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
      const [count, before] = await Promise.all([total(tournamentId, leagueId), rows[0] && offset > 0 ? ahead(tournamentId, leagueId, rows[0]) : 0]);
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

export const boardKeys = { tournamentBoard, leagueBoard, versionKey };
