// `npm run bench:matchday [-- --fault <name>]`: a whole matchday at once, every process as production
// runs it (the API, one worker process per task queue, a Temporal dev server, PostgreSQL, a Redis of
// its own), self-contained (its own database fulltime_bench_matchday, recreated). bench/matchday/ holds
// the parts: the generated matchday (scenario.ts), the run (run.ts), the end checks (checks.ts), the
// faults (faults.ts).
//   - MATCHDAY_GAMES games (300) kick off together on a compressed clock: MATCHDAY_SECONDS (120) for
//     90 minutes, with substitutions, cards, goals and corrections during play and after the whistle.
//   - MATCHDAY_USERS users (50,000) in 200 leagues of the one tournament, each with predictions on 3
//     of the games.
//   - At full time every result is posted within 5 s; readers hit the scoreboard, ranks, league boards
//     and reports at MATCHDAY_READ_RATE (100) requests/s throughout (autocannon, its own process).
//   - MATCHDAY_BACKFILL=<n> (contention mode): a league of n historical games, and at kickoff a
//     `recalc:all` over it and an admin stats refresh; the matchday run alone, with that backfill and
//     priorities on, and with it and priorities off, side by side (bench/results/matchday-<games>-contention.json).
//   - `--save-recording <file>` writes the generated matchday as a recording for `npm run release:check`.
//   - `--fault <name>` (or MATCHDAY_FAULT) injects one fault from kickoff and lifts it
//     MATCHDAY_LIFT_SECONDS (120) after full time: redis-refuses-writes, redis-slow, redis-down,
//     pg-slow, pg-restart, temporal-unreachable, temporal-slow, worker-kill (bench/matchday/faults.ts).
//   - Everything must be on the boards and settled within MATCHDAY_DRAIN_SECONDS (600) of the last
//     result (and of the lift).
// It ends by checking every number, prints one table, and saves it with a Prometheus view of the run
// to bench/results/matchday-<games>[-<fault>].json. Exit 1 when a check failed or a process exited
// unplanned.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '../src/config.ts';
import pg from 'pg';
import { projectRoot } from '../src/paths.ts';
import { recordMatchday, writeRecording } from '../scripts/release/recording.ts';
import { faultNames, isFaultName } from './matchday/faults.ts';
import { allChecksRight, matchdayTable, runMatchday, saveFigures, type MatchdayFigures } from './matchday/run.ts';

const { values } = parseArgs({ options: { fault: { type: 'string' }, 'save-recording': { type: 'string' } } });
const faultName = values.fault ?? process.env.MATCHDAY_FAULT ?? null;
if (faultName !== null && !isFaultName(faultName)) {
  console.error(`[bench:matchday] unknown fault ${faultName}; one of: ${faultNames.join(', ')}`);
  process.exit(2);
}
const say = (line: string) => console.log(`[bench:matchday] ${line}`);
const games = Number(process.env.MATCHDAY_GAMES ?? 300);
const config = loadConfigOrExit('bench:matchday');
const runStarted = new Date();
const backfill = Number(process.env.MATCHDAY_BACKFILL ?? 0);
const runOptions = {
  games,
  users: Number(process.env.MATCHDAY_USERS ?? 50_000),
  seconds: Number(process.env.MATCHDAY_SECONDS ?? 120),
  readRate: Number(process.env.MATCHDAY_READ_RATE ?? 100),
  drainMs: Number(process.env.MATCHDAY_DRAIN_SECONDS ?? 600) * 1000,
  fault: faultName,
  liftAfterMs: Number(process.env.MATCHDAY_LIFT_SECONDS ?? 120) * 1000,
  prometheus: true,
  name: 'matchday',
  say,
};
if (backfill > 0) {
  // Contention mode: the same matchday three times, side by side: alone; with a backfill of the
  // historical league and an admin stats refresh from kickoff, priorities on; the same, priorities off.
  const variants = [
    { label: 'no backfill', backfill: undefined, priorities: true },
    { label: 'backfill, priorities on', backfill, priorities: true },
    { label: 'backfill, priorities off', backfill, priorities: false },
  ];
  const rows: { label: string; figures: MatchdayFigures }[] = [];
  for (const variant of variants) {
    say(`--- ${variant.label}`);
    const figures = await runMatchday(config, {
      ...runOptions,
      backfill: variant.backfill,
      priorities: variant.priorities,
    });
    rows.push({ label: variant.label, figures });
  }
  const [alone] = rows;
  const ratio = (v: number, base: number) => `${(v / base).toFixed(2)}x`;
  console.log(
    `\nmatchday under contention: ${games} games, ${runOptions.users} users; backfill of ${backfill} historical games\n`,
  );
  console.log(
    `  ${'variant'.padEnd(28)}${'result to board p95'.padStart(22)}${'trigger to fresh p99'.padStart(24)}  checks`,
  );
  for (const { label, figures } of rows) {
    const board = figures.resultToBoard.p95Ms;
    const fresh = figures.triggerToFresh.p99Ms;
    console.log(
      `  ${label.padEnd(28)}${`${board} ms (${ratio(board, alone!.figures.resultToBoard.p95Ms)})`.padStart(22)}${`${fresh} ms (${ratio(fresh, alone!.figures.triggerToFresh.p99Ms)})`.padStart(24)}  ${allChecksRight(figures) ? 'every check right' : 'FAILED'}; backfill ${figures.contention?.backfillGamesByTheEnd ?? 0} games`,
    );
  }
  const out = path.join(projectRoot, 'bench', 'results', `matchday-${games}-contention.json`);
  saveFigures(out, rows);
  say(`figures saved to ${path.relative(projectRoot, out)}`);
  if (rows.some((r) => !allChecksRight(r.figures) || r.figures.unplannedExits > 0)) process.exitCode = 1;
  process.exit();
}
const figures = await runMatchday(config, runOptions);
const { size } = figures;
console.log(
  `\nmatchday: ${size.games} games, ${size.users} users (${size.predictions} predictions, ${size.leagues} leagues), 90 minutes in ${size.seconds} s${figures.fault ? `; fault ${figures.fault.name}` : ''}\n`,
);
for (const [what, value] of matchdayTable(figures)) console.log(`  ${what.padEnd(38)} ${value}`);
const out = path.join(projectRoot, 'bench', 'results', `matchday-${games}${faultName ? `-${faultName}` : ''}.json`);
saveFigures(out, figures);
say(`figures and the Prometheus view saved to ${path.relative(projectRoot, out)}`);
// The generated matchday as a recording (npm run matchday:record's format), for npm run release:check.
if (values['save-recording']) {
  const db = new URL(config.DATABASE_URL);
  db.pathname = '/fulltime_bench_matchday';
  const client = new pg.Client({ connectionString: db.toString() });
  await client.connect();
  try {
    const recording = await recordMatchday(client, runStarted, new Date(Date.now() + 3600_000));
    writeRecording(values['save-recording'], recording);
    say(`the matchday saved as a recording to ${values['save-recording']}`);
  } finally {
    await client.end();
  }
}
if (!allChecksRight(figures) || figures.unplannedExits > 0) process.exitCode = 1;
