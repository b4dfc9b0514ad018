// The checks of a reconciliation. Each recomputes one kind of derived number from its sources with
// SQL of its own (not the statements that wrote it: the rules are spelled out here again, from the
// contract), compares, and records what differs. Set-based, a bounded slice at a time (a batch of
// games, one tournament, one board), so 1.5 M predictions or a 500,000-member board take bounded
// memory; `progress` is called between slices (the activity heartbeats there).
//
//   ledger   one applied entry for each ended game's current result (older than a settlement takes)
//   points   every settled prediction's points and exact flag, by the rules over the result applied
//   totals   every user's tournament total, exact count and settled count, from their predictions
//   boards   Redis's tournament and league boards against PostgreSQL, where Redis claims its version
//   minutes  every fresh report's minutes, from the lineup and the stored events
//   stats    every stats table against a recompute of it (and the hall of fame view against its query)
import type { ReconciliationCheck, ReconciliationScope } from '../../contracts/reconciliation.ts';
import type { PrismaClient } from '../../db/client.ts';
import { boardScore, standingOfScore } from '../../domain/settlement/ranking.ts';
import type { Redis } from '../../redis.ts';
import { boardVersionKey, leagueBoardKey, tournamentBoardKey } from '../settlement/scoreboards/keys.ts';
import { statsDifferences } from '../stats/aggregations.ts';

/** At most this many mismatches of one check are recorded one by one; all are counted. */
export const MAX_RECORDED_MISMATCHES = 10_000;
/** Games a points, ledger or minutes statement looks at at once. */
const GAMES_PER_SLICE = 500;
/** Board members compared at once. */
const MEMBERS_PER_SLICE = 10_000;
/** A result younger than this may still be settling: the ledger check leaves it for the next run. */
const SETTLING_GRACE = "interval '15 minutes'";

export interface CheckContext {
  prisma: PrismaClient;
  redis: Redis;
  reconciliationId: string;
  scope: ReconciliationScope;
  /** Called between slices. */
  progress(): void;
}

export interface CheckCount {
  checked: number;
  mismatches: number;
}

interface Recorder {
  /** Runs a statement answering `subject, expected, actual` rows, counting and recording them. */
  record(found: string, params: unknown[]): Promise<number>;
  /** Records rows made here (the boards' comparisons happen outside PostgreSQL). */
  recordRows(rows: { subject: object; expected: object | null; actual: object | null }[]): Promise<void>;
  count: CheckCount;
}

function recorder(ctx: CheckContext, check: ReconciliationCheck): Recorder {
  const count: CheckCount = { checked: 0, mismatches: 0 };
  const room = () => Math.max(0, MAX_RECORDED_MISMATCHES - count.mismatches);
  return {
    count,
    async record(found, params) {
      const base = params.length;
      const [row] = await ctx.prisma.$queryRawUnsafe<{ found: bigint }[]>(
        `WITH found AS (${found}),
         kept AS (
           INSERT INTO reconciliation_mismatches (reconciliation_id, "check", subject, expected, actual)
           SELECT $${base + 1}, $${base + 2}, subject, expected, actual FROM found LIMIT ${room()}
           RETURNING 1)
         SELECT (SELECT count(*) FROM found) AS found, (SELECT count(*) FROM kept) AS kept`,
        ...params,
        ctx.reconciliationId,
        check,
      );
      const n = Number(row!.found);
      count.mismatches += n;
      return n;
    },
    async recordRows(rows) {
      const kept = rows.slice(0, room());
      if (kept.length > 0) {
        await ctx.prisma.reconciliationMismatch.createMany({
          data: kept.map((r) => ({
            reconciliationId: ctx.reconciliationId,
            check,
            subject: r.subject,
            expected: r.expected ?? undefined,
            actual: r.actual ?? undefined,
          })),
        });
      }
      count.mismatches += rows.length;
    },
  };
}

