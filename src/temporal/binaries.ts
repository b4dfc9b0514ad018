// Where the Temporal binaries come from, in order: an explicit path (TEMPORAL_CLI_PATH /
// TEMPORAL_TEST_SERVER_PATH), the pinned copies in the project's .venv, a `temporal` on PATH, and
// last the SDK's own download (which needs internet access).
import fs from 'node:fs';
import path from 'node:path';

import { projectRoot } from '../paths.ts';

export { projectRoot };
const venvBin = path.join(projectRoot, '.venv', process.platform === 'win32' ? 'Scripts' : 'bin');

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

function resolveBinary(envVar: string, name: string, searchPath: boolean): string | undefined {
  const explicit = process.env[envVar];
  if (explicit) {
    if (!fs.existsSync(explicit)) throw new Error(`${envVar}=${explicit} does not exist`);
    return explicit;
  }
  const pinned = path.join(venvBin, name);
  if (fs.existsSync(pinned)) return pinned;
  return searchPath ? onPath(name) : undefined;
}

/** The `temporal` CLI, or undefined to let the SDK download one. */
export function temporalCliPath(): string | undefined {
  return resolveBinary('TEMPORAL_CLI_PATH', 'temporal', true);
}

/** The time-skipping test server, or undefined to let the SDK download one. */
export function temporalTestServerPath(): string | undefined {
  return resolveBinary('TEMPORAL_TEST_SERVER_PATH', 'temporal-test-server', true);
}

/** The `executable` option of TestWorkflowEnvironment / ephemeral servers. */
export function executableOption(binary: string | undefined) {
  return binary ? ({ type: 'existing-path', path: binary } as const) : ({ type: 'cached-download' } as const);
}

/**
 * How the dev server keeps a SQLite file: WAL with synchronous=normal survives process crashes and
 * is several times faster than the default rollback journal that fsyncs every state change. (Its
 * in-memory mode is slower still under concurrency: one shared-cache connection for every writer.)
 */
export const devServerSqliteArgs = ['--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal'];

/**
 * What the dev server needs for task-queue priority and fairness (contracts/priorities.ts): fairness is
 * behind dynamic config (priority is on by default since server 1.31), and one partition per task
 * queue makes priority order exact rather than per partition (a dev server is one node anyway).
 */
export const devServerPriorityArgs = [
  '--dynamic-config-value',
  'matching.useNewMatcher=true',
  '--dynamic-config-value',
  'matching.enableFairness=true',
  '--dynamic-config-value',
  'matching.numTaskqueueReadPartitions=1',
  '--dynamic-config-value',
  'matching.numTaskqueueWritePartitions=1',
];
