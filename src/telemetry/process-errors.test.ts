// What a Fulltime process does with an error nobody handled (test/fixtures/process-errors-probe.ts):
// an unhandled rejection is logged with its stack and counted, and the process carries on; an
// uncaught exception is logged and counted, the process stops gracefully (its shutdown runs to the
// end) and exits 1.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

describe('process error handlers', () => {
  it('log and count an unhandled rejection and carry on; stop gracefully on an uncaught exception, exit 1', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/process-errors-probe.ts'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    const lines = output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, any>);

    const rejection = lines.find((l) => l.kind === 'unhandled_rejection');
    expect(rejection).toMatchObject({ level: 50, component: 'probe', err: { message: 'a rejection nobody handles' } });
    expect(rejection!.err.stack).toContain('process-errors-probe.ts');
    // It carried on after the rejection: the timer that throws still ran.
    expect(lines.some((l) => l.stillRunning)).toBe(true);
    expect(lines.find((l) => l.kind === 'uncaught_exception')).toMatchObject({
      level: 50,
      component: 'probe',
      err: { message: 'an exception nobody catches' },
    });
    const drained = lines.find((l) => l.drained);
    expect(drained?.counter).toContain('fulltime_process_errors_total{kind="unhandled_rejection"} 1');
    expect(drained?.counter).toContain('fulltime_process_errors_total{kind="uncaught_exception"} 1');
    expect(code).toBe(1);
  }, 30_000);
});
