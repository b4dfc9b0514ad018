-- The operator console: people with accounts (not a shared token), their sessions, an audit log of
-- every action taken through the admin API or the console, and exports run as workflows.

CREATE TABLE "operators" (
    "username" TEXT NOT NULL,
    -- scrypt, with its parameters and salt: "scrypt$N$r$p$salt$hash" (base64url).
    "password_hash" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "operators_pkey" PRIMARY KEY ("username"),
    CONSTRAINT "operators_role_check" CHECK ("role" IN ('viewer', 'operator'))
);

-- Server-side sessions, in the shape connect-pg-simple reads and writes.
CREATE TABLE "operator_sessions" (
    "sid" VARCHAR NOT NULL,
    "sess" JSON NOT NULL,
    "expire" TIMESTAMP(6) NOT NULL,
    CONSTRAINT "operator_sessions_pkey" PRIMARY KEY ("sid")
);
CREATE INDEX "operator_sessions_expire_idx" ON "operator_sessions"("expire");

CREATE TABLE "audit_log" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    -- "token", "operator:<username>".
    "actor" TEXT NOT NULL,
    -- "job.retry", "schedule.pause", … (src/contracts/audit.ts).
    "action" TEXT NOT NULL,
    "target" TEXT,
    -- "succeeded", "refused" (the request was invalid or not allowed), "failed" (an error).
    "outcome" TEXT NOT NULL,
    "request_id" TEXT NOT NULL,
    "details" JSONB,
    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "audit_log_at_idx" ON "audit_log"("at" DESC, "id" DESC);

CREATE TABLE "exports" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "params" JSONB NOT NULL,
    -- "running", "ready", "failed".
    "status" TEXT NOT NULL,
    "rows" INTEGER,
    "bytes" BIGINT,
    "error" TEXT,
    "workflow_id" TEXT NOT NULL,
    "requested_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),
    CONSTRAINT "exports_pkey" PRIMARY KEY ("id")
);

-- An export's CSV, in chunks of about a MiB, written in order as the rows stream from PostgreSQL.
CREATE TABLE "export_chunks" (
    "export_id" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "data" BYTEA NOT NULL,
    CONSTRAINT "export_chunks_pkey" PRIMARY KEY ("export_id", "seq"),
    CONSTRAINT "export_chunks_export_id_fkey" FOREIGN KEY ("export_id") REFERENCES "exports"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
