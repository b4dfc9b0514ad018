// `npm run release:check` end to end on a small hand-written recording (test/fixtures/
// matchday-recording.jsonl: two games, four users, seven predictions). Against HEAD as its baseline, a
// clean checkout finds no difference. A build with a changed scoring rule (an exact score worth 5, not
// 3) is reported with exactly the users whose totals change, worked out by hand: rc-u1 (exact 2-1 on
// game A) and rc-u4 (exact 0-0 on game B); rc-u2 and rc-u3 had no exact score. Listing those
// differences in an --expect file passes the check. And `npm run matchday:record` records, from a
// database holding that matchday, the same seed rows and timeline the fixture has.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase, projectRoot, runProcess, testConfig } from '../test/harness.ts';
import { seedRecording } from './release/play-build.ts';
import { readRecording } from './release/recording.ts';

const fixture = path.join(projectRoot, 'test/fixtures/matchday-recording.jsonl');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fulltime-release-check-test-'));
const cacheDir = path.join(tmp, 'cache');
const candidateTree = path.join(tmp, 'candidate');

afterAll(() => {
  if (fs.existsSync(candidateTree))
    spawnSync('git', ['worktree', 'remove', '--force', candidateTree], { cwd: projectRoot });
  fs.rmSync(tmp, { recursive: true, force: true });
});

function check(cwd: string, ...args: string[]) {
  const config = testConfig();
  return runProcess(
    process.execPath,
    ['--import', 'tsx', path.join(cwd, 'scripts/release-check.ts'), '--recording', fixture, ...args],
    config,
    { RELEASE_CHECK_CACHE_DIR: cacheDir, LOG_LEVEL: 'warn' },
    cwd,
  );
}

describe('npm run release:check', () => {
  it('finds every derived number the same between HEAD and this checkout', async () => {
    const run = check(projectRoot, '--baseline', 'HEAD');
    expect(await run.exited, run.output()).toBe(0);
    expect(run.output()).toMatch(/compared: 12 minutes, 2 reports, 7 points, 4 totals, 2 ledger, .* 2 boards/);
    // Both builds played (the candidate always is): two stacks' numbers compared, not one with itself.
    expect(run.output()).toMatch(/baseline \(HEAD \([0-9a-f]{12}\)\): stack up/);
    expect(run.output()).toMatch(/candidate \(this checkout[^)]*\)\)?: stack up/);
    expect(run.output()).toContain('SAME: every derived number is the same on both builds');
    expect(run.output()).toMatch(/result to settled, p95\s+\d+ ms\s+\d+ ms/);
  }, 300_000);

  describe('a build whose exact score is worth 5', () => {
    beforeAll(() => {
      const added = spawnSync('git', ['worktree', 'add', '--detach', candidateTree, 'HEAD'], { cwd: projectRoot });
      expect(added.status, added.stderr?.toString()).toBe(0);
      fs.symlinkSync(path.join(projectRoot, 'node_modules'), path.join(candidateTree, 'node_modules'));
      fs.symlinkSync(path.join(projectRoot, 'src/generated'), path.join(candidateTree, 'src/generated'));
      // A checkout set up as `npm test` sets one up: the pinned Temporal CLI in its .venv.
      fs.symlinkSync(path.join(projectRoot, '.venv'), path.join(candidateTree, '.venv'));
      const scoring = path.join(candidateTree, 'src/domain/settlement/scoring.ts');
      const source = fs.readFileSync(scoring, 'utf8');
      expect(source).toContain('export const EXACT_POINTS = 3;');
      fs.writeFileSync(scoring, source.replace('export const EXACT_POINTS = 3;', 'export const EXACT_POINTS = 5;'));
    });

    it('is reported with exactly the users whose totals change, and why', async () => {
      const run = check(candidateTree, '--baseline', 'HEAD');
      expect(await run.exited, run.output()).toBe(1);
      const out = run.output();
      expect(out).toContain('totals: 2 differ');
      expect(out).toContain(
        'tournament_id=rc-t1 user_id=rc-u1: {"points":4,"exact_count":1,"settled_predictions":2} -> {"points":6,"exact_count":1,"settled_predictions":2}',
      );
      expect(out).toContain(
        'because game_id=rc-gA user_id=rc-u1: {"exact":true,"points":3} -> {"exact":true,"points":5}',
      );
      // The tournament's board in rank order: rc-u1 and rc-u4 tie on 4 points (one exact), ahead of rc-u2 (1) and rc-u3 (0).
      expect(out).toMatch(
        /tournament=rc-t1: \["1\. rc-u1 -?\d+","2\. rc-u4 -?\d+","3\. rc-u2 -?\d+","4\. rc-u3 -?\d+"\] -> /,
      );
      expect(out).toContain(
        'tournament_id=rc-t1 user_id=rc-u4: {"points":4,"exact_count":1,"settled_predictions":2} -> {"points":6,"exact_count":1,"settled_predictions":2}',
      );
      expect(out).not.toMatch(/user_id=rc-u[23]:/);
      expect(out).toContain('points: 2 differ');
      // The tournament's board (u1, u4 move) and the league's (u1 is a member; u4 is not).
      expect(out).toContain('boards: 2 differ');
      expect(out).toContain('DIFFERENT: 6 difference(s) not listed');
    }, 300_000);

    it('passes when an --expect file lists those differences with their reasons', async () => {
      const expectFile = path.join(tmp, 'expect.json');
      const reason = 'an exact score is worth 5 from this release';
      fs.writeFileSync(
        expectFile,
        JSON.stringify({
          expected: ['totals', 'points', 'boards'].map((kind) => ({ kind, reason })),
        }),
      );
      const run = check(candidateTree, '--baseline', 'HEAD', '--expect', expectFile);
      expect(await run.exited, run.output()).toBe(0);
      expect(run.output()).toContain(`totals: 2 differ (2 intended: ${reason})`);
      expect(run.output()).toContain('SAME but for 6 intended difference(s)');
    }, 300_000);
  });

  it('refuses a malformed command', async () => {
    const run = check(projectRoot, '--baseline', 'no-such-ref-anywhere');
    expect(await run.exited).toBe(2);
    expect(run.output()).toContain('is not a commit of this repository');
  });
});

