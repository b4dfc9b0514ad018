-- Stats: results (the post-match trigger), switches, and the tables and materialized views the ten
-- aggregations of the stats workflow write. Every formula is in docs/stats.md.

-- Every result posted for a game, oldest first: the first result and each correction.
CREATE TABLE "game_results" (
    "id" BIGSERIAL NOT NULL,
    "game_id" TEXT NOT NULL,
    "home_goals" INTEGER NOT NULL,
    "away_goals" INTEGER NOT NULL,
    "result_hash" TEXT NOT NULL,
    "request_id" TEXT NOT NULL,
    "stats_workflow_id" TEXT,
    "settlement_workflow_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "game_results_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "game_results_game_id_id_idx" ON "game_results"("game_id", "id");
ALTER TABLE "game_results" ADD CONSTRAINT "game_results_game_id_fkey" FOREIGN KEY ("game_id") REFERENCES "games"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Run-time switches. A trigger or aggregation without a row is on.
CREATE TABLE "stats_switches" (
    "kind" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "stats_switches_pkey" PRIMARY KEY ("kind", "name")
);

-- Every change of a switch: who (request ID), when, old -> new.
CREATE TABLE "stats_switch_changes" (
    "id" BIGSERIAL NOT NULL,
    "request_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "old_enabled" BOOLEAN NOT NULL,
    "new_enabled" BOOLEAN NOT NULL,
    "changed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "stats_switch_changes_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "stats_switch_changes_changed_at_idx" ON "stats_switch_changes"("changed_at");

-- The base every aggregation reads: one row per (ended game, lineup player), with the counting rules
-- applied: own goals count for no player (neither goal nor assist); a second yellow is a red card and
-- not a yellow one.
CREATE VIEW "player_game_stats" AS
SELECT g.id AS game_id, g.season, g.kickoff_at, l.player_id, l.starter,
       coalesce(m.minutes_played, 0) AS minutes_played,
       coalesce(gs.goals, 0)::int AS goals,
       coalesce(ga.assists, 0)::int AS assists,
       coalesce(c.yellow_cards, 0)::int AS yellow_cards,
       coalesce(c.red_cards, 0)::int AS red_cards
FROM games g
JOIN game_lineups l ON l.game_id = g.id
LEFT JOIN player_minutes m ON m.game_id = g.id AND m.player_id = l.player_id
LEFT JOIN (SELECT game_id, scorer_id AS player_id, count(*) AS goals FROM goals WHERE NOT own_goal GROUP BY 1, 2) gs
       ON gs.game_id = g.id AND gs.player_id = l.player_id
LEFT JOIN (SELECT game_id, assist_id AS player_id, count(*) AS assists FROM goals WHERE NOT own_goal AND assist_id IS NOT NULL GROUP BY 1, 2) ga
       ON ga.game_id = g.id AND ga.player_id = l.player_id
LEFT JOIN (SELECT game_id, player_id,
                  count(*) FILTER (WHERE card_type = 'yellow') AS yellow_cards,
                  count(*) FILTER (WHERE card_type IN ('red', 'second-yellow')) AS red_cards
           FROM disciplinary_actions GROUP BY 1, 2) c
       ON c.game_id = g.id AND c.player_id = l.player_id
WHERE g.status = 'ended';

-- Matchdays: the distinct (UTC) dates of a season's ended games, numbered from 1.
CREATE VIEW "season_matchdays" AS
SELECT id AS game_id, season,
       dense_rank() OVER (PARTITION BY season ORDER BY (kickoff_at AT TIME ZONE 'UTC')::date)::int AS matchday,
       (dense_rank() OVER (PARTITION BY season ORDER BY (kickoff_at AT TIME ZONE 'UTC')::date)
        + dense_rank() OVER (PARTITION BY season ORDER BY (kickoff_at AT TIME ZONE 'UTC')::date DESC) - 1)::int AS matchdays
FROM games WHERE status = 'ended';

-- The per-game score behind recent form and power ratings (docs/stats.md): 3 per goal, 2 per assist,
-- 1 per 30 minutes played, -1 per yellow card, -3 per red card.
CREATE FUNCTION "fulltime_game_score"(goals INTEGER, assists INTEGER, minutes INTEGER, yellow_cards INTEGER, red_cards INTEGER)
RETURNS NUMERIC LANGUAGE SQL IMMUTABLE PARALLEL SAFE
AS $$ SELECT 3 * goals + 2 * assists + minutes / 30.0 - yellow_cards - 3 * red_cards $$;

-- 1. season-stats: per player, season and part ('season', 'first-half', 'second-half').
CREATE TABLE "player_season_stats" (
    "player_id" TEXT NOT NULL,
    "season" TEXT NOT NULL,
    "part" TEXT NOT NULL,
    "appearances" INTEGER NOT NULL,
    "minutes_played" INTEGER NOT NULL,
    "goals" INTEGER NOT NULL,
    "assists" INTEGER NOT NULL,
    "yellow_cards" INTEGER NOT NULL,
    "red_cards" INTEGER NOT NULL,

    CONSTRAINT "player_season_stats_pkey" PRIMARY KEY ("player_id", "season", "part")
);

-- 2. all-time-stats.
CREATE TABLE "player_all_time_stats" (
    "player_id" TEXT NOT NULL,
    "seasons" INTEGER NOT NULL,
    "appearances" INTEGER NOT NULL,
    "minutes_played" INTEGER NOT NULL,
    "goals" INTEGER NOT NULL,
    "assists" INTEGER NOT NULL,
    "yellow_cards" INTEGER NOT NULL,
    "red_cards" INTEGER NOT NULL,

    CONSTRAINT "player_all_time_stats_pkey" PRIMARY KEY ("player_id")
);

-- 3. hall-of-fame: all-time leaders per category (top 25 ranks, ties share a rank).
CREATE MATERIALIZED VIEW "hall_of_fame" AS
WITH totals AS (
  SELECT player_id,
         count(*) FILTER (WHERE minutes_played > 0) AS appearances,
         sum(minutes_played) AS minutes_played, sum(goals) AS goals, sum(assists) AS assists
  FROM player_game_stats GROUP BY player_id
), categories AS (
  SELECT t.player_id, c.category, c.value::int AS value
  FROM totals t CROSS JOIN LATERAL (VALUES ('goals', t.goals), ('assists', t.assists),
                                           ('appearances', t.appearances), ('minutes-played', t.minutes_played)) c(category, value)
  WHERE c.value > 0
), ranked AS (
  SELECT category, player_id, value, (rank() OVER (PARTITION BY category ORDER BY value DESC))::int AS rank FROM categories
)
SELECT category, rank, player_id, value FROM ranked WHERE rank <= 25;
CREATE UNIQUE INDEX "hall_of_fame_category_player_id_key" ON "hall_of_fame"("category", "player_id");

-- 4. recent-form: each player's last five ended games with an appearance.
CREATE TABLE "player_recent_form" (
    "player_id" TEXT NOT NULL,
    "games" INTEGER NOT NULL,
    "minutes_played" INTEGER NOT NULL,
    "goals" INTEGER NOT NULL,
    "assists" INTEGER NOT NULL,
    "form_score" DOUBLE PRECISION NOT NULL,
    "last_game_id" TEXT NOT NULL,

    CONSTRAINT "player_recent_form_pkey" PRIMARY KEY ("player_id")
);

-- 5. season-honours: a season's leaders and single-game records (ties all listed).
CREATE TABLE "season_honours" (
    "season" TEXT NOT NULL,
    "honour" TEXT NOT NULL,
    "player_id" TEXT NOT NULL,
    "game_id" TEXT NOT NULL,
    "value" INTEGER NOT NULL,

    CONSTRAINT "season_honours_pkey" PRIMARY KEY ("season", "honour", "player_id", "game_id")
);

-- 6. match-reports: a ready-made report of every ended game.
CREATE TABLE "match_reports" (
    "game_id" TEXT NOT NULL,
    "report" JSONB NOT NULL,

    CONSTRAINT "match_reports_pkey" PRIMARY KEY ("game_id")
);

-- 7. personal-bests: each player's best single game per record.
CREATE TABLE "player_personal_bests" (
    "player_id" TEXT NOT NULL,
    "record" TEXT NOT NULL,
    "value" INTEGER NOT NULL,
    "game_id" TEXT NOT NULL,

    CONSTRAINT "player_personal_bests_pkey" PRIMARY KEY ("player_id", "record")
);

-- 8. player-profiles.
CREATE TABLE "player_profiles" (
    "player_id" TEXT NOT NULL,
    "debut_game_id" TEXT NOT NULL,
    "last_game_id" TEXT NOT NULL,
    "appearances" INTEGER NOT NULL,
    "starts" INTEGER NOT NULL,
    "minutes_played" INTEGER NOT NULL,
    "goals" INTEGER NOT NULL,
    "assists" INTEGER NOT NULL,
    "goals_per_90" DOUBLE PRECISION NOT NULL,
    "minutes_per_goal" INTEGER,

    CONSTRAINT "player_profiles_pkey" PRIMARY KEY ("player_id")
);

-- 9. season-race: cumulative goals by matchday for every player who scored in the season.
CREATE MATERIALIZED VIEW "season_race" AS
WITH scorers AS (
  SELECT DISTINCT season, player_id FROM player_game_stats WHERE goals > 0
), days AS (
  SELECT DISTINCT season, matchday FROM season_matchdays
), per_day AS (
  SELECT s.season, d.matchday, s.player_id, sum(s.goals)::int AS goals
  FROM player_game_stats s JOIN season_matchdays d ON d.game_id = s.game_id
  GROUP BY 1, 2, 3
)
SELECT sc.season, dy.matchday, sc.player_id, coalesce(p.goals, 0) AS goals,
       (sum(coalesce(p.goals, 0)) OVER (PARTITION BY sc.season, sc.player_id ORDER BY dy.matchday))::int AS cumulative_goals
FROM scorers sc
JOIN days dy ON dy.season = sc.season
LEFT JOIN per_day p ON p.season = sc.season AND p.player_id = sc.player_id AND p.matchday = dy.matchday;
CREATE UNIQUE INDEX "season_race_season_player_id_matchday_key" ON "season_race"("season", "player_id", "matchday");

-- 10. power-ratings: a decaying average of a per-game score.
CREATE TABLE "player_power_ratings" (
    "player_id" TEXT NOT NULL,
    "rating" DOUBLE PRECISION NOT NULL,
    "games" INTEGER NOT NULL,
    "last_game_id" TEXT NOT NULL,

    CONSTRAINT "player_power_ratings_pkey" PRIMARY KEY ("player_id")
);
CREATE INDEX "player_power_ratings_rating_idx" ON "player_power_ratings"("rating");

-- The aggregations read ended games by season and kickoff.
CREATE INDEX "games_status_season_kickoff_at_idx" ON "games"("status", "season", "kickoff_at");