/** The scope as a condition on `games g` with parameters $1 tournament, $2 game, $3 season. */
const GAMES_IN_SCOPE = `($1::text IS NULL OR g.tournament_id = $1) AND ($2::text IS NULL OR g.id = $2) AND ($3::text IS NULL OR g.season = $3)`;
const scopeParams = (scope: ReconciliationScope) => [
  scope.tournamentId ?? null,
  scope.gameId ?? null,
  scope.season ?? null,
];

/** The games in scope (with `extra` conditions on `g`), in id order, a slice at a time. */
async function* gameSlices(ctx: CheckContext, extra = 'TRUE'): AsyncGenerator<string[]> {
  let after = '';
  for (;;) {
    const rows = await ctx.prisma.$queryRawUnsafe<{ id: string }[]>(
      `SELECT g.id FROM games g WHERE ${GAMES_IN_SCOPE} AND ${extra} AND g.id > $4 ORDER BY g.id LIMIT ${GAMES_PER_SLICE}`,
      ...scopeParams(ctx.scope),
      after,
    );
    if (rows.length === 0) return;
    yield rows.map((r) => r.id);
    after = rows.at(-1)!.id;
    ctx.progress();
  }
}

/** The tournaments in scope (a game's or a season's: those of its games). */
async function tournamentsInScope(ctx: CheckContext): Promise<string[]> {
  const rows = await ctx.prisma.$queryRawUnsafe<{ id: string }[]>(
    `SELECT DISTINCT g.tournament_id AS id FROM games g WHERE ${GAMES_IN_SCOPE} AND g.tournament_id IS NOT NULL
     UNION SELECT t.id FROM tournaments t WHERE $1::text IS NOT NULL AND t.id = $1 AND $2::text IS NULL AND $3::text IS NULL
     UNION SELECT t.id FROM tournaments t WHERE $1::text IS NULL AND $2::text IS NULL AND $3::text IS NULL
     ORDER BY 1`,
    ...scopeParams(ctx.scope),
  );
  return rows.map((r) => r.id);
}

async function ledger(ctx: CheckContext): Promise<CheckCount> {
  const r = recorder(ctx, 'ledger');
  for await (const games of gameSlices(ctx, "g.status = 'ended'")) {
    const current = `SELECT DISTINCT ON (res.game_id) res.game_id, g.tournament_id, res.result_hash, res.home_goals, res.away_goals
      FROM game_results res JOIN games g ON g.id = res.game_id
      WHERE res.game_id = ANY($1::text[]) AND res.created_at < now() - ${SETTLING_GRACE}
      ORDER BY res.game_id, res.id DESC`;
    const [{ n }] = (await ctx.prisma.$queryRawUnsafe<{ n: bigint }[]>(
      `SELECT count(*) AS n FROM (${current}) c`,
      games,
    )) as [{ n: bigint }];
    r.count.checked += Number(n);
    await r.record(
      `SELECT jsonb_build_object('gameId', c.game_id, 'tournamentId', c.tournament_id, 'resultHash', c.result_hash) AS subject,
              jsonb_build_object('status', 'applied', 'homeGoals', c.home_goals, 'awayGoals', c.away_goals) AS expected,
              CASE WHEN l.id IS NULL THEN NULL
                   ELSE jsonb_build_object('status', l.status, 'homeGoals', l.home_goals, 'awayGoals', l.away_goals) END AS actual
       FROM (${current}) c
       LEFT JOIN match_settlement_ledger l ON l.game_id = c.game_id AND l.result_hash = c.result_hash
       WHERE l.id IS NULL OR l.status <> 'applied' OR l.home_goals <> c.home_goals OR l.away_goals <> c.away_goals`,
      [games],
    );
  }
  return r.count;
}

