// `npm run matchday:record -- --from <iso> --to <iso> --out <file>`: the games that kicked off in the
// window, with everything they need, from DATABASE_URL, as one recording (scripts/release/recording.ts)
// that `npm run release:check` plays through two builds. Exit 2 on a malformed command.
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfigOrExit } from '../src/config.ts';
import { recordMatchday, writeRecording } from './release/recording.ts';

function usage(problem: string): never {
  console.error(`[matchday:record] ${problem}`);
  console.error('usage: npm run matchday:record -- --from <iso time> --to <iso time> --out <file>');
  process.exit(2);
}
let values: { from?: string; to?: string; out?: string };
try {
  ({ values } = parseArgs({ options: { from: { type: 'string' }, to: { type: 'string' }, out: { type: 'string' } } }));
} catch (err) {
  usage((err as Error).message);
}
const from = new Date(values.from ?? '');
const to = new Date(values.to ?? '');
if (!values.from || Number.isNaN(from.getTime())) usage('--from must be a time such as 2026-06-14T00:00:00Z');
if (!values.to || Number.isNaN(to.getTime())) usage('--to must be a time such as 2026-06-15T00:00:00Z');
if (!(from < to)) usage('--from must be before --to');
if (!values.out) usage('--out names the file to write');

const config = loadConfigOrExit('matchday:record');
const db = new pg.Client({ connectionString: config.DATABASE_URL });
await db.connect();
try {
  const recording = await recordMatchday(db, from, to);
  writeRecording(values.out, recording);
  const counts = Object.entries(recording.header.counts)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  console.log(`[matchday:record] ${values.out}: ${counts || 'nothing in that window'}`);
} finally {
  await db.end();
}
