// Every derived number of a played matchday, read straight from the build's PostgreSQL and Redis with
// plain SQL and key scans, independent of either build's code: minutes and report states, every stats
// table, predictions' points, totals, the settlement ledger, the Redis boards in rank order. Keyed by
// the ids that name each number, so two builds' snapshots compare row by row.
import type pg from 'pg';
import type { Redis } from 'ioredis';
import { leagueBoardKey, tournamentBoardKey } from '../../src/services/settlement/scoreboards/keys.ts';

/** kind -> subject (the ids, joined) -> the number(s). */
export type Snapshot = Record<string, Record<string, unknown>>;

/** Stats tables: everything the stats runs derive (src/services/stats). */
export const statsTables = [
  'player_season_stats',
  'player_all_time_stats',
  'player_recent_form',
  'hall_of_fame_totals',
  'season_honours',
  'match_reports',
  'player_personal_bests',
  'player_profiles',
  'season_race',
  'player_power_ratings',
] as const;

/** Columns that say when or by which run, not what: they differ between any two runs. */
const bookkeeping = /(_at|_by|^version|^seq|^id|workflow_id|request_id)$/;

async function primaryKey(db: pg.Pool, table: string): Promise<string[]> {
  const { rows } = await db.query<{ column: string }>(
    `SELECT a.attname AS column FROM pg_index i
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
      WHERE i.indrelid = $1::regclass AND i.indisprimary
      ORDER BY array_position(i.indkey, a.attnum)`,
    [table],
  );
  return rows.map((r) => r.column);
}

/** A table's rows keyed by `key` columns (its primary key by default), bookkeeping columns left out. */
async function rowsOf(
  db: pg.Pool,
  table: string,
  key?: string[],
  where = 'true',
  inputs: string[] = [],
): Promise<Record<string, unknown>> {
  const columns = key ?? (await primaryKey(db, table));
  const { rows } = await db.query<{ row: Record<string, unknown> }>(
    `SELECT to_jsonb(t) AS row FROM ${table} t WHERE ${where}`,
  );
  const out: Record<string, unknown> = {};
  for (const { row } of rows) {
    const subject = columns.map((c) => `${c}=${String(row[c])}`).join(' ');
    out[subject] = Object.fromEntries(
      Object.entries(row).filter(([c]) => !columns.includes(c) && !inputs.includes(c) && !bookkeeping.test(c)),
    );
  }
  return out;
}

export async function takeSnapshot(db: pg.Pool, redis: Redis): Promise<Snapshot> {
  const snapshot: Snapshot = {
    minutes: await rowsOf(db, 'player_minutes'),
    reports: await rowsOf(db, 'game_reports'),
    points: await rowsOf(db, 'predictions', ['game_id', 'user_id'], 'points IS NOT NULL', ['home_goals', 'away_goals']),
    totals: await rowsOf(db, 'user_tournament_totals'),
    ledger: await rowsOf(db, 'match_settlement_ledger', ['game_id', 'result_hash']),
  };
  for (const table of statsTables) snapshot[`stats:${table}`] = await rowsOf(db, table);
  // The boards: each tournament's and league's members in rank order (ascending: a board's score is
  // lower for more points, ties in member order), with their scores.
  const boards: Record<string, unknown> = {};
  const { rows: tournaments } = await db.query<{ id: string }>('SELECT id FROM tournaments');
  const { rows: leagues } = await db.query<{ id: string }>('SELECT id FROM leagues');
  const keys = [
    ...tournaments.map((t) => [`tournament=${t.id}`, tournamentBoardKey(t.id)] as const),
    ...leagues.map((l) => [`league=${l.id}`, leagueBoardKey(l.id)] as const),
  ];
  for (const [subject, key] of keys) {
    const flat = await redis.zrange(key, 0, -1, 'WITHSCORES');
    if (flat.length === 0) continue;
    const ranked: string[] = [];
    for (let i = 0; i < flat.length; i += 2) ranked.push(`${i / 2 + 1}. ${flat[i]} ${flat[i + 1]}`);
    boards[subject] = ranked;
  }
  snapshot.boards = boards;
  return snapshot;
}
