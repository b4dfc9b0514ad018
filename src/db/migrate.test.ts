// Our migration runner keeps Prisma's `_prisma_migrations` bookkeeping, applies each migration once,
// and stops at a failed one the way `prisma migrate deploy` does.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import {
  applyMigrations,
  dropDatabase,
  ensureDatabase,
  migrationsDir,
  pendingMigrations,
  readMigrations,
} from './migrate.ts';

const created: string[] = [];
async function freshDatabase(): Promise<string> {
  const url = new URL(inject('databaseUrl'));
  url.pathname = `${url.pathname}_m${randomUUID().slice(0, 8)}`;
  expect(await ensureDatabase(url.toString())).toBe(true);
  expect(await ensureDatabase(url.toString())).toBe(false);
  created.push(url.toString());
  return url.toString();
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

afterAll(async () => {
  await Promise.all(created.map(dropDatabase));
});

describe('pendingMigrations', () => {
  it('names every migration of a new database, those left after a partial run, and none once all are applied', async () => {
    const url = await freshDatabase();
    const all = readMigrations();
    expect(await pendingMigrations(url)).toEqual(all.map((m) => m.name));
    await applyMigrations(url, { migrations: all.slice(0, 2) });
    expect(await pendingMigrations(url)).toEqual(all.slice(2).map((m) => m.name));
    await applyMigrations(url);
    expect(await pendingMigrations(url)).toEqual([]);
  });
});

describe('applyMigrations', () => {
  it('applies every migration once, with Prisma-compatible bookkeeping', async () => {
    const url = await freshDatabase();
    const names = fs
      .readdirSync(migrationsDir)
      .filter((n) => fs.existsSync(path.join(migrationsDir, n, 'migration.sql')))
      .sort();
    expect(await applyMigrations(url)).toEqual({ applied: names, alreadyApplied: [] });
    expect(await applyMigrations(url)).toEqual({ applied: [], alreadyApplied: names });

    const rows = await query<{
      migration_name: string;
      checksum: string;
      finished_at: Date | null;
      applied_steps_count: number;
      rolled_back_at: Date | null;
    }>(url, 'SELECT * FROM "_prisma_migrations" ORDER BY migration_name');
    expect(rows).toHaveLength(names.length);
    for (const [i, row] of rows.entries()) {
      const sql = fs.readFileSync(path.join(migrationsDir, names[i]!, 'migration.sql'));
      expect(row).toMatchObject({
        migration_name: names[i],
        checksum: createHash('sha256').update(sql).digest('hex'),
        applied_steps_count: 1,
        rolled_back_at: null,
      });
      expect(row.finished_at).toBeInstanceOf(Date);
    }
  });

  it('records a failed migration, rolls its changes back, and refuses to go on', async () => {
    const url = await freshDatabase();
    const broken = [
      ...readMigrations(),
      {
        name: '29990101000000_broken',
        sql: 'CREATE TABLE half_done (id int); SELECT * FROM no_such_table;',
        checksum: 'x'.repeat(64),
      },
    ];
    await expect(applyMigrations(url, { migrations: broken })).rejects.toThrow(
      /29990101000000_broken failed: .*no_such_table/,
    );
    expect(await query(url, "SELECT to_regclass('half_done') AS t")).toEqual([{ t: null }]);
    const [row] = await query<{ finished_at: Date | null; logs: string }>(
      url,
      `SELECT * FROM "_prisma_migrations" WHERE migration_name = '29990101000000_broken'`,
    );
    expect(row!.finished_at).toBeNull();
    expect(row!.logs).toMatch(/no_such_table/);
    await expect(applyMigrations(url, { migrations: broken })).rejects.toThrow(/failed earlier/);
  });
});
