// `npm run release:check -- --recording <file> --baseline <git ref> [--expect <file>]`: plays one
// recorded matchday (npm run matchday:record) through two builds — the baseline, built from the ref in a
// temporary git worktree, and this checkout — each on its own database, Temporal dev server and Redis
// prefix, then compares every derived number: minutes and report states, every stats table,
// predictions' points, totals, the ledger, the Redis boards, and each write's answer. Prints the
// differences by kind with the first subjects and why, and both builds' latencies side by side.
// Exit 0 when nothing differs but what the --expect file lists (with its reasons), 1 otherwise, 2 on a
// malformed command. The baseline's outcome on a recording is kept (RELEASE_CHECK_CACHE_DIR, default
// .data/release-check) by its git tree and the recording, so a baseline is played once; this checkout
// is played every time.
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '../src/config.ts';
import { projectRoot } from '../src/paths.ts';
import {
  compareSnapshots,
  intendedBy,
  readExpectations,
  type Difference,
  type Expectations,
} from './release/compare.ts';
import { playBuild, type Build, type BuildOutcome } from './release/play-build.ts';
import { readRecording } from './release/recording.ts';

/** Bumped when what a kept outcome holds changes, so old ones are not reused. */
const OUTCOME_FORMAT = 1;
const SHOWN_PER_KIND = 5;
const say = (line: string) => console.log(`[release:check] ${line}`);
function usage(problem: string): never {
  console.error(`[release:check] ${problem}`);
  console.error('usage: npm run release:check -- --recording <file> --baseline <git ref> [--expect <file>]');
  process.exit(2);
}

let values: { recording?: string; baseline?: string; expect?: string };
try {
  ({ values } = parseArgs({
    options: { recording: { type: 'string' }, baseline: { type: 'string' }, expect: { type: 'string' } },
  }));
} catch (err) {
  usage((err as Error).message);
}
if (!values.recording || !fs.existsSync(values.recording))
  usage('--recording names a recording file (npm run matchday:record)');