describe('npm run matchday:record', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  beforeAll(async () => {
    scratch = await createScratchDatabase();
  });
  afterAll(async () => {
    await scratch?.drop();
  });

  it('records the games of a window with what they need, in accepted order', async () => {
    const recording = readRecording(fixture);
    const db = new pg.Pool({ connectionString: scratch.url, max: 2 });
    try {
      // The matchday as production would hold it: the rows, and each event and result at its time.
      await seedRecording(db, recording);
      for (const { at, write } of recording.timeline) {
        const id = randomUUID();
        if (write.kind === 'substitution')
          await db.query(
            'INSERT INTO substitutions (id, game_id, minute, player_out_id, player_in_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
            [id, write.gameId, write.minute, write.playerOutId, write.playerInId, at],
          );
        else if (write.kind === 'card')
          await db.query(
            'INSERT INTO disciplinary_actions (id, game_id, player_id, card_type, minute, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
            [id, write.gameId, write.playerId, write.cardType, write.minute, at],
          );
        else if (write.kind === 'goal')
          await db.query(
            'INSERT INTO goals (id, game_id, scorer_id, assist_id, minute, own_goal, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
            [id, write.gameId, write.scorerId, write.assistId, write.minute, write.ownGoal, at],
          );
        else
          await db.query(
            'INSERT INTO game_results (game_id, home_goals, away_goals, result_hash, request_id, source, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
            [write.gameId, write.homeGoals, write.awayGoals, id, id, write.source, at],
          );
      }
    } finally {
      await db.end();
    }
    const out = path.join(tmp, 'recorded.jsonl');
    const config = testConfig({ DATABASE_URL: scratch.url });
    const run = runProcess(
      process.execPath,
      [
        '--import',
        'tsx',
        'scripts/matchday-record.ts',
        '--from',
        recording.header.from,
        '--to',
        recording.header.to,
        '--out',
        out,
      ],
      config,
    );
    expect(await run.exited, run.output()).toBe(0);
    expect(run.output()).toContain(
      '6 players, 4 users, 1 tournaments, 2 games, 12 game_lineups, 1 leagues, 3 league_members, 7 predictions, 1 goal, 1 substitution, 1 card, 2 result',
    );
    const recorded = readRecording(out);
    expect(recorded.seed).toEqual(recording.seed);
    expect(recorded.timeline).toEqual(recording.timeline);
  });
});
