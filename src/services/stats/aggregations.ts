// The ten stats aggregations. Each is one set-based statement over the counting rules
// (`fulltime_player_game_stats`, the view `player_game_stats` over everything), idempotent: a table is
// brought to exactly what the source says with INSERT … SELECT … ON CONFLICT DO UPDATE (only rows that
// differ) plus a DELETE of rows the source no longer has; a materialized view is refreshed
// CONCURRENTLY. Running one twice writes nothing the second time. Formulas: docs/stats.md.
//
// A post-match refresh is scoped to its games: each aggregation recomputes only the keys those games
// touch (its players' rows for a per-player table, its seasons' rows for a per-season one, the games'
// own reports), reading only those players' or seasons' games, and prunes only within those keys, so
// its cost follows the game's players and season rather than the league's history. A refresh without
// games (admin, cron) recomputes everything. Games are created with their whole lineup and never
// change season, so what a game touches is known from the game alone.
import type { PrismaClient, Tx } from '../../db/client.ts';
import { refreshMaterializedView, type MaterializedView } from '../../db/views.ts';
import type { AggregationName } from '../../contracts/stats.ts';

/** The key a table's rows are recomputed by in a scoped run, and the column holding it. */
const scopeColumns = { player: 'player_id', season: 'season', game: 'game_id' } as const;
type ScopeKey = keyof typeof scopeColumns;

/** What a source statement reads, for one scope (or for everything). */
interface ScopedRows {
  /** The `player_game_stats` rows in scope, as a FROM item. */
  stats: string;
  /** A condition that `column` holds one of the scope's keys ('TRUE' for everything). */
  within(column: string): string;
  /** The statement's parameters, in order. */
  params: unknown[];
}

/** A table aggregation: the table's key and value columns, the key a scoped run recomputes, and the source. */
interface TableAggregation {
  table: string;
  keys: string[];
  values: string[];
  scopedBy: ScopeKey;
  source(rows: ScopedRows): string;
}

/** hall-of-fame: per-player totals of its own (a table), and the view that ranks them. */
interface ViewOverTotals {
  totals: TableAggregation;
  view: MaterializedView;
}

type Aggregation = TableAggregation | ViewOverTotals;

/** Every row: a refresh without games. */
export const unscoped: ScopedRows = { stats: 'player_game_stats', within: () => 'TRUE', params: [] };

/** What a set of games touches: their players, their seasons and those seasons' ended games. */
interface GamesScope {
  games: string[];
  players: string[];
  seasons: string[];
  seasonGames: string[];
}

async function resolveGamesScope(db: Tx | PrismaClient, games: string[]): Promise<GamesScope> {
  const [row] = await db.$queryRawUnsafe<Omit<GamesScope, 'games'>[]>(
    `WITH seasons AS (SELECT DISTINCT season FROM games WHERE id = ANY($1::text[]))
     SELECT ARRAY(SELECT DISTINCT player_id FROM game_lineups WHERE game_id = ANY($1::text[]) ORDER BY 1) AS players,
            ARRAY(SELECT season FROM seasons ORDER BY 1) AS seasons,
            ARRAY(SELECT id FROM games WHERE status = 'ended' AND season IN (SELECT season FROM seasons) ORDER BY 1) AS "seasonGames"`,
    games,
  );
  return { games, ...row! };
}

/**
 * The rows an aggregation keyed by `key` reads for `scope`; `$1` is the set that limits the prune.
 * The scoped rows are planned on their own (OFFSET 0 keeps the planner from folding them into the
 * outer joins), so it knows how many there are: folded in, a join to the season's matchdays made it
 * guess a handful and read each player's minutes across the whole league.
 */
function scopedRows(key: ScopeKey, scope: GamesScope | undefined): ScopedRows {
  if (!scope) return unscoped;
  const within = (column: string) => `${column} = ANY($1::text[])`;
  const rows = (games: string, players: string) =>
    `(SELECT * FROM fulltime_player_game_stats(${games}, ${players}) OFFSET 0)`;
  if (key === 'player') return { stats: rows('NULL', '$1::text[]'), within, params: [scope.players] };
  if (key === 'season')
    return { stats: rows('$2::text[]', 'NULL'), within, params: [scope.seasons, scope.seasonGames] };
  return { stats: rows('$1::text[]', 'NULL'), within, params: [scope.games] };
}

/**
 * One statement that makes `table` equal to `source` within the scope: upserts the rows that differ
 * and deletes the scope's rows the source no longer has; answers how many rows it wrote (changed plus
 * deleted).
 */
