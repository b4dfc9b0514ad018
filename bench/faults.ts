// `npm run bench:faults`: the fault matrix. One matchday with no fault, then one under each fault of
// bench/matchday/faults.ts, each on a fresh stack at a smaller size (FAULTS_GAMES 60 games,
// FAULTS_USERS 10,000 users, FAULTS_SECONDS 90 s for the 90 minutes, the fault lifted FAULTS_LIFT_SECONDS
// 90 s after full time), each ending with every check of bench:matchday. Prints one table (fault;
// writes accepted / refused 503 / other; unplanned process exits; from the lift to everything settled
// and fresh; the checks) and saves it to bench/results/faults.json. `-- --only a,b` runs some.
// Exit 1 when any run has a check wrong or an unplanned exit.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '../src/config.ts';
import { projectRoot } from '../src/paths.ts';
import { faultNames, isFaultName, type FaultName } from './matchday/faults.ts';
import { allChecksRight, matchdayTable, runMatchday, saveFigures, type MatchdayFigures } from './matchday/run.ts';

const { values } = parseArgs({ options: { only: { type: 'string' } } });
const only = values.only?.split(',').map((s) => s.trim()) ?? null;
const unknown = (only ?? []).filter((name) => name !== 'none' && !isFaultName(name));
if (unknown.length > 0) {
  console.error(`[bench:faults] unknown fault(s) ${unknown.join(', ')}; one of: none, ${faultNames.join(', ')}`);
  process.exit(2);
}
const runs: (FaultName | null)[] = [null, ...faultNames].filter((f) => !only || only.includes(f ?? 'none'));
const say = (line: string) => console.log(`[bench:faults] ${line}`);
const base = loadConfigOrExit('bench:faults');
const size = {
  games: Number(process.env.FAULTS_GAMES ?? 60),
  users: Number(process.env.FAULTS_USERS ?? 10_000),
  seconds: Number(process.env.FAULTS_SECONDS ?? 90),
  liftAfterMs: Number(process.env.FAULTS_LIFT_SECONDS ?? 90) * 1000,
};
const out = path.join(projectRoot, 'bench', 'results', 'faults.json');
const results: { fault: string; figures?: MatchdayFigures; error?: string }[] = [];

for (const fault of runs) {
  const label = fault ?? 'none';
  say(`---- ${label} ----`);
  try {
    const figures = await runMatchday(base, {
      ...size,
      readRate: 50,
      drainMs: 600_000,
      fault,
      prometheus: false,
      name: 'faults',
      say: (line) => say(`${label}: ${line}`),
    });
    for (const [what, value] of matchdayTable(figures)) say(`${label}:   ${what.padEnd(38)} ${value}`);
    results.push({ fault: label, figures });
  } catch (err) {
    say(`${label}: the run did not end: ${(err as Error).stack}`);
    results.push({ fault: label, error: (err as Error).message });
  }
  saveFigures(out, { date: new Date().toISOString(), size, runs: results });
}

const rows = results.map(({ fault, figures, error }) => {
  if (!figures) return [fault, '-', '-', '-', `did not end: ${error}`];
  const a = figures.answers;
  const wrong = Object.entries(figures.checks)
    .filter(([, v]) => !v.startsWith('ok'))
    .map(([name]) => name);
  return [
    fault,
    `${a.accepted} / ${a.refused503} / ${a.other}`,
    String(figures.unplannedExits),
    figures.liftToSettledAndFreshMs === null
      ? `${(figures.lastResultToSettledAndFreshMs / 1000).toFixed(1)} (after the last result)`
      : (figures.liftToSettledAndFreshMs / 1000).toFixed(1),
    wrong.length === 0 ? 'every check right' : `wrong: ${wrong.join(', ')}`,
  ];
});
const header = ['fault', 'writes accepted / 503 / other', 'unplanned exits', 'lift to settled and fresh (s)', 'checks'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
console.log(
  `\nfault matrix: ${size.games} games, ${size.users} users, 90 minutes in ${size.seconds} s, each fault lifted ${size.liftAfterMs / 1000} s after full time\n`,
);
for (const row of [header, ...rows]) console.log(`  ${row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')}`);
say(`saved to ${path.relative(projectRoot, out)}`);
if (results.some((r) => !r.figures || !allChecksRight(r.figures) || r.figures.unplannedExits > 0)) process.exitCode = 1;
