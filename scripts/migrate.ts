// `npm run migrate`: creates the database if needed, then applies prisma/migrations with
// `prisma migrate deploy` where Prisma's schema engine is installed, or with our runner otherwise.
// `migrate --wait [--timeout-seconds N]` migrates nothing: it waits until every migration this build
// carries is applied (by the migration job), for the API's and workers' init containers.
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '../src/config.ts';
import { migrateDatabase, pendingMigrations } from '../src/db/migrate.ts';

const { values } = parseArgs({
  options: { wait: { type: 'boolean', default: false }, 'timeout-seconds': { type: 'string', default: '600' } },
});
const config = loadConfigOrExit('migrate');
try {
  if (values.wait) await waitForMigrations(Number(values['timeout-seconds']) * 1000);
  else await migrateDatabase(config.DATABASE_URL);
} catch (err) {
  console.error(`[migrate] ${(err as Error).message}`);
  process.exit(1);
}

async function waitForMigrations(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let said = '';
  for (;;) {
    const pending = await pendingMigrations(config.DATABASE_URL).catch((err: Error) => [
      `(database unreachable: ${err.message})`,
    ]);
    if (pending.length === 0) return console.log('[migrate] every migration is applied');
    const line = `waiting for the migration job: ${pending.join(', ')}`;
    if (line !== said) console.log(`[migrate] ${(said = line)}`);
    if (Date.now() > deadline) throw new Error(`still not applied after ${timeoutMs / 1000} s: ${pending.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 2000)); // polling another process's progress
  }
}