export function upsertAndPrune({ table, keys, values, scopedBy, source }: TableAggregation, rows: ScopedRows): string {
  const columns = [...keys, ...values].join(', ');
  const current = values.map((v) => `"${table}".${v}`).join(', ');
  const incoming = values.map((v) => `excluded.${v}`).join(', ');
  return `WITH src AS (${source(rows)}),
    upserted AS (
      INSERT INTO "${table}" (${columns}) SELECT ${columns} FROM src
      ON CONFLICT (${keys.join(', ')}) DO UPDATE SET ${values.map((v) => `${v} = excluded.${v}`).join(', ')}
      WHERE (${current}) IS DISTINCT FROM (${incoming})
      RETURNING 1),
    pruned AS (
      DELETE FROM "${table}" t WHERE ${rows.within(`t.${scopeColumns[scopedBy]}`)}
        AND NOT EXISTS (SELECT 1 FROM src WHERE ${keys.map((k) => `src.${k} = t.${k}`).join(' AND ')})
      RETURNING 1)
    SELECT (SELECT count(*) FROM upserted) + (SELECT count(*) FROM pruned) AS rows`;
}

const playerTotals = `count(*) FILTER (WHERE s.minutes_played > 0)::int AS appearances,
  sum(s.minutes_played)::int AS minutes_played, sum(s.goals)::int AS goals, sum(s.assists)::int AS assists,
  sum(s.yellow_cards)::int AS yellow_cards, sum(s.red_cards)::int AS red_cards`;
const totalColumns = ['appearances', 'minutes_played', 'goals', 'assists', 'yellow_cards', 'red_cards'];
const gameScore = 'fulltime_game_score(s.goals, s.assists, s.minutes_played, s.yellow_cards, s.red_cards)';

