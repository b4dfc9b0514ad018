-- Reconciliation: every derived number recomputed from its sources by a query of its own, what
-- differs recorded, and repairs re-derived through the paths that own each number.

CREATE TABLE "reconciliations" (
    "id" TEXT NOT NULL,
    "workflow_id" TEXT NOT NULL,
    -- "running", "completed" (every check ran; mismatches may have been found), "failed".
    "status" TEXT NOT NULL,
    -- {tournamentId?, gameId?, season?}: what was checked ({} for everything).
    "scope" JSONB NOT NULL,
    -- "points", "totals", "ledger", "boards", "minutes", "stats" (src/contracts/reconciliation.ts).
    "checks" JSONB NOT NULL,
    "requested_by" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),
    -- {<check>: numbers compared}, {<check>: numbers that differ}, as each check finishes.
    "checked" JSONB NOT NULL DEFAULT '{}',
    "mismatches" JSONB NOT NULL DEFAULT '{}',
    "error" TEXT,
    CONSTRAINT "reconciliations_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "reconciliations_status_check" CHECK ("status" IN ('running', 'completed', 'failed'))
);
CREATE INDEX "reconciliations_started_at_idx" ON "reconciliations"("started_at" DESC, "id" DESC);

-- One number that differs: what names it (subject), what its sources say (expected), what is stored
-- (actual). A check records at most a bounded number of them; the reconciliation counts them all.
CREATE TABLE "reconciliation_mismatches" (
    "id" BIGSERIAL NOT NULL,
    "reconciliation_id" TEXT NOT NULL,
    "check" TEXT NOT NULL,
    "subject" JSONB NOT NULL,
    "expected" JSONB,
    "actual" JSONB,
    CONSTRAINT "reconciliation_mismatches_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "reconciliation_mismatches_reconciliation_fkey" FOREIGN KEY ("reconciliation_id") REFERENCES "reconciliations"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "reconciliation_mismatches_by_check_idx" ON "reconciliation_mismatches"("reconciliation_id", "check", "id");

-- A repair asked for a reconciliation's mismatches, and what it set in motion.
CREATE TABLE "reconciliation_repairs" (
    "id" TEXT NOT NULL,
    "reconciliation_id" TEXT NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "checks" JSONB NOT NULL,
    "requested_by" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),
    -- What each mismatch became: games re-settled, users' totals recounted, boards rebuilt, reports
    -- recalculated, stats refreshed, settlements started.
    "actions" JSONB,
    "error" TEXT,
    CONSTRAINT "reconciliation_repairs_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "reconciliation_repairs_reconciliation_fkey" FOREIGN KEY ("reconciliation_id") REFERENCES "reconciliations"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- A game re-settled by a repair: its predictions rescored from the result its ledger applied and its
-- predictors' totals recounted from their predictions. Explanations list them.
CREATE TABLE "settlement_repairs" (
    "id" BIGSERIAL NOT NULL,
    "repair_id" TEXT NOT NULL,
    -- What was re-settled: `game:<id>` (its predictions and their users' totals) or `users:<tournament>`.
    "subject" TEXT NOT NULL,
    "tournament_id" TEXT,
    "game_id" TEXT,
    "result_hash" TEXT,
    "predictions_rescored" INTEGER NOT NULL DEFAULT 0,
    "totals_rewritten" INTEGER NOT NULL DEFAULT 0,
    "repaired_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "settlement_repairs_pkey" PRIMARY KEY ("id")
);
-- A repair re-settles a subject once, however often its activity is retried.
CREATE UNIQUE INDEX "settlement_repairs_repair_id_subject_key" ON "settlement_repairs"("repair_id", "subject");
CREATE INDEX "settlement_repairs_game_idx" ON "settlement_repairs"("game_id");

-- The run that stored a report's current minutes, for the report's explanation.
ALTER TABLE "game_reports" ADD COLUMN "calculated_by" TEXT;