async function points(ctx: CheckContext): Promise<CheckCount> {
  const r = recorder(ctx, 'points');
  for await (const games of gameSlices(ctx)) {
    // The result each game's settlement applied last; the rules: exact score 3, right outcome 1, else 0.
    const expected = `WITH applied AS (
        SELECT DISTINCT ON (res.game_id) res.game_id, res.home_goals AS h, res.away_goals AS a
        FROM game_results res
        JOIN match_settlement_ledger l ON l.game_id = res.game_id AND l.result_hash = res.result_hash AND l.status = 'applied'
        WHERE res.game_id = ANY($1::text[])
        ORDER BY res.game_id, res.id DESC)
      SELECT p.game_id, p.user_id, g.tournament_id, p.points, p.exact,
             CASE WHEN p.home_goals = a.h AND p.away_goals = a.a THEN 3
                  WHEN sign(p.home_goals - p.away_goals) = sign(a.h - a.a) THEN 1 ELSE 0 END AS want,
             (p.home_goals = a.h AND p.away_goals = a.a) AS want_exact
      FROM predictions p JOIN applied a ON a.game_id = p.game_id JOIN games g ON g.id = p.game_id`;
    const [{ n }] = (await ctx.prisma.$queryRawUnsafe<{ n: bigint }[]>(
      `SELECT count(*) AS n FROM (${expected}) e`,
      games,
    )) as [{ n: bigint }];
    r.count.checked += Number(n);
    await r.record(
      `SELECT jsonb_build_object('gameId', e.game_id, 'userId', e.user_id, 'tournamentId', e.tournament_id) AS subject,
              jsonb_build_object('points', e.want, 'exact', e.want_exact) AS expected,
              jsonb_build_object('points', e.points, 'exact', e.exact) AS actual
       FROM (${expected}) e WHERE (e.points, e.exact) IS DISTINCT FROM (e.want, e.want_exact)`,
      [games],
    );
  }
  return r.count;
}

async function totals(ctx: CheckContext): Promise<CheckCount> {
  const r = recorder(ctx, 'totals');
  // A game's scope: the users who predicted it. Otherwise every user of the tournament.
  // $2 is always bound (null outside a game's scope), so the statement always names it.
  const users = `AND ($2::text IS NULL OR user_id IN (SELECT user_id FROM predictions WHERE game_id = $2))`;
  for (const tournamentId of await tournamentsInScope(ctx)) {
    const pair = `WITH e AS (
        SELECT p.user_id, sum(p.points)::int AS points, (count(*) FILTER (WHERE p.exact))::int AS exact_count, count(*)::int AS settled
        FROM predictions p JOIN games g ON g.id = p.game_id
        WHERE g.tournament_id = $1 AND p.points IS NOT NULL GROUP BY p.user_id),
      t AS (SELECT user_id, points, exact_count, settled_predictions AS settled FROM user_tournament_totals WHERE tournament_id = $1)
      SELECT coalesce(e.user_id, t.user_id) AS user_id, e.points AS e_points, e.exact_count AS e_exact, e.settled AS e_settled,
             t.points AS t_points, t.exact_count AS t_exact, t.settled AS t_settled
      FROM e FULL JOIN t ON t.user_id = e.user_id`;
    const scoped = `SELECT * FROM (${pair}) x WHERE TRUE ${users}`;
    const params = [tournamentId, ctx.scope.gameId ?? null];
    const [{ n }] = (await ctx.prisma.$queryRawUnsafe<{ n: bigint }[]>(
      `SELECT count(*) AS n FROM (${scoped}) c`,
      ...params,
    )) as [{ n: bigint }];
    r.count.checked += Number(n);
    await r.record(
      `SELECT jsonb_build_object('tournamentId', $1::text, 'userId', x.user_id) AS subject,
              CASE WHEN x.e_settled IS NULL THEN NULL
                   ELSE jsonb_build_object('points', x.e_points, 'exactCount', x.e_exact, 'settledPredictions', x.e_settled) END AS expected,
              CASE WHEN x.t_settled IS NULL THEN NULL
                   ELSE jsonb_build_object('points', x.t_points, 'exactCount', x.t_exact, 'settledPredictions', x.t_settled) END AS actual
       FROM (${scoped}) x
       WHERE (x.e_points, x.e_exact, x.e_settled) IS DISTINCT FROM (x.t_points, x.t_exact, x.t_settled)`,
      params,
    );
    ctx.progress();
  }
  return r.count;
}

