// Keeping the Redis scoreboards in step with PostgreSQL. PostgreSQL holds the truth
// (user_tournament_totals), Redis a projection in sorted sets (one per tournament, one per league)
// that reads are served from while it has caught up. Every change to what a tournament's boards show
// bumps the tournament's `scoreboard_version` and stamps the changed rows; Redis records the version
// its boards reflect.
//
// - Projection (catch-up): writes the absolute standings of every row changed since the version
//   Redis reflects, then records the new version. Absolute values and a version that only moves
//   forward: a retry or a late run rewrites the same values, never adds twice.
// - Rebuild: the whole boards from PostgreSQL into new keys, swapped in with RENAME (atomic), unless
//   Redis already reflects a newer version.
// Both run under an advisory lock per tournament in a repeatable-read snapshot, so they take turns
// and each writes one consistent state.
import type { ProjectionResult, RebuildResult } from '../../../contracts/settlement.ts';
import { Prisma, type PrismaClient, type Tx } from '../../../db/client.ts';
import { NotFoundError } from '../../../domain/errors.ts';
import { boardScore } from '../../../domain/settlement/ranking.ts';
import type { Redis } from '../../../redis.ts';
import { feedTopics, publishChange } from '../../../cache/change-feed.ts';
import { boardVersionKey, leagueBoardKey, tournamentBoardKey } from './keys.ts';

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

/** Rows a cursor FETCH takes and one pipeline writes (a test makes it small to have many). */
const CHUNK = 20_000;

/** Runs `work` holding the tournament's scoreboard lock, in one repeatable-read snapshot. */
function withBoardLock<T>(
  prisma: PrismaClient,
  tournamentId: string,
  work: (tx: Tx, version: number) => Promise<T>,
): Promise<T> {
  return prisma.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`fulltime:scoreboard:${tournamentId}`}))`;
      const [row] = await tx.$queryRaw<
        { scoreboard_version: bigint }[]
      >`SELECT scoreboard_version FROM tournaments WHERE id = ${tournamentId}`;
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
 * ZADDs for many boards: one pipeline per chunk, sent without waiting for its replies (the next chunk
 * is fetched from PostgreSQL meanwhile), and `flush` waits for it and checks every reply. A pipeline's
 * failure is caught where the pipeline is sent and kept until `flush` throws it: a Redis that refuses
 * a write (OOM, MISCONF, READONLY) or times out fails the projection (its activity is retried), never
 * the process with a rejection nobody handles yet. `expireSeconds` for a rebuild's new keys (a crashed
 * rebuild leaves none behind), set once per key after its first ZADD.
 */
function boardWriter(redis: Redis, expireSeconds?: number) {
  let sent: Promise<RedisWriteFailure | null>[] = [];
  const expiring = new Set<string>();
  let pipeline: ReturnType<Redis['pipeline']> | null = null;
  return {
    write(key: string, rows: Row[]): void {
      if (rows.length === 0) return;
      const args: (string | number)[] = [];
      for (const r of rows) args.push(boardScore(r.points, r.exact_count), r.user_id);
      pipeline ??= redis.pipeline();
      pipeline.zadd(key, ...args);
      if (expireSeconds && !expiring.has(key)) {
        expiring.add(key);
        pipeline.expire(key, expireSeconds);
      }
    },
    /** Sends what `write` queued since the last call, handling its outcome now. */
    send(): void {
      if (!pipeline) return;
      sent.push(pipeline.exec().then(firstFailure, (err: unknown) => new RedisWriteFailure(err)));
      pipeline = null;
    },
    /** Waits for every pipeline sent; throws the first failure among their replies. */
    async flush(): Promise<void> {
      const waiting = sent;
      sent = [];
      const failure = (await Promise.all(waiting)).find((f) => f !== null);
      if (failure) throw failure;
    },
  };
}
type BoardWriter = ReturnType<typeof boardWriter>;

/** A projection's Redis write that failed: a refusal (OOM, MISCONF, READONLY) or a timeout. */
export class RedisWriteFailure extends Error {
  constructor(cause: unknown) {
    super(`Redis did not take the scoreboard writes: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = 'RedisWriteFailure';
  }
}

/** The first error among a pipeline's replies (ioredis answers `[error, result]` per command). */
function firstFailure(replies: [Error | null, unknown][] | null): RedisWriteFailure | null {
  if (replies === null) return new RedisWriteFailure(new Error('the pipeline was discarded'));
  const failed = replies.find(([err]) => err !== null);
  return failed ? new RedisWriteFailure(failed[0]) : null;
}

/**
 * Streams a query's rows a chunk at a time through a cursor (a board can hold a million rows; one
 * pass, no sort, no keyset re-scans), writing each chunk to Redis while the next is fetched.
 */
async function streamRows<T>(
  tx: Tx,
  cursor: string,
  declare: Prisma.Sql,
  each: (rows: T[]) => void,
  writer: BoardWriter,
  chunk: number,
): Promise<number> {
  await tx.$executeRaw(Prisma.sql`DECLARE ${Prisma.raw(cursor)} NO SCROLL CURSOR FOR ${declare}`);
  let count = 0;
  for (;;) {
    const rows = await tx.$queryRawUnsafe<T[]>(`FETCH ${chunk} FROM ${cursor}`);
    await writer.flush(); // the previous chunk's writes, sent while this chunk was fetched
    if (rows.length === 0) break;
    each(rows);
    writer.send();
    count += rows.length;
  }
  await tx.$executeRawUnsafe(`CLOSE ${cursor}`);
  return count;
}

