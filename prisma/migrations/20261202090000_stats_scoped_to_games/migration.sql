-- Post-match stats runs recompute only what their games touch (src/services/stats/aggregations.ts):
-- their players' rows, their seasons' rows, the games' own reports. For that the counting rules
-- become a function of a set of games and a set of players, so a scoped run reads only those rows
-- before any join; `player_game_stats` stays the same view over everything, now the function with
-- neither set. season_race becomes a table (a materialized view can only be refreshed whole), and
-- hall_of_fame a materialized view over per-player totals of its own (one row per player, not one
-- per game and player).

DROP MATERIALIZED VIEW "hall_of_fame";
DROP MATERIALIZED VIEW "season_race";
DROP VIEW "player_game_stats";

-- One row per (ended game, lineup player), the counting rules applied: own goals count for no
-- player (neither goal nor assist); a second yellow is a red card and not a yellow one. Limited to a
-- set of games and a set of players; NULL for a set means no limit. LANGUAGE SQL and STABLE so the
-- planner inlines it: called with parameters, each condition on a NULL set folds away, and each
-- event table is filtered by the same sets (read through its game or player index), so the planner
-- knows how few rows a scoped call reads.
CREATE FUNCTION "fulltime_player_game_stats"(p_games TEXT[], p_players TEXT[])
RETURNS TABLE (game_id TEXT, season TEXT, kickoff_at TIMESTAMPTZ, player_id TEXT, starter BOOLEAN,
               minutes_played INTEGER, goals INTEGER, assists INTEGER, yellow_cards INTEGER, red_cards INTEGER)
LANGUAGE SQL STABLE PARALLEL SAFE
AS $$
SELECT g.id, g.season, g.kickoff_at, l.player_id, l.starter,
       coalesce(m.minutes_played, 0),
       coalesce(gs.goals, 0)::int,
       coalesce(ga.assists, 0)::int,
       coalesce(c.yellow_cards, 0)::int,
       coalesce(c.red_cards, 0)::int
FROM games g
JOIN game_lineups l ON l.game_id = g.id
LEFT JOIN (SELECT x.game_id, x.player_id, x.minutes_played FROM player_minutes x
           WHERE (p_games IS NULL OR x.game_id = ANY(p_games)) AND (p_players IS NULL OR x.player_id = ANY(p_players))) m
       ON m.game_id = g.id AND m.player_id = l.player_id
LEFT JOIN (SELECT x.game_id, x.scorer_id AS player_id, count(*) AS goals FROM goals x
           WHERE NOT x.own_goal
             AND (p_games IS NULL OR x.game_id = ANY(p_games)) AND (p_players IS NULL OR x.scorer_id = ANY(p_players))
           GROUP BY 1, 2) gs
       ON gs.game_id = g.id AND gs.player_id = l.player_id
LEFT JOIN (SELECT x.game_id, x.assist_id AS player_id, count(*) AS assists FROM goals x
           WHERE NOT x.own_goal AND x.assist_id IS NOT NULL
             AND (p_games IS NULL OR x.game_id = ANY(p_games)) AND (p_players IS NULL OR x.assist_id = ANY(p_players))
           GROUP BY 1, 2) ga
       ON ga.game_id = g.id AND ga.player_id = l.player_id
LEFT JOIN (SELECT x.game_id, x.player_id,
                  count(*) FILTER (WHERE x.card_type = 'yellow') AS yellow_cards,
                  count(*) FILTER (WHERE x.card_type IN ('red', 'second-yellow')) AS red_cards
           FROM disciplinary_actions x
           WHERE (p_games IS NULL OR x.game_id = ANY(p_games)) AND (p_players IS NULL OR x.player_id = ANY(p_players))
           GROUP BY 1, 2) c
       ON c.game_id = g.id AND c.player_id = l.player_id
WHERE g.status = 'ended'
  AND (p_games IS NULL OR g.id = ANY(p_games))
  AND (p_players IS NULL OR l.player_id = ANY(p_players))
$$;

CREATE VIEW "player_game_stats" AS SELECT * FROM fulltime_player_game_stats(NULL, NULL);