/** One board: PostgreSQL's standings (user -> score) against the sorted set at `key`. */
async function compareBoard(
  ctx: CheckContext,
  r: Recorder,
  subject: { tournamentId: string; leagueId?: string },
  key: string,
): Promise<void> {
  const members = subject.leagueId
    ? `SELECT t.user_id, t.points, t.exact_count FROM league_members lm
       JOIN user_tournament_totals t ON t.tournament_id = $1 AND t.user_id = lm.user_id WHERE lm.league_id = $2`
    : `SELECT user_id, points, exact_count FROM user_tournament_totals WHERE tournament_id = $1 AND $2::text IS NULL`;
  let after = '';
  let present = 0;
  for (;;) {
    const rows = await ctx.prisma.$queryRawUnsafe<{ user_id: string; points: number; exact_count: number }[]>(
      `SELECT * FROM (${members}) m WHERE m.user_id > $3 ORDER BY m.user_id LIMIT ${MEMBERS_PER_SLICE}`,
      subject.tournamentId,
      subject.leagueId ?? null,
      after,
    );
    if (rows.length === 0) break;
    const scores = await ctx.redis.zmscore(key, ...rows.map((row) => row.user_id));
    present += scores.filter((score) => score !== null && score !== undefined).length;
    const differ = rows.flatMap((row, i) => {
      const score = scores[i];
      const want = boardScore(row.points, row.exact_count);
      if (score !== null && score !== undefined && Number(score) === want) return [];
      const actual = score === null || score === undefined ? null : standingOfScore(row.user_id, Number(score));
      return [
        {
          subject: { ...subject, userId: row.user_id },
          expected: { points: row.points, exactCount: row.exact_count },
          actual: actual && { points: actual.points, exactCount: actual.exactCount },
        },
      ];
    });
    r.count.checked += rows.length;
    await r.recordRows(differ);
    after = rows.at(-1)!.user_id;
    ctx.progress();
  }
  // Members Redis has and PostgreSQL does not: looked for only when it holds more than it matched.
  if ((await ctx.redis.zcard(key)) <= present) return;
  let cursor = '0';
  do {
    const [next, flat] = await ctx.redis.zscan(key, cursor, 'COUNT', MEMBERS_PER_SLICE);
    cursor = next;
    const users = flat.filter((_, i) => i % 2 === 0);
    if (users.length > 0) {
      const known = await ctx.prisma.$queryRawUnsafe<{ user_id: string }[]>(
        `SELECT m.user_id FROM (${members}) m WHERE m.user_id = ANY($3::text[])`,
        subject.tournamentId,
        subject.leagueId ?? null,
        users,
      );
      const knownSet = new Set(known.map((k) => k.user_id));
      const extra = flat.flatMap((member, i) =>
        i % 2 === 0 && !knownSet.has(member) ? [{ member, score: Number(flat[i + 1]) }] : [],
      );
      await r.recordRows(
        extra.map(({ member, score }) => ({
          subject: { ...subject, userId: member },
          expected: null,
          actual: {
            points: standingOfScore(member, score).points,
            exactCount: standingOfScore(member, score).exactCount,
          },
        })),
      );
    }
    ctx.progress();
  } while (cursor !== '0');
}

async function boards(ctx: CheckContext): Promise<CheckCount> {
  const r = recorder(ctx, 'boards');
  for (const tournamentId of await tournamentsInScope(ctx)) {
    const tournament = await ctx.prisma.tournament.findUnique({
      where: { id: tournamentId },
      select: { scoreboardVersion: true },
    });
    const projected = await ctx.redis.get(boardVersionKey(tournamentId));
    // Only where Redis claims to reflect PostgreSQL's version: a board behind is served from PostgreSQL.
    if (!tournament || projected === null || Number(projected) !== Number(tournament.scoreboardVersion)) continue;
    await compareBoard(ctx, r, { tournamentId }, tournamentBoardKey(tournamentId));
    const leagues = await ctx.prisma.league.findMany({
      where: { tournamentId },
      select: { id: true },
      orderBy: { id: 'asc' },
    });
    for (const { id: leagueId } of leagues)
      await compareBoard(ctx, r, { tournamentId, leagueId }, leagueBoardKey(leagueId));
  }
  return r.count;
}

