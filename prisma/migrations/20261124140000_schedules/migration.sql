-- Every run of the match-verification job: when it ran and what it found.
CREATE TABLE "verification_runs" (
    "id" BIGSERIAL NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "candidates" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "verification_runs_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "verification_runs_workflow_id_key" ON "verification_runs"("workflow_id");

-- The maintenance job prunes dispatched outbox rows by age.
CREATE INDEX "workflow_outbox_dispatched_at_idx" ON "workflow_outbox"("dispatched_at");
