// Scoreboard reads from Redis: a page of a board, or one user's rank, each in one round trip with the
// version the tournament's boards reflect, so the caller can tell whether Redis has caught up.
import {
  rankPage,
  standingOfScore,
  type BoardPage,
  type Standing,
  type UserRank,
} from '../../../domain/settlement/ranking.ts';
import type { Redis } from '../../../redis.ts';
import { boardVersionKey, leagueBoardKey, tournamentBoardKey } from './keys.ts';

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

/** The same reads as PostgreSQL's (postgres-reads.ts), from the tournament's board or a league's. */
export function createRedisBoardReads(redis: Redis) {
  return {
    /** A page of the board with the version Redis reflects for the tournament, in one round trip. */
    async page(
      tournamentId: string,
      leagueId: string | null,
      limit: number,
      offset: number,
    ): Promise<RedisRead<BoardPage>> {
      const board = leagueId === null ? tournamentBoardKey(tournamentId) : leagueBoardKey(leagueId);
      const [version, exists, total, ahead, flat] = (await redis.eval(
        READ_PAGE,
        2,
        board,
        boardVersionKey(tournamentId),
        offset,
        offset + limit - 1,
      )) as [string, number, number, number, string[]];
      const standings: Standing[] = [];
      for (let i = 0; i < flat.length; i += 2) standings.push(standingOfScore(flat[i]!, Number(flat[i + 1])));
      return {
        version: version === '' ? null : Number(version),
        boardExists: exists === 1,
        value: { total, entries: rankPage(standings, ahead + 1, offset) },
      };
    },

    /** One user's rank on the tournament's board with the version Redis reflects, in one round trip (value null: not on it). */
    async rank(tournamentId: string, userId: string): Promise<RedisRead<UserRank | null>> {
      const [version, exists, total, ahead, score] = (await redis.eval(
        READ_RANK,
        2,
        tournamentBoardKey(tournamentId),
        boardVersionKey(tournamentId),
        userId,
      )) as [string, number, number, number, string];
      const standing = score === '' ? null : standingOfScore(userId, Number(score));
      return {
        version: version === '' ? null : Number(version),
        boardExists: exists === 1,
        value: standing ? { rank: ahead + 1, points: standing.points, exactCount: standing.exactCount, total } : null,
      };
    },
  };
}