async function minutes(ctx: CheckContext): Promise<CheckCount> {
  const r = recorder(ctx, 'minutes');
  for await (const games of gameSlices(ctx)) {
    // The rules from the contract: a starter enters at 0, a substitute at the minute they come on; a
    // player leaves when substituted off or sent off (red, second yellow), or at the final whistle.
    const want = `WITH fresh AS (
        SELECT g.id, g.duration_minutes FROM games g JOIN game_reports rep ON rep.game_id = g.id
        WHERE g.id = ANY($1::text[]) AND rep.calculated_version = g.events_version AND rep.error IS NULL),
      lp AS (
        SELECT l.game_id, l.player_id, f.duration_minutes AS d,
               CASE WHEN l.starter THEN 0
                    ELSE (SELECT min(s.minute) FROM substitutions s WHERE s.game_id = l.game_id AND s.player_in_id = l.player_id) END AS entered,
               (SELECT min(s.minute) FROM substitutions s WHERE s.game_id = l.game_id AND s.player_out_id = l.player_id) AS subbed_off,
               (SELECT min(c.minute) FROM disciplinary_actions c WHERE c.game_id = l.game_id AND c.player_id = l.player_id
                  AND c.card_type IN ('red', 'second-yellow')) AS sent_off
        FROM game_lineups l JOIN fresh f ON f.id = l.game_id),
      want AS (
        SELECT game_id, player_id, CASE WHEN entered IS NULL THEN 0 ELSE least(coalesce(subbed_off, d), coalesce(sent_off, d), d) - entered END AS minutes
        FROM lp)
      SELECT coalesce(w.game_id, pm.game_id) AS game_id, coalesce(w.player_id, pm.player_id) AS player_id, w.minutes AS want, pm.minutes_played AS got
      FROM want w FULL JOIN (SELECT pm.* FROM player_minutes pm JOIN fresh f ON f.id = pm.game_id) pm
        ON pm.game_id = w.game_id AND pm.player_id = w.player_id`;
    const [{ n }] = (await ctx.prisma.$queryRawUnsafe<{ n: bigint }[]>(
      `SELECT count(*) AS n FROM (${want}) x`,
      games,
    )) as [{ n: bigint }];
    r.count.checked += Number(n);
    await r.record(
      `SELECT jsonb_build_object('gameId', x.game_id, 'playerId', x.player_id) AS subject,
              CASE WHEN x.want IS NULL THEN NULL ELSE jsonb_build_object('minutesPlayed', x.want) END AS expected,
              CASE WHEN x.got IS NULL THEN NULL ELSE jsonb_build_object('minutesPlayed', x.got) END AS actual
       FROM (${want}) x WHERE x.want IS DISTINCT FROM x.got`,
      [games],
    );
  }
  return r.count;
}

async function stats(ctx: CheckContext): Promise<CheckCount> {
  const r = recorder(ctx, 'stats');
  // A scope narrows the tables to what its games touch (the scoped refresh's own scoping).
  let games: string[] | undefined;
  if (ctx.scope.gameId || ctx.scope.season || ctx.scope.tournamentId) {
    const rows = await ctx.prisma.$queryRawUnsafe<{ id: string }[]>(
      `SELECT g.id FROM games g WHERE ${GAMES_IN_SCOPE} AND g.status = 'ended'`,
      ...scopeParams(ctx.scope),
    );
    games = rows.map((row) => row.id);
    if (games.length === 0) return r.count;
  }
  for await (const table of statsDifferences(ctx.prisma, games)) {
    r.count.checked += table.checked;
    await r.recordRows(
      table.differences.map((d) => ({
        subject: { table: table.table, ...d.key },
        expected: d.expected,
        actual: d.actual,
      })),
    );
    // A table whose differences were too many to list is counted in full.
    r.count.mismatches += table.more;
    ctx.progress();
  }
  return r.count;
}

export const checks: Record<ReconciliationCheck, (ctx: CheckContext) => Promise<CheckCount>> = {
  ledger,
  points,
  totals,
  boards,
  minutes,
  stats,
};