export function createScoreboardProjection({
  prisma,
  redis,
  chunkSize = CHUNK,
}: {
  prisma: PrismaClient;
  redis: Redis;
  chunkSize?: number;
}) {
  /** The tournament board's standings changed since `since` (all with -1). Answers how many. */
  function writeTournament(
    tx: Tx,
    tournamentId: string,
    since: number,
    key: string,
    writer: BoardWriter,
  ): Promise<number> {
    return streamRows<Row>(
      tx,
      'board_totals',
      Prisma.sql`SELECT user_id, points, exact_count FROM user_tournament_totals WHERE tournament_id = ${tournamentId} AND version > ${since}`,
      (rows) => writer.write(key, rows),
      writer,
      chunkSize,
    );
  }

  /**
   * League members' standings, for members whose totals changed or who joined after `since` (every
   * member with -1): two index reads (changed totals, then their memberships; memberships newer
   * than `since` of members whose totals did not change, so no row comes twice), not one scan of
   * every membership with an OR. Rows come in no order; each chunk is
   * grouped by league, one ZADD per league present in it.
   */
  async function writeLeagues(
    tx: Tx,
    tournamentId: string,
    since: number,
    keyOf: (leagueId: string) => string,
    writer: BoardWriter,
  ): Promise<void> {
    await streamRows<Row & { league_id: string }>(
      tx,
      'board_league_rows',
      since < 0
        ? Prisma.sql`
          SELECT lm.league_id, t.user_id, t.points, t.exact_count
          FROM league_members lm
          JOIN leagues l ON l.id = lm.league_id AND l.tournament_id = ${tournamentId}
          JOIN user_tournament_totals t ON t.tournament_id = ${tournamentId} AND t.user_id = lm.user_id`
        : Prisma.sql`
          SELECT lm.league_id, t.user_id, t.points, t.exact_count
          FROM user_tournament_totals t
          JOIN league_members lm ON lm.user_id = t.user_id
          JOIN leagues l ON l.id = lm.league_id AND l.tournament_id = ${tournamentId}
          WHERE t.tournament_id = ${tournamentId} AND t.version > ${since}
          UNION ALL
          SELECT lm.league_id, t.user_id, t.points, t.exact_count
          FROM league_members lm
          JOIN leagues l ON l.id = lm.league_id AND l.tournament_id = ${tournamentId}
          JOIN user_tournament_totals t ON t.tournament_id = ${tournamentId} AND t.user_id = lm.user_id
          WHERE lm.version > ${since} AND t.version <= ${since}`,
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
      chunkSize,
    );
  }

  /** The version Redis reflects, or -1 when it has none (never projected, or lost). */
  async function projectedVersion(tournamentId: string): Promise<number> {
    const value = await redis.get(boardVersionKey(tournamentId));
    return value === null ? -1 : Number(value);
  }

  const scoreboards = {
    /** Rebuilds the tournament's boards from PostgreSQL and swaps them in. Answers the version. */
    rebuild(tournamentId: string): Promise<RebuildResult> {
      return withBoardLock(prisma, tournamentId, async (tx, version) => {
        const suffix = `:rebuild:${version}:${Date.now()}`;
        const writer = boardWriter(redis, 3600);
        const users = await writeTournament(tx, tournamentId, -1, tournamentBoardKey(tournamentId) + suffix, writer);
        const leagues = await tx.$queryRaw<
          { id: string }[]
        >`SELECT id FROM leagues WHERE tournament_id = ${tournamentId}`;
        await writeLeagues(tx, tournamentId, -1, (leagueId) => leagueBoardKey(leagueId) + suffix, writer);
        const keys = [tournamentBoardKey(tournamentId), ...leagues.map((l) => leagueBoardKey(l.id))].flatMap((live) => [
          live + suffix,
          live,
        ]);
        const swapped =
          Number(await redis.eval(SWAP_IN, 1 + keys.length, boardVersionKey(tournamentId), ...keys, version)) === 1;
        if (swapped) await publishChange(redis, feedTopics.board(tournamentId), version);
        return { version, users, leagues: leagues.length, swapped };
      });
    },

    /**
     * Catches the tournament's boards up with PostgreSQL: writes every standing that changed since
     * the version Redis reflects, then records the current version. With no version in Redis, rebuilds.
     */
    async project(tournamentId: string): Promise<ProjectionResult> {
      const from = await projectedVersion(tournamentId);
      if (from < 0) {
        const rebuilt = await scoreboards.rebuild(tournamentId);
        return { from, version: rebuilt.version, users: rebuilt.users, rebuilt: true };
      }
      return withBoardLock(prisma, tournamentId, async (tx, version) => {
        const since = await projectedVersion(tournamentId); // another run may have caught up meanwhile
        if (since >= version) return { from: since, version, users: 0, rebuilt: false };
        const writer = boardWriter(redis);
        const users = await writeTournament(tx, tournamentId, since, tournamentBoardKey(tournamentId), writer);
        await writeLeagues(tx, tournamentId, since, leagueBoardKey, writer);
        await redis.eval(RECORD_VERSION, 1, boardVersionKey(tournamentId), version);
        // Live boards (api/routes/streams.ts) hear of it now; a lost notice is found by their check.
        await publishChange(redis, feedTopics.board(tournamentId), version);
        return { from: since, version, users, rebuilt: false };
      });
    },
  };
  return scoreboards;
}