export const aggregations: Record<AggregationName, Aggregation> = {
  'season-stats': {
    table: 'player_season_stats',
    keys: ['player_id', 'season', 'part'],
    values: totalColumns,
    // Per season: a new matchday moves the halves of everyone in it. Every game counts for its
    // season, and for the half its matchday falls in.
    scopedBy: 'season',
    source: ({ stats, within }) => `SELECT s.player_id, s.season, p.part, ${playerTotals}
      FROM ${stats} s
      JOIN season_matchdays d ON d.game_id = s.game_id
      CROSS JOIN LATERAL (VALUES ('season'),
        (CASE WHEN d.matchday <= (d.matchdays + 1) / 2 THEN 'first-half' ELSE 'second-half' END)) p(part)
      WHERE ${within('d.season')}
      GROUP BY 1, 2, 3`,
  },
  'all-time-stats': {
    table: 'player_all_time_stats',
    keys: ['player_id'],
    values: ['seasons', ...totalColumns],
    scopedBy: 'player',
    source: ({
      stats,
    }) => `SELECT s.player_id, (count(DISTINCT s.season) FILTER (WHERE s.minutes_played > 0))::int AS seasons, ${playerTotals}
      FROM ${stats} s GROUP BY s.player_id`,
  },
  'hall-of-fame': {
    // Its own copy of the totals all-time-stats also holds: the ten run in parallel, so none reads another's table.
    totals: {
      table: 'hall_of_fame_totals',
      keys: ['player_id'],
      values: ['appearances', 'minutes_played', 'goals', 'assists'],
      scopedBy: 'player',
      source: ({ stats }) => `SELECT s.player_id, count(*) FILTER (WHERE s.minutes_played > 0)::int AS appearances,
        sum(s.minutes_played)::int AS minutes_played, sum(s.goals)::int AS goals, sum(s.assists)::int AS assists
        FROM ${stats} s GROUP BY s.player_id`,
    },
    view: 'hall_of_fame',
  },
  'recent-form': {
    table: 'player_recent_form',
    keys: ['player_id'],
    values: ['games', 'minutes_played', 'goals', 'assists', 'form_score', 'last_game_id'],
    scopedBy: 'player',
    source: ({ stats }) => `WITH apps AS (
        SELECT s.*, ${gameScore} AS score,
               row_number() OVER (PARTITION BY s.player_id ORDER BY s.kickoff_at DESC, s.game_id DESC) AS recency
        FROM ${stats} s WHERE s.minutes_played > 0)
      SELECT player_id, count(*)::int AS games, sum(minutes_played)::int AS minutes_played,
             sum(goals)::int AS goals, sum(assists)::int AS assists,
             round(avg(score), 3)::float8 AS form_score,
             (array_agg(game_id ORDER BY recency))[1] AS last_game_id
      FROM apps WHERE recency <= 5 GROUP BY player_id`,
  },
  'season-honours': {
    table: 'season_honours',
    keys: ['season', 'honour', 'player_id', 'game_id'],
    values: ['value'],
    scopedBy: 'season',
    source: ({ stats }) => `WITH totals AS (
        SELECT s.season, s.player_id, h.honour, h.value
        FROM (SELECT season, player_id, sum(goals) AS goals, sum(assists) AS assists,
                     count(*) FILTER (WHERE minutes_played > 0) AS appearances, sum(minutes_played) AS minutes,
                     sum(yellow_cards + red_cards) AS cards
              FROM ${stats} r GROUP BY 1, 2) s
        CROSS JOIN LATERAL (VALUES ('top-scorer', s.goals), ('top-assister', s.assists), ('most-appearances', s.appearances),
                                   ('most-minutes', s.minutes), ('most-cards', s.cards)) h(honour, value)
      ), singles AS (
        SELECT s.season, s.player_id, s.game_id, h.honour, h.value
        FROM ${stats} s
        CROSS JOIN LATERAL (VALUES ('most-goals-in-a-game', s.goals), ('most-assists-in-a-game', s.assists)) h(honour, value)
      ), leaders AS (
        SELECT season, honour, player_id, '' AS game_id, value::int,
               rank() OVER (PARTITION BY season, honour ORDER BY value DESC) AS r FROM totals WHERE value > 0
        UNION ALL
        SELECT season, honour, player_id, game_id, value::int,
               rank() OVER (PARTITION BY season, honour ORDER BY value DESC) AS r FROM singles WHERE value > 0)
      SELECT season, honour, player_id, game_id, value FROM leaders WHERE r = 1`,
  },
  'match-reports': {
    table: 'match_reports',
    keys: ['game_id'],
    values: ['report'],
    scopedBy: 'game',
    // MATERIALIZED: computed once. Inlined, a planner that believes few games ended (statistics from
    // before a burst of results, autovacuum not yet round) joins it in a nested loop and recomputes it
    // for every game: over 12 minutes for 3,000 games in bench:matchday's check, 10 s materialized.
    source: ({ stats, within }) => `WITH players AS MATERIALIZED (
        SELECT s.game_id, jsonb_agg(jsonb_build_object('playerId', s.player_id, 'starter', s.starter,
                 'minutesPlayed', s.minutes_played, 'goals', s.goals, 'assists', s.assists,
                 'yellowCards', s.yellow_cards, 'redCards', s.red_cards) ORDER BY s.starter DESC, s.player_id) AS players
        FROM ${stats} s GROUP BY s.game_id
      ), goal_list AS (
        SELECT game_id, jsonb_agg(jsonb_build_object('minute', minute, 'scorerId', scorer_id, 'assistId', assist_id,
                 'ownGoal', own_goal) ORDER BY minute, seq) AS goals FROM goals WHERE ${within('game_id')} GROUP BY game_id
      ), card_list AS (
        SELECT game_id, jsonb_agg(jsonb_build_object('minute', minute, 'playerId', player_id, 'cardType', card_type)
                 ORDER BY minute, seq) AS cards FROM disciplinary_actions WHERE ${within('game_id')} GROUP BY game_id
      ), substitution_list AS (
        SELECT game_id, jsonb_agg(jsonb_build_object('minute', minute, 'playerOutId', player_out_id, 'playerInId', player_in_id)
                 ORDER BY minute, seq) AS substitutions FROM substitutions WHERE ${within('game_id')} GROUP BY game_id)
      SELECT g.id AS game_id, jsonb_build_object(
               'gameId', g.id, 'season', g.season,
               'kickoffAt', to_char(g.kickoff_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
               'homeTeam', g.home_team, 'awayTeam', g.away_team, 'homeGoals', g.home_goals, 'awayGoals', g.away_goals,
               'goals', coalesce(gl.goals, '[]'), 'cards', coalesce(cl.cards, '[]'),
               'substitutions', coalesce(sl.substitutions, '[]'), 'players', coalesce(p.players, '[]')) AS report
      FROM games g
      LEFT JOIN players p ON p.game_id = g.id
      LEFT JOIN goal_list gl ON gl.game_id = g.id
      LEFT JOIN card_list cl ON cl.game_id = g.id
      LEFT JOIN substitution_list sl ON sl.game_id = g.id
      WHERE g.status = 'ended' AND ${within('g.id')}`,
  },
  'personal-bests': {
    table: 'player_personal_bests',
    keys: ['player_id', 'record'],
    values: ['value', 'game_id'],
    scopedBy: 'player',
    // The best value, first reached in the earliest game.
    source: ({ stats }) => `SELECT DISTINCT ON (s.player_id, h.record) s.player_id, h.record, h.value, s.game_id
      FROM ${stats} s
      CROSS JOIN LATERAL (VALUES ('goals-in-a-game', s.goals), ('assists-in-a-game', s.assists),
                                 ('goal-contributions-in-a-game', s.goals + s.assists)) h(record, value)
      WHERE h.value > 0
      ORDER BY s.player_id, h.record, h.value DESC, s.kickoff_at, s.game_id`,
  },
  'player-profiles': {
    table: 'player_profiles',
    keys: ['player_id'],
    values: [
      'debut_game_id',
      'last_game_id',
      'appearances',
      'starts',
      'minutes_played',
      'goals',
      'assists',
      'goals_per_90',
      'minutes_per_goal',
    ],
    scopedBy: 'player',
    source: ({ stats }) => `SELECT s.player_id,
             (array_agg(s.game_id ORDER BY s.kickoff_at, s.game_id))[1] AS debut_game_id,
             (array_agg(s.game_id ORDER BY s.kickoff_at DESC, s.game_id DESC))[1] AS last_game_id,
             count(*)::int AS appearances, (count(*) FILTER (WHERE s.starter))::int AS starts,
             sum(s.minutes_played)::int AS minutes_played, sum(s.goals)::int AS goals, sum(s.assists)::int AS assists,
             round(sum(s.goals) * 90.0 / sum(s.minutes_played), 3)::float8 AS goals_per_90,
             CASE WHEN sum(s.goals) > 0 THEN round(sum(s.minutes_played)::numeric / sum(s.goals))::int END AS minutes_per_goal
      FROM ${stats} s WHERE s.minutes_played > 0 GROUP BY s.player_id`,
  },
  'season-race': {
    table: 'season_race',
    keys: ['season', 'player_id', 'matchday'],
    values: ['goals', 'cumulative_goals'],
    // Per season: matchdays are numbered within it. Only the matchdays a player scored on, with
    // the running total; a reader carries it forward over the others.
    scopedBy: 'season',
    source: ({ stats, within }) => `SELECT d.season, d.matchday, s.player_id, sum(s.goals)::int AS goals,
             (sum(sum(s.goals)) OVER (PARTITION BY d.season, s.player_id ORDER BY d.matchday))::int AS cumulative_goals
      FROM ${stats} s
      JOIN season_matchdays d ON d.game_id = s.game_id
      WHERE s.goals > 0 AND ${within('d.season')}
      GROUP BY d.season, d.matchday, s.player_id`,
  },
  'power-ratings': {
    table: 'player_power_ratings',
    keys: ['player_id'],
    values: ['rating', 'games', 'last_game_id'],
    scopedBy: 'player',
    // Weight 0.8^k for a player's k-th most recent appearance (k = 0 for the latest).
    source: ({ stats }) => `WITH apps AS (
        SELECT s.player_id, s.game_id, ${gameScore} AS score,
               row_number() OVER (PARTITION BY s.player_id ORDER BY s.kickoff_at DESC, s.game_id DESC) - 1 AS k
        FROM ${stats} s WHERE s.minutes_played > 0)
      SELECT player_id, round(sum(power(0.8, k) * score) / sum(power(0.8, k)), 3)::float8 AS rating,
             count(*)::int AS games, (array_agg(game_id ORDER BY k))[1] AS last_game_id
      FROM apps GROUP BY player_id`,
  },
};

