-- Predictions, leagues, exactly-once settlement and its scoreboards.

-- Bumped with every change a scoreboard of the tournament shows (a settlement, a league's members);
-- a Redis projection records the version it reflects, so a reader can tell when it is behind.
ALTER TABLE "tournaments" ADD COLUMN "scoreboard_version" BIGINT NOT NULL DEFAULT 0;
ALTER TABLE "tournaments" ADD COLUMN "scoreboard_changed_at" TIMESTAMPTZ(3);

CREATE TABLE "leagues" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "tournament_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "leagues_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "leagues_tournament_id_idx" ON "leagues"("tournament_id");
ALTER TABLE "leagues" ADD CONSTRAINT "leagues_tournament_id_fkey" FOREIGN KEY ("tournament_id") REFERENCES "tournaments"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- `version`: the tournament's scoreboard version when the member joined (projections catch up by it).
CREATE TABLE "league_members" (
    "league_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "version" BIGINT NOT NULL,

    CONSTRAINT "league_members_pkey" PRIMARY KEY ("league_id", "user_id")
);
CREATE INDEX "league_members_user_id_idx" ON "league_members"("user_id");
ALTER TABLE "league_members" ADD CONSTRAINT "league_members_league_id_fkey" FOREIGN KEY ("league_id") REFERENCES "leagues"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "league_members" ADD CONSTRAINT "league_members_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- One prediction per user per game. `points` and `exact` are what the settled result gave
-- (null until settled); `settled_hash` names that result.
CREATE TABLE "predictions" (
    "game_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "home_goals" INTEGER NOT NULL,
    "away_goals" INTEGER NOT NULL,
    "points" INTEGER,
    "exact" BOOLEAN,
    "settled_hash" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "predictions_pkey" PRIMARY KEY ("game_id", "user_id")
);
CREATE INDEX "predictions_user_id_idx" ON "predictions"("user_id");
ALTER TABLE "predictions" ADD CONSTRAINT "predictions_game_id_fkey" FOREIGN KEY ("game_id") REFERENCES "games"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "predictions" ADD CONSTRAINT "predictions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Per user and tournament: the sum of what every settled prediction currently gives. `version`: the
-- tournament's scoreboard version when the row last changed (projections catch up by it).
CREATE TABLE "user_tournament_totals" (
    "tournament_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "points" INTEGER NOT NULL,
    "exact_count" INTEGER NOT NULL,
    "settled_predictions" INTEGER NOT NULL,
    "version" BIGINT NOT NULL,

    CONSTRAINT "user_tournament_totals_pkey" PRIMARY KEY ("tournament_id", "user_id")
);
-- The scoreboard order: points, exact count (both descending), user ID in byte order.
CREATE INDEX "user_tournament_totals_board_idx" ON "user_tournament_totals"("tournament_id", "points" DESC, "exact_count" DESC, "user_id" COLLATE "C");
CREATE INDEX "user_tournament_totals_tournament_id_version_idx" ON "user_tournament_totals"("tournament_id", "version");

-- Exactly once: one row per (game, result). `applied` when the result was applied; `skipped` when a
-- newer result of the game had arrived before it could be.
CREATE TABLE "match_settlement_ledger" (
    "id" BIGSERIAL NOT NULL,
    "game_id" TEXT NOT NULL,
    "result_hash" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "home_goals" INTEGER NOT NULL,
    "away_goals" INTEGER NOT NULL,
    "predictions_settled" INTEGER NOT NULL DEFAULT 0,
    "workflow_id" TEXT NOT NULL,
    "applied_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "match_settlement_ledger_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "match_settlement_ledger_game_id_result_hash_key" ON "match_settlement_ledger"("game_id", "result_hash");

-- A settlement that failed for good (the current result's): shown by the settlement status route.
ALTER TABLE "game_results" ADD COLUMN "settlement_error" TEXT;
ALTER TABLE "game_results" ADD COLUMN "source" TEXT NOT NULL DEFAULT 'api';
CREATE UNIQUE INDEX "game_results_game_id_result_hash_key" ON "game_results"("game_id", "result_hash");

-- What match verification decided for each game it asked the provider about.
CREATE TABLE "verification_decisions" (
    "id" BIGSERIAL NOT NULL,
    "run_workflow_id" TEXT NOT NULL,
    "game_id" TEXT NOT NULL,
    "decision" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "provider_status" TEXT,
    "home_goals" INTEGER,
    "away_goals" INTEGER,
    "decided_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "verification_decisions_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "verification_decisions_run_workflow_id_game_id_key" ON "verification_decisions"("run_workflow_id", "game_id");
CREATE INDEX "verification_decisions_game_id_idx" ON "verification_decisions"("game_id");
ALTER TABLE "verification_runs" ADD COLUMN "decisions" JSONB NOT NULL DEFAULT '{}';

-- Verification looks for kicked-off games of the provider.
CREATE INDEX "games_kickoff_at_idx" ON "games"("kickoff_at");
