// `npm run migrate`: creates the database if needed, then applies migrations with
// `prisma migrate deploy` when Prisma's schema engine is installed, or with our runner otherwise.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfigOrExit } from '../src/config.ts';
import { applyMigrations, ensureDatabase } from '../src/db/migrate.ts';

function schemaEngineInstalled(): boolean {
  const fromEnv = process.env.PRISMA_SCHEMA_ENGINE_BINARY;
  if (fromEnv) return fs.existsSync(fromEnv) && fs.statSync(fromEnv).size > 1_000_000;
  const enginesDir = path.resolve('node_modules/@prisma/engines');
  return fs.existsSync(enginesDir) && fs.readdirSync(enginesDir).some((f) => f.startsWith('schema-engine'));
}

const config = loadConfigOrExit('migrate');
if (await ensureDatabase(config.DATABASE_URL)) console.log(`created database ${new URL(config.DATABASE_URL).pathname.slice(1)}`);
if (schemaEngineInstalled()) {
  const run = spawnSync('npx', ['prisma', 'migrate', 'deploy'], { stdio: 'inherit', env: process.env });
  process.exit(run.status ?? 1);
}
const result = await applyMigrations(config.DATABASE_URL, { log: (line) => console.log(line) });
console.log(
  `migrations: ${result.applied.length} applied, ${result.alreadyApplied.length} already applied (runner: fulltime, Prisma's schema engine is not installed)`,
);