/** Runs `table`'s statement for the scope; answers the rows it wrote. */
async function upsertTable(tx: Tx, table: TableAggregation, scope: GamesScope | undefined): Promise<number> {
  const rows = scopedRows(table.scopedBy, scope);
  const [row] = await tx.$queryRawUnsafe<{ rows: bigint }[]>(upsertAndPrune(table, rows), ...rows.params);
  return Number(row!.rows);
}

/**
 * Runs one aggregation in its own transaction, bounded by `timeoutMs` (statement_timeout, so a
 * cancelled attempt does not leave its query running), for what `games` touch (every game when
 * absent); returns the rows it wrote (a materialized view: the rows it holds).
 */
export async function runAggregation(
  prisma: PrismaClient,
  name: AggregationName,
  timeoutMs: number,
  games?: string[],
): Promise<number> {
  const aggregation = aggregations[name];
  return prisma.$transaction(
    async (tx: Tx) => {
      await tx.$executeRawUnsafe(`SET LOCAL statement_timeout = ${Math.floor(timeoutMs)}`);
      const scope = games ? await resolveGamesScope(tx, games) : undefined;
      if ('view' in aggregation) {
        await upsertTable(tx, aggregation.totals, scope);
        return refreshMaterializedView(tx, aggregation.view);
      }
      return upsertTable(tx, aggregation, scope);
    },
    { maxWait: 10_000, timeout: timeoutMs + 5_000 },
  );
}

