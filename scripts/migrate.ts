// `npm run migrate`: creates the database if needed, then applies prisma/migrations with
// `prisma migrate deploy` where Prisma's schema engine is installed, or with our runner otherwise.
import { loadConfigOrExit } from '../src/config.ts';
import { migrateDatabase } from '../src/db/migrate.ts';

const config = loadConfigOrExit('migrate');
try {
  await migrateDatabase(config.DATABASE_URL);
} catch (err) {
  console.error(`[migrate] ${(err as Error).message}`);
  process.exit(1);
}
