// The end-of-run checks of a matchday, every number worked out from the generated events and the
// rules in SQL here (not by the product's code): every report fresh and right, every result settled
// once with the final one applied, every prediction's points and every total, Redis equal to
// PostgreSQL for the tournament board and every league board, and every stats aggregation equal to a
// recompute. Each answers `ok: …` or `FAILED: …`.
import type pg from 'pg';
import { boardScore } from '../../src/domain/settlement/ranking.ts';
import type { Redis } from '../../src/redis.ts';
import { aggregations, unscoped, upsertAndPrune } from '../../src/services/stats/aggregations.ts';
import { leagueBoardKey, tournamentBoardKey } from '../../src/services/settlement/scoreboards/keys.ts';
import { insert } from '../league.ts';
import { expectedMinutes, type MatchdayGame } from './scenario.ts';

/** Runs every check on one connection (a temporary table lives on it); answers name -> verdict. */
export async function checkMatchday(
  db: pg.PoolClient,
  redis: Redis,
  { games, tournament, predictions }: { games: MatchdayGame[]; tournament: string; predictions: number },
): Promise<Record<string, string>> {
  const checks: Record<string, string> = {};
  const check = (name: string, ok: boolean, detail: string) => {
    checks[name] = `${ok ? 'ok' : 'FAILED'}: ${detail}`;
  };
  {
    const { rows } = await db.query<{ game_id: string; player_id: string; minutes_played: number; fresh: boolean }>(
      `SELECT m.game_id, m.player_id, m.minutes_played, (r.calculated_version = g.events_version AND r.error IS NULL) AS fresh
       FROM player_minutes m JOIN game_reports r ON r.game_id = m.game_id JOIN games g ON g.id = m.game_id WHERE g.tournament_id = $1`,
      [tournament],
    );
    const byGame = new Map<string, Map<string, number>>();
    let stale = 0;
    for (const row of rows) {
      if (!row.fresh) stale++;
      (byGame.get(row.game_id) ?? byGame.set(row.game_id, new Map()).get(row.game_id)!).set(
        row.player_id,
        row.minutes_played,
      );
    }
    const wrong = games.filter((g) => {
      const got = byGame.get(g.id);
      return !got || [...expectedMinutes(g)].some(([player, minutes]) => got.get(player) !== minutes);
    });
    check(
      'reports',
      stale === 0 && wrong.length === 0,
      `${games.length - wrong.length} of ${games.length} reports fresh and right (${stale} stale rows)`,
    );
  }
  {
    // One ledger entry per posted result, never two; each game's final result applied. An earlier
    // result is applied, or skipped when its settlement ran after the correction had been posted.
    const finals = games.map((g) => [g.id, (g.correctedResult ?? g).homeGoals, (g.correctedResult ?? g).awayGoals]);
    await db.query('CREATE TEMP TABLE finals (game_id text, home int, away int)');
    await insert(db, 'finals', ['game_id', 'home', 'away'], finals);
    const {
      rows: [ledger],
    } = await db.query<{ entries: string; results: string; final_applied: string }>(`
      SELECT (SELECT count(*) FROM match_settlement_ledger) AS entries,
             (SELECT count(DISTINCT (game_id, result_hash)) FROM match_settlement_ledger) AS results,
             (SELECT count(*) FROM finals f WHERE EXISTS (SELECT 1 FROM match_settlement_ledger l WHERE l.game_id = f.game_id
                AND l.home_goals = f.home AND l.away_goals = f.away AND l.status = 'applied')) AS final_applied`);
    const posted = games.length + games.filter((g) => g.correctedResult).length;
    check(
      'settled once',
      Number(ledger!.entries) === posted &&
        Number(ledger!.results) === posted &&
        Number(ledger!.final_applied) === games.length,
      `${ledger!.entries} ledger entries for ${posted} posted results (${ledger!.results} distinct); ${ledger!.final_applied} of ${games.length} final results applied`,
    );
    // Points by the rules (3 exact, 1 outcome), worked out here in SQL over the final results.
    const {
      rows: [points],
    } = await db.query<{ wrong: string; totals_wrong: string }>(
      `
      WITH expected AS (
        SELECT p.user_id, p.game_id, CASE WHEN p.home_goals = f.home AND p.away_goals = f.away THEN 3
                                          WHEN sign(p.home_goals - p.away_goals) = sign(f.home - f.away) THEN 1 ELSE 0 END AS points
        FROM predictions p JOIN finals f ON f.game_id = p.game_id)
      SELECT (SELECT count(*) FROM expected e JOIN predictions p USING (user_id, game_id) WHERE p.points IS DISTINCT FROM e.points) AS wrong,
             (SELECT count(*) FROM (SELECT user_id, sum(points) AS points, count(*) FILTER (WHERE points = 3) AS exact FROM expected GROUP BY user_id) e
                FULL JOIN (SELECT user_id, points, exact_count FROM user_tournament_totals WHERE tournament_id = $1) t USING (user_id)
                WHERE t.points IS DISTINCT FROM e.points OR t.exact_count IS DISTINCT FROM e.exact) AS totals_wrong`,
      [tournament],
    );
    check(
      'points',
      Number(points!.wrong) === 0 && Number(points!.totals_wrong) === 0,
      `${predictions} predictions: ${points!.wrong} with wrong points, ${points!.totals_wrong} wrong totals`,
    );
  }
  {
    const { rows: totals } = await db.query<{ user_id: string; points: number; exact_count: number }>(
      'SELECT user_id, points, exact_count FROM user_tournament_totals WHERE tournament_id = $1',
      [tournament],
    );
    const want = new Map(totals.map((t) => [t.user_id, boardScore(t.points, t.exact_count)]));
    const board = await redis.zrange(tournamentBoardKey(tournament), 0, -1, 'WITHSCORES');
    let differ = Math.abs(board.length / 2 - want.size);
    for (let i = 0; i < board.length; i += 2) if (want.get(board[i]!) !== Number(board[i + 1])) differ++;
    const { rows: members } = await db.query<{ league_id: string; user_id: string }>(
      'SELECT league_id, user_id FROM league_members',
    );
    const byLeague = new Map<string, string[]>();
    for (const m of members)
      (byLeague.get(m.league_id) ?? byLeague.set(m.league_id, []).get(m.league_id)!).push(m.user_id);
    let leaguesDiffer = 0;
    for (const [leagueId, users] of byLeague) {
      const got = await redis.zrange(leagueBoardKey(leagueId), 0, -1, 'WITHSCORES');
      const expected = users.filter((u) => want.has(u));
      if (
        got.length / 2 !== expected.length ||
        expected.some((u) => {
          const i = got.indexOf(u);
          return i < 0 || Number(got[i + 1]) !== want.get(u);
        })
      )
        leaguesDiffer++;
    }
    check(
      'boards',
      differ === 0 && leaguesDiffer === 0,
      `tournament board: ${differ} members differ from PostgreSQL; ${leaguesDiffer} of ${byLeague.size} league boards differ`,
    );
  }
  {
    // Each table aggregation brings its table to what a recompute from scratch says and answers how many
    // rows it had to change: after the matchday that must be none. The views are compared by content.
    const changed: string[] = [];
    for (const [name, aggregation] of Object.entries(aggregations)) {
      const { rows } = await db.query<{ rows: string }>(
        upsertAndPrune('view' in aggregation ? aggregation.totals : aggregation, unscoped),
      );
      if (Number(rows[0]!.rows) > 0) changed.push(`${name} (${rows[0]!.rows} rows)`);
      if ('view' in aggregation) {
        const digest = async () =>
          (
            await db.query<{ d: string }>(
              `SELECT md5(coalesce(string_agg(v::text, ',' ORDER BY v::text), '')) AS d FROM ${aggregation.view} v`,
            )
          ).rows[0]!.d;
        const before = await digest();
        await db.query(`REFRESH MATERIALIZED VIEW ${aggregation.view}`);
        if ((await digest()) !== before) changed.push(name);
      }
    }
    check(
      'stats',
      changed.length === 0,
      changed.length === 0
        ? 'all ten aggregations equal a recompute'
        : `differ from a recompute: ${changed.join(', ')}`,
    );
  }
  return checks;
}