/** A stats table's key column as an API field: `player_id` -> `playerId`. */
const camel = (column: string) => column.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

export interface TableDifferences {
  table: string;
  /** Rows compared (the stored rows in scope). */
  checked: number;
  /** Up to `limit` rows that differ: key, what a recompute gives, what is stored (null: no row). */
  differences: {
    key: Record<string, unknown>;
    expected: Record<string, unknown> | null;
    actual: Record<string, unknown> | null;
  }[];
  /** Differing rows beyond those listed. */
  more: number;
}

/**
 * Every stats table against a recompute of it, without writing: the aggregation's source beside the
 * stored rows, joined on the key (for what `games` touch, or everything), and the materialized views
 * against their own definitions. What `bench:matchday` checks at the end of a run, for reconciliation.
 */
export async function* statsDifferences(
  prisma: PrismaClient,
  games?: string[],
  limit = 1000,
): AsyncGenerator<TableDifferences> {
  const scope = games ? await resolveGamesScope(prisma, games) : undefined;
  for (const aggregation of Object.values(aggregations)) {
    const table = 'view' in aggregation ? aggregation.totals : aggregation;
    const rows = scopedRows(table.scopedBy, scope);
    const json = (side: string, columns: string[]) =>
      `jsonb_build_object(${columns.map((c) => `'${camel(c)}', ${side}.${c}`).join(', ')})`;
    const on = table.keys.map((k) => `src.${k} = cur.${k}`).join(' AND ');
    const k0 = table.keys[0]!;
    const [row] = await prisma.$queryRawUnsafe<
      { checked: bigint; differing: bigint; sample: TableDifferences['differences'] }[]
    >(
      `WITH src AS (${table.source(rows)}),
        cur AS (SELECT ${[...table.keys, ...table.values].join(', ')} FROM "${table.table}" t WHERE ${rows.within(`t.${scopeColumns[table.scopedBy]}`)}),
        d AS (
          SELECT jsonb_build_object(${table.keys.map((k) => `'${camel(k)}', coalesce(src.${k}, cur.${k})`).join(', ')}) AS key,
                 CASE WHEN src.${k0} IS NULL THEN NULL ELSE ${json('src', table.values)} END AS expected,
                 CASE WHEN cur.${k0} IS NULL THEN NULL ELSE ${json('cur', table.values)} END AS actual
          FROM src FULL JOIN cur ON ${on}
          WHERE src.${k0} IS NULL OR cur.${k0} IS NULL
             OR (${table.values.map((v) => `src.${v}`).join(', ')}) IS DISTINCT FROM (${table.values.map((v) => `cur.${v}`).join(', ')}))
      SELECT (SELECT count(*) FROM cur) AS checked, (SELECT count(*) FROM d) AS differing,
             (SELECT coalesce(jsonb_agg(jsonb_build_object('key', x.key, 'expected', x.expected, 'actual', x.actual)), '[]'::jsonb) FROM (SELECT * FROM d LIMIT ${limit}) x) AS sample`,
      ...rows.params,
    );
    const differing = Number(row!.differing);
    yield {
      table: table.table,
      checked: Number(row!.checked),
      differences: row!.sample,
      more: Math.max(0, differing - row!.sample.length),
    };
    if ('view' in aggregation) yield await viewDifferences(prisma, aggregation.view);
  }
}

/** A materialized view against its own query, row for row (a refresh would change these). */
async function viewDifferences(prisma: PrismaClient, view: MaterializedView): Promise<TableDifferences> {
  const [{ sql }] = (await prisma.$queryRawUnsafe<{ sql: string }[]>(
    `SELECT rtrim(pg_get_viewdef('${view}'::regclass), '; ') AS sql`,
  )) as [{ sql: string }];
  const [row] = await prisma.$queryRawUnsafe<{ checked: bigint; differing: bigint }[]>(
    `SELECT (SELECT count(*) FROM ${view}) AS checked,
            (SELECT count(*) FROM ((SELECT * FROM ${view} EXCEPT ALL (${sql})) UNION ALL ((${sql}) EXCEPT ALL SELECT * FROM ${view})) x) AS differing`,
  );
  const differing = Number(row!.differing);
  return {
    table: view,
    checked: Number(row!.checked),
    differences: differing > 0 ? [{ key: { rows: differing }, expected: null, actual: null }] : [],
    more: Math.max(0, differing - 1),
  };
}
