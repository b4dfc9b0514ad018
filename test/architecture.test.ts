// The architecture rules (.dependency-cruiser.cjs, run by `npm run lint`) fire on the imports they
// forbid: each case lays out a small tree of files in a scratch folder and runs the same depcruise
// command with the project's own config on it. A config that silently stopped matching would lint
// the real tree clean, so these are what prove it still guards anything.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from './harness.ts';

let scratch: string;

beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'fulltime-architecture-'));
});

afterAll(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** The rule names depcruise reports for a tree of `files` (path -> source), linted like src/. */
function violations(files: Record<string, string>): string[] {
  const dir = fs.mkdtempSync(path.join(scratch, 'case-'));
  for (const [file, source] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), source);
  }
  fs.copyFileSync(path.join(projectRoot, 'tsconfig.json'), path.join(dir, 'tsconfig.json'));
  // Packages resolve as they do in the project (rules name @temporalio/workflow, ioredis, …).
  fs.symlinkSync(path.join(projectRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const run = spawnSync(
    path.join(projectRoot, 'node_modules', '.bin', 'depcruise'),
    ['src', '--config', path.join(projectRoot, '.dependency-cruiser.cjs'), '--output-type', 'json'],
    { cwd: dir, encoding: 'utf8' },
  );
  if (!run.stdout) throw new Error(`depcruise printed nothing: ${run.stderr}`);
  const result = JSON.parse(run.stdout) as {
    summary: { violations: { rule: { name: string }; from: string; to: string }[] };
  };
  // A package is named from node_modules/ on (the scratch tree reaches the project's through a link).
  const named = (to: string) => to.replace(/^.*?(?=node_modules\/)/, '');
  return result.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${named(v.to)}`).sort();
}

/** A contract and a workflow that uses it the allowed way, for cases to add one bad import to. */
const clean = {
  'src/contracts/stats.ts':
    "import { defineSignal } from '@temporalio/workflow';\nexport const joinRefresh = defineSignal<[string]>('joinRefresh');\nexport interface StatsActivities { run(): Promise<void> }\n",
  'src/workflows/stats.ts':
    "import { proxyActivities, setHandler } from '@temporalio/workflow';\nimport { joinRefresh, type StatsActivities } from '../contracts/stats.ts';\n" +
    "const { run } = proxyActivities<StatsActivities>({ startToCloseTimeout: '1 minute' });\nexport async function statsWorkflow() { setHandler(joinRefresh, () => {}); await run(); }\n",
  'src/activities/stats.ts':
    "import type { StatsActivities } from '../contracts/stats.ts';\nexport const activities: StatsActivities = { async run() {} };\n",
};

describe('architecture rules', () => {
  it('pass a tree that keeps to them', () => {
    expect(violations(clean)).toEqual([]);
  });

  it('fail an activity that imports a workflow', () => {
    expect(
      violations({
        ...clean,
        'src/activities/stats.ts':
          "import { statsWorkflow } from '../workflows/stats.ts';\nexport const started = statsWorkflow;\n",
      }),
    ).toEqual(['activities-not-to-workflows: src/activities/stats.ts -> src/workflows/stats.ts']);
  });

  it('fail an import circle made of type-only imports', () => {
    expect(
      violations({
        'src/services/games.ts':
          "import type { Result } from './results.ts';\nexport interface Game { result?: Result }\n",
        'src/services/results.ts': "import type { Game } from './games.ts';\nexport interface Result { game: Game }\n",
      }),
    ).toEqual(['no-circular: src/services/games.ts -> src/services/results.ts']);
  });

  it('fail workflow code that imports anything but the workflow API, the contracts and workflows', () => {
    expect(
      violations({
        ...clean,
        'src/services/people.ts': 'export const name = (n: string) => n.trim();\n',
        'src/workflows/people.ts':
          "import fs from 'node:fs';\nimport { name } from '../services/people.ts';\nexport async function peopleWorkflow() { return [fs.constants.F_OK, name(' x ')]; }\n",
      }),
    ).toEqual([
      'workflows-are-deterministic: src/workflows/people.ts -> fs',
      'workflows-are-deterministic: src/workflows/people.ts -> src/services/people.ts',
    ]);
  });

  it('fail imports that point up the layers', () => {
    expect(
      violations({
        'src/api/errors.ts': 'export class ApiError extends Error {}\n',
        'src/services/games.ts':
          "import { ApiError } from '../api/errors.ts';\nexport const fail = () => new ApiError('x');\n",
        'src/db/client.ts': "import { fail } from '../services/games.ts';\nexport const client = fail;\n",
        'src/domain/rules.ts': "import { Redis } from 'ioredis';\nexport const store = Redis;\n",
      }),
    ).toEqual([
      'domain-is-pure: src/domain/rules.ts -> node_modules/ioredis/built/index.js',
      'infrastructure-below-services: src/db/client.ts -> src/services/games.ts',
      'services-below-api: src/services/games.ts -> src/api/errors.ts',
    ]);
  });

  it('fail a contract that takes values from the SDK beyond the workflow API', () => {
    expect(
      violations({
        'src/contracts/common.ts':
          "import { defaultPayloadConverter } from '@temporalio/common';\nimport type { SearchAttributePair } from '@temporalio/common';\nexport const converter = defaultPayloadConverter;\nexport type Pair = SearchAttributePair;\n",
        'src/services/use.ts': "import { converter } from '../contracts/common.ts';\nexport const c = converter;\n",
      }),
    ).toEqual([
      'contracts-use-only-the-workflow-api: src/contracts/common.ts -> node_modules/@temporalio/common/lib/index.js',
    ]);
  });

  it('report a file nothing imports and that imports nothing', () => {
    expect(violations({ ...clean, 'src/services/forgotten.ts': 'export const unused = 1;\n' })).toEqual([
      'no-orphans: src/services/forgotten.ts -> src/services/forgotten.ts',
    ]);
  });
});