if (!values.baseline) usage('--baseline names a git ref (a tag, a commit, HEAD~1)');
const git = (...args: string[]) =>
  execFileSync('git', args, { cwd: projectRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
let baselineCommit: string;
try {
  baselineCommit = git('rev-parse', '--verify', `${values.baseline}^{commit}`);
} catch {
  usage(`--baseline ${values.baseline} is not a commit of this repository`);
}
let recording: ReturnType<typeof readRecording>;
let expectations: Expectations = [];
try {
  recording = readRecording(values.recording);
  if (values.expect) expectations = readExpectations(values.expect);
} catch (err) {
  usage((err as Error).message);
}

const config = loadConfigOrExit('release:check');
const cacheDir = process.env.RELEASE_CHECK_CACHE_DIR ?? path.join(projectRoot, '.data', 'release-check');
const recordingHash = createHash('sha256').update(fs.readFileSync(values.recording)).digest('hex');
const cacheFile = (tree: string) =>
  path.join(
    cacheDir,
    `${createHash('sha256').update(`${OUTCOME_FORMAT}:${tree}:${recordingHash}`).digest('hex')}.json`,
  );

/** A build's outcome: kept from an earlier check of the same tree and recording, or played now. */
async function outcomeOf(build: Build, tree: string | null): Promise<BuildOutcome> {
  if (tree && fs.existsSync(cacheFile(tree))) {
    say(`${build.role} (${build.label}): kept outcome of tree ${tree.slice(0, 12)} on this recording`);
    return JSON.parse(fs.readFileSync(cacheFile(tree), 'utf8')) as BuildOutcome;
  }
  const outcome = await playBuild(build, recording, config, say);
  if (tree) {
    fs.mkdirSync(cacheDir, { recursive: true });
    fs.writeFileSync(cacheFile(tree), JSON.stringify(outcome));
  }
  return outcome;
}

const dirty = git('status', '--porcelain', '--untracked-files=no') !== '';
const candidate: Build = {
  role: 'candidate',
  label: dirty ? 'this checkout, with uncommitted changes' : `this checkout (${git('rev-parse', '--short', 'HEAD')})`,
  dir: projectRoot,
};
const worktree = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fulltime-release-check-')), 'baseline');
const baseline: Build = {
  role: 'baseline',
  label: `${values.baseline} (${baselineCommit.slice(0, 12)})`,
  dir: worktree,
};
const baselineTree = git('rev-parse', `${baselineCommit}^{tree}`);
let differences: Difference[];
let outcomes: [BuildOutcome, BuildOutcome];
try {
  if (!fs.existsSync(cacheFile(baselineTree))) {
    say(`building the baseline ${baseline.label} in ${worktree}`);
    git('worktree', 'add', '--detach', worktree, baselineCommit);
    const sameLock = spawnSync('git', ['diff', '--quiet', baselineCommit, '--', 'package-lock.json'], {
      cwd: projectRoot,
    });
    const run = (cmd: string, args: string[]) => {
      // `prisma generate` needs no schema engine, but its CLI looks for one: any file will do (as setup does).
      const env = {
        ...process.env,
        PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
      };
      const done = spawnSync(cmd, args, { cwd: worktree, env, stdio: ['ignore', 'ignore', 'inherit'] });
      if (done.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed in the baseline's worktree`);
    };
    // The same dependencies: share this checkout's; other ones: install the baseline's own.
    if (sameLock.status === 0)
      fs.symlinkSync(path.join(projectRoot, 'node_modules'), path.join(worktree, 'node_modules'));
    else run('npm', ['ci', '--no-audit', '--no-fund']);
    run(path.join(worktree, 'node_modules/.bin/prisma'), ['generate']);
  }
  const base = await outcomeOf(baseline, baselineTree);
  // The candidate is always played: it is what is being checked, and a kept outcome compared with
  // itself would prove nothing (HEAD against a clean checkout of HEAD is the same tree).
  const cand = await outcomeOf(candidate, null);
  outcomes = [base, cand];
  differences = compareSnapshots(
    { ...base.snapshot, answers: base.answers },
    { ...cand.snapshot, answers: cand.answers },
  );
} finally {
  if (fs.existsSync(worktree)) spawnSync('git', ['worktree', 'remove', '--force', worktree], { cwd: projectRoot });
  fs.rmSync(path.dirname(worktree), { recursive: true, force: true });
}

// ---- the report ------------------------------------------------------------------------------
const [base, cand] = outcomes;
const counted = (o: BuildOutcome) =>
  Object.entries(o.snapshot)
    .map(([kind, rows]) => `${Object.keys(rows).length} ${kind}`)
    .join(', ');
say(`compared: ${counted(cand)}`);
const unexpected = differences.filter((d) => intendedBy(d, expectations) === null);
const byKind = new Map<string, Difference[]>();
for (const d of differences) byKind.set(d.kind, [...(byKind.get(d.kind) ?? []), d]);
const show = (v: unknown) => (v === null ? '(none)' : JSON.stringify(v));
for (const [kind, list] of byKind) {
  const intended = list.filter((d) => intendedBy(d, expectations) !== null).length;
  console.log(
    `\n${kind}: ${list.length} differ${intended ? ` (${intended} intended: ${intendedBy(list[0]!, expectations) ?? 'see --expect'})` : ''}`,
  );
  for (const d of list.slice(0, SHOWN_PER_KIND)) {
    console.log(`  ${d.subject}: ${show(d.baseline)} -> ${show(d.candidate)}`);
    // Why a total moved: the predictions of that user whose points moved.
    if (kind === 'totals') {
      const user = /user_id=(\S+)/.exec(d.subject)?.[1];
      for (const p of byKind.get('points') ?? [])
        if (p.subject.endsWith(`user_id=${user}`))
          console.log(`    because ${p.subject}: ${show(p.baseline)} -> ${show(p.candidate)}`);
    }
  }
  if (list.length > SHOWN_PER_KIND) console.log(`  … and ${list.length - SHOWN_PER_KIND} more`);
}
const ms = (v: number | null) => (v === null ? 'n/a' : `${v} ms`);
console.log(`\n${''.padEnd(34)}${'baseline'.padStart(14)}${'candidate'.padStart(14)}`);
console.log(
  `${'result to settled, p95'.padEnd(34)}${ms(base.latency.resultToSettledP95Ms).padStart(14)}${ms(cand.latency.resultToSettledP95Ms).padStart(14)}`,
);
console.log(
  `${'last event to fresh report, p99'.padEnd(34)}${ms(base.latency.lastEventToFreshReportP99Ms).padStart(14)}${ms(cand.latency.lastEventToFreshReportP99Ms).padStart(14)}`,
);
console.log(
  `${'played / settled after'.padEnd(34)}${`${Math.round(base.playMs)}/${Math.round(base.settleMs)} ms`.padStart(14)}${`${Math.round(cand.playMs)}/${Math.round(cand.settleMs)} ms`.padStart(14)}\n`,
);
if (unexpected.length === 0) {
  say(
    differences.length === 0
      ? 'SAME: every derived number is the same on both builds'
      : `SAME but for ${differences.length} intended difference(s)`,
  );
} else {
  say(`DIFFERENT: ${unexpected.length} difference(s) not listed in ${values.expect ?? 'an --expect file'}`);
  process.exitCode = 1;
}
