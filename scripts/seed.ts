// `npm run seed`: demo data through the running API (idempotent; safe to run again).
import { loadConfigOrExit } from '../src/config.ts';
import { seedDemoData } from '../src/demo/seed.ts';

const config = loadConfigOrExit('seed');
const baseUrl = process.env.API_URL ?? `http://127.0.0.1:${config.PORT}`;
const data = await seedDemoData({ baseUrl, token: config.API_TOKEN, log: console.log });
for (const game of data.games) console.log(`  ${game.title}: ${baseUrl}/api/games/${game.id}/report`);