-- 3. hall-of-fame: each player's all-time totals (what the leaders are ranked by), and the leaders
-- per category (top 25 ranks, ties share a rank) as a materialized view over them.
CREATE TABLE "hall_of_fame_totals" (
    "player_id" TEXT NOT NULL,
    "appearances" INTEGER NOT NULL,
    "minutes_played" INTEGER NOT NULL,
    "goals" INTEGER NOT NULL,
    "assists" INTEGER NOT NULL,

    CONSTRAINT "hall_of_fame_totals_pkey" PRIMARY KEY ("player_id")
);
INSERT INTO "hall_of_fame_totals" (player_id, appearances, minutes_played, goals, assists)
SELECT player_id, (count(*) FILTER (WHERE minutes_played > 0))::int, sum(minutes_played)::int, sum(goals)::int, sum(assists)::int
FROM player_game_stats GROUP BY player_id;

-- Ranks 1 to 25 of a category are the rows at or above the 25th-best value (ties share a rank), so
-- each category reads its top rows through its own index rather than ranking every player: the
-- view's refresh costs the same however many players the league has had.
CREATE INDEX "hall_of_fame_totals_goals_idx" ON "hall_of_fame_totals"("goals");
CREATE INDEX "hall_of_fame_totals_assists_idx" ON "hall_of_fame_totals"("assists");
CREATE INDEX "hall_of_fame_totals_appearances_idx" ON "hall_of_fame_totals"("appearances");
CREATE INDEX "hall_of_fame_totals_minutes_played_idx" ON "hall_of_fame_totals"("minutes_played");
CREATE MATERIALIZED VIEW "hall_of_fame" AS
WITH categories AS (
  SELECT 'goals' AS category, player_id, goals AS value FROM hall_of_fame_totals
  WHERE goals > 0 AND goals >= coalesce((SELECT goals FROM hall_of_fame_totals ORDER BY goals DESC OFFSET 24 LIMIT 1), 0)
  UNION ALL
  SELECT 'assists', player_id, assists FROM hall_of_fame_totals
  WHERE assists > 0 AND assists >= coalesce((SELECT assists FROM hall_of_fame_totals ORDER BY assists DESC OFFSET 24 LIMIT 1), 0)
  UNION ALL
  SELECT 'appearances', player_id, appearances FROM hall_of_fame_totals
  WHERE appearances > 0 AND appearances >= coalesce((SELECT appearances FROM hall_of_fame_totals ORDER BY appearances DESC OFFSET 24 LIMIT 1), 0)
  UNION ALL
  SELECT 'minutes-played', player_id, minutes_played FROM hall_of_fame_totals
  WHERE minutes_played > 0 AND minutes_played >= coalesce((SELECT minutes_played FROM hall_of_fame_totals ORDER BY minutes_played DESC OFFSET 24 LIMIT 1), 0)
), ranked AS (
  SELECT category, player_id, value, (rank() OVER (PARTITION BY category ORDER BY value DESC))::int AS rank FROM categories
)
SELECT category, rank, player_id, value FROM ranked WHERE rank <= 25;
CREATE UNIQUE INDEX "hall_of_fame_category_player_id_key" ON "hall_of_fame"("category", "player_id");

-- A scoped season-stats run prunes one season's rows.
CREATE INDEX "player_season_stats_season_idx" ON "player_season_stats"("season");

-- 9. season-race: each scorer's goals and running total on the matchdays they scored (a reader
-- carries the total forward over the others).
CREATE TABLE "season_race" (
    "season" TEXT NOT NULL,
    "matchday" INTEGER NOT NULL,
    "player_id" TEXT NOT NULL,
    "goals" INTEGER NOT NULL,
    "cumulative_goals" INTEGER NOT NULL,

    CONSTRAINT "season_race_pkey" PRIMARY KEY ("season", "player_id", "matchday")
);
INSERT INTO "season_race" (season, matchday, player_id, goals, cumulative_goals)
SELECT d.season, d.matchday, s.player_id, sum(s.goals)::int,
       (sum(sum(s.goals)) OVER (PARTITION BY d.season, s.player_id ORDER BY d.matchday))::int
FROM player_game_stats s
JOIN season_matchdays d ON d.game_id = s.game_id
WHERE s.goals > 0
GROUP BY d.season, d.matchday, s.player_id;
