-- CreateEnum
CREATE TYPE "game_status" AS ENUM ('scheduled', 'live', 'ended', 'postponed', 'cancelled');

-- CreateEnum
CREATE TYPE "card_type" AS ENUM ('yellow', 'second-yellow', 'red');

-- CreateTable
CREATE TABLE "players" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "players_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "users" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tournaments" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tournaments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "games" (
    "id" TEXT NOT NULL,
    "home_team" TEXT NOT NULL,
    "away_team" TEXT NOT NULL,
    "kickoff_at" TIMESTAMPTZ(3) NOT NULL,
    "duration_minutes" INTEGER NOT NULL DEFAULT 90,
    "season" TEXT NOT NULL,
    "tournament_id" TEXT,
    "provider_game_id" TEXT,
    "status" "game_status" NOT NULL DEFAULT 'scheduled',
    "home_goals" INTEGER,
    "away_goals" INTEGER,
    "events_version" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "games_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "game_lineups" (
    "game_id" TEXT NOT NULL,
    "player_id" TEXT NOT NULL,
    "starter" BOOLEAN NOT NULL,

    CONSTRAINT "game_lineups_pkey" PRIMARY KEY ("game_id","player_id")
);

-- CreateTable
CREATE TABLE "substitutions" (
    "id" TEXT NOT NULL,
    "seq" BIGSERIAL NOT NULL,
    "game_id" TEXT NOT NULL,
    "minute" INTEGER NOT NULL,
    "player_out_id" TEXT NOT NULL,
    "player_in_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "substitutions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "disciplinary_actions" (
    "id" TEXT NOT NULL,
    "seq" BIGSERIAL NOT NULL,
    "game_id" TEXT NOT NULL,
    "player_id" TEXT NOT NULL,
    "card_type" "card_type" NOT NULL,
    "minute" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "disciplinary_actions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "goals" (
    "id" TEXT NOT NULL,
    "seq" BIGSERIAL NOT NULL,
    "game_id" TEXT NOT NULL,
    "scorer_id" TEXT NOT NULL,
    "assist_id" TEXT,
    "minute" INTEGER NOT NULL,
    "own_goal" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "goals_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "game_reports" (
    "game_id" TEXT NOT NULL,
    "calculated_version" INTEGER,
    "checked_version" INTEGER NOT NULL,
    "error" TEXT,
    "error_event_id" TEXT,
    "calculated_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "game_reports_pkey" PRIMARY KEY ("game_id")
);

-- CreateTable
CREATE TABLE "player_minutes" (
    "game_id" TEXT NOT NULL,
    "player_id" TEXT NOT NULL,
    "minutes_played" INTEGER NOT NULL,
    "minutes_calculation_method" TEXT NOT NULL,
    "calculated_version" INTEGER NOT NULL,

    CONSTRAINT "player_minutes_pkey" PRIMARY KEY ("game_id","player_id")
);

-- CreateTable
CREATE TABLE "idempotency_keys" (
    "key" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "response_status" INTEGER NOT NULL,
    "response_body" JSON NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "idempotency_keys_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "workflow_outbox" (
    "id" BIGSERIAL NOT NULL,
    "request_id" TEXT NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "workflow_type" TEXT NOT NULL,
    "task_queue" TEXT NOT NULL,
    "args" JSONB NOT NULL,
    "search_attributes" JSONB NOT NULL,
    "memo" JSONB NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "dispatched_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "workflow_outbox_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "games_provider_game_id_key" ON "games"("provider_game_id");

-- CreateIndex
CREATE INDEX "games_tournament_id_idx" ON "games"("tournament_id");

-- CreateIndex
CREATE INDEX "game_lineups_player_id_idx" ON "game_lineups"("player_id");

-- CreateIndex
CREATE INDEX "substitutions_game_id_idx" ON "substitutions"("game_id");

-- CreateIndex
CREATE INDEX "disciplinary_actions_game_id_idx" ON "disciplinary_actions"("game_id");

-- CreateIndex
CREATE INDEX "disciplinary_actions_player_id_idx" ON "disciplinary_actions"("player_id");

-- CreateIndex
CREATE INDEX "goals_game_id_idx" ON "goals"("game_id");

-- CreateIndex
CREATE INDEX "goals_scorer_id_idx" ON "goals"("scorer_id");

-- CreateIndex
CREATE INDEX "goals_assist_id_idx" ON "goals"("assist_id");

-- CreateIndex
CREATE INDEX "player_minutes_player_id_idx" ON "player_minutes"("player_id");

-- CreateIndex
CREATE INDEX "idempotency_keys_created_at_idx" ON "idempotency_keys"("created_at");

-- CreateIndex
CREATE UNIQUE INDEX "workflow_outbox_workflow_id_key" ON "workflow_outbox"("workflow_id");

-- CreateIndex
CREATE INDEX "workflow_outbox_pending_idx" ON "workflow_outbox"("next_attempt_at");

-- CreateIndex
CREATE INDEX "workflow_outbox_request_id_idx" ON "workflow_outbox"("request_id");

-- AddForeignKey
ALTER TABLE "games" ADD CONSTRAINT "games_tournament_id_fkey" FOREIGN KEY ("tournament_id") REFERENCES "tournaments"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "game_lineups" ADD CONSTRAINT "game_lineups_game_id_fkey" FOREIGN KEY ("game_id") REFERENCES "games"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "game_lineups" ADD CONSTRAINT "game_lineups_player_id_fkey" FOREIGN KEY ("player_id") REFERENCES "players"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "substitutions" ADD CONSTRAINT "substitutions_game_id_fkey" FOREIGN KEY ("game_id") REFERENCES "games"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "substitutions" ADD CONSTRAINT "substitutions_player_out_id_fkey" FOREIGN KEY ("player_out_id") REFERENCES "players"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "substitutions" ADD CONSTRAINT "substitutions_player_in_id_fkey" FOREIGN KEY ("player_in_id") REFERENCES "players"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "disciplinary_actions" ADD CONSTRAINT "disciplinary_actions_game_id_fkey" FOREIGN KEY ("game_id") REFERENCES "games"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "disciplinary_actions" ADD CONSTRAINT "disciplinary_actions_player_id_fkey" FOREIGN KEY ("player_id") REFERENCES "players"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "goals" ADD CONSTRAINT "goals_game_id_fkey" FOREIGN KEY ("game_id") REFERENCES "games"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "goals" ADD CONSTRAINT "goals_scorer_id_fkey" FOREIGN KEY ("scorer_id") REFERENCES "players"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "goals" ADD CONSTRAINT "goals_assist_id_fkey" FOREIGN KEY ("assist_id") REFERENCES "players"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "game_reports" ADD CONSTRAINT "game_reports_game_id_fkey" FOREIGN KEY ("game_id") REFERENCES "games"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "player_minutes" ADD CONSTRAINT "player_minutes_game_id_fkey" FOREIGN KEY ("game_id") REFERENCES "games"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "player_minutes" ADD CONSTRAINT "player_minutes_player_id_fkey" FOREIGN KEY ("player_id") REFERENCES "players"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
