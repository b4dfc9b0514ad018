// Applies prisma/migrations/*/migration.sql in order with the same `_prisma_migrations` bookkeeping as
// `prisma migrate deploy`, for machines where Prisma's schema engine binary cannot be installed. A
// database migrated by either one can later be migrated by the other.
import { spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { projectRoot } from '../paths.ts';

export const migrationsDir = path.join(projectRoot, 'prisma/migrations');
/** The advisory lock key `prisma migrate` takes, so the two never run at once on one database. */
const PRISMA_MIGRATE_LOCK = 72707369;

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export function readMigrations(dir = migrationsDir): Migration[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(dir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

/** Runs `fn` on a connection to the server's `postgres` database, with the quoted name of the URL's database. */
async function onMaintenanceDb<T>(
  databaseUrl: string,
  fn: (client: pg.Client, name: string, quoted: string) => Promise<T>,
): Promise<T> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await fn(client, name, `"${name.replaceAll('"', '""')}"`);
  } finally {
    await client.end();
  }
}

/** Creates the database named in the URL when it does not exist yet (dev machines, test runs). */
export function ensureDatabase(databaseUrl: string): Promise<boolean> {
  return onMaintenanceDb(databaseUrl, async (client, name, quoted) => {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return false;
    try {
      await client.query(`CREATE DATABASE ${quoted}`);
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === '42P04') return false; // created concurrently
      throw err;
    }
  });
}

export async function dropDatabase(databaseUrl: string): Promise<void> {
  await onMaintenanceDb(databaseUrl, (client, _name, quoted) =>
    client.query(`DROP DATABASE IF EXISTS ${quoted} WITH (FORCE)`),
  );
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: string[];
}

export async function applyMigrations(
  databaseUrl: string,
  options: { log?: (line: string) => void; migrations?: Migration[] } = {},
): Promise<MigrateResult> {
  const log = options.log ?? (() => {});
  const migrations = options.migrations ?? readMigrations();
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATE_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" VARCHAR(36) PRIMARY KEY NOT NULL,
      "checksum" VARCHAR(64) NOT NULL,
      "finished_at" TIMESTAMPTZ,
      "migration_name" VARCHAR(255) NOT NULL,
      "logs" TEXT,
      "rolled_back_at" TIMESTAMPTZ,
      "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "applied_steps_count" INTEGER NOT NULL DEFAULT 0
    )`);
    const { rows } = await client.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
      'SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL',
    );
    const done = new Map(rows.map((row) => [row.migration_name, row]));
    const failed = rows.filter((row) => row.finished_at === null).map((row) => row.migration_name);
    if (failed.length > 0) {
      throw new Error(
        `migration(s) ${failed.join(', ')} failed earlier; fix the database, then mark them with ` +
          '`prisma migrate resolve` (or delete their _prisma_migrations rows) and run again',
      );
    }
    const result: MigrateResult = { applied: [], alreadyApplied: [] };
    for (const migration of migrations) {
      const previous = done.get(migration.name);
      if (previous) {
        if (previous.checksum !== migration.checksum) {
          log(`warning: ${migration.name} was modified after it was applied (checksum differs)`);
        }
        result.alreadyApplied.push(migration.name);
        continue;
      }
      const id = randomUUID();
      await client.query(
        'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())',
        [id, migration.checksum, migration.name],
      );
      try {
        await client.query('BEGIN');
        await client.query(migration.sql);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        await client.query('UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1', [id, String(err)]);
        throw new Error(`migration ${migration.name} failed: ${(err as Error).message}`, { cause: err });
      }
      await client.query('UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1', [
        id,
      ]);
      log(`applied ${migration.name}`);
      result.applied.push(migration.name);
    }
    return result;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATE_LOCK]).catch(() => {});
    await client.end();
  }
}

/**
 * The migrations under prisma/migrations not yet applied (finished) to the database; all of them
 * when it has no `_prisma_migrations` table yet. Reads only: for processes that wait for the
 * migration job rather than migrate themselves.
 */
export async function pendingMigrations(databaseUrl: string, migrations = readMigrations()): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const {
      rows: [table],
    } = await client.query<{ exists: boolean }>('SELECT to_regclass(\'"_prisma_migrations"\') IS NOT NULL AS exists');
    if (!table?.exists) return migrations.map((m) => m.name);
    const { rows } = await client.query<{ migration_name: string }>(
      'SELECT migration_name FROM "_prisma_migrations" WHERE rolled_back_at IS NULL AND finished_at IS NOT NULL',
    );
    const done = new Set(rows.map((row) => row.migration_name));
    return migrations.map((m) => m.name).filter((name) => !done.has(name));
  } finally {
    await client.end();
  }
}

/** True where Prisma's CLI and its schema engine binary are installed, so `prisma migrate deploy` can run. */
export function schemaEngineInstalled(): boolean {
  if (!fs.existsSync(path.join(projectRoot, 'node_modules/.bin/prisma'))) return false; // production images
  const fromEnv = process.env.PRISMA_SCHEMA_ENGINE_BINARY;
  if (fromEnv) return fs.existsSync(fromEnv) && fs.statSync(fromEnv).size > 1_000_000;
  const enginesDir = path.join(projectRoot, 'node_modules/@prisma/engines');
  return fs.existsSync(enginesDir) && fs.readdirSync(enginesDir).some((f) => f.startsWith('schema-engine'));
}

/**
 * Creates the database if needed and brings it up to date: `prisma migrate deploy` where the schema
 * engine exists, our runner otherwise. Both keep the same `_prisma_migrations` table.
 */
export async function migrateDatabase(databaseUrl: string, log: (line: string) => void = console.log): Promise<void> {
  if (await ensureDatabase(databaseUrl)) log(`created database ${new URL(databaseUrl).pathname.slice(1)}`);
  if (schemaEngineInstalled()) {
    const run = spawnSync(path.join(projectRoot, 'node_modules/.bin/prisma'), ['migrate', 'deploy'], {
      cwd: projectRoot,
      stdio: 'inherit',
      env: { ...process.env, DATABASE_URL: databaseUrl },
    });
    if (run.status !== 0) throw new Error(`prisma migrate deploy failed (exit code ${run.status})`);
    return;
  }
  const result = await applyMigrations(databaseUrl, { log });
  log(
    `migrations: ${result.applied.length} applied, ${result.alreadyApplied.length} already applied (fulltime runner; Prisma's schema engine is not installed)`,
  );
}
