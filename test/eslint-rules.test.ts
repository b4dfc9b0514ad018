// ESLint's guard rails (promises awaited or handled, also when kept for later: tools/eslint-rules.js); these cases prove they fire (a config that
// silently stopped matching would still lint clean). The import rules are test/architecture.test.ts's.
import path from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: root });
});

/** Lints `code` as if it were `src/<folder>/lint-probe.ts` (a name eslint.config.js admits for this). */
async function problems(folder: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, 'src', folder, 'lint-probe.ts') });
  return result!.messages.map((m) => `${m.ruleId}@${m.line}`);
}

describe('eslint guard rails', () => {
  it('wants every promise awaited or handled', async () => {
    const code = [
      'async function save(): Promise<void> {}',
      'export function floating(): void { save(); }',
      'export function misused(items: string[]): void { items.forEach(async () => { await save(); }); if (save()) return; }',
      'export async function fine(): Promise<void> { await save(); save().catch(() => {}); save().then(() => {}, () => {}); }',
      'export function voided(): void { void save(); }',
      '',
    ].join('\n');
    expect(await problems('outbox', code)).toEqual([
      '@typescript-eslint/no-floating-promises@2',
      '@typescript-eslint/no-misused-promises@3',
      '@typescript-eslint/no-misused-promises@3',
      '@typescript-eslint/no-floating-promises@5',
    ]);
  });

  it('wants a promise kept for later handled where it is made (the board writer that ended the settlement worker)', async () => {
    const code = [
      'interface Redis { zadd(key: string, ...args: (string | number)[]): Promise<number> }',
      'export function boardWriter(redis: Redis) {',
      '  const inFlight: Promise<unknown>[] = [];',
      '  const byKey = new Map<string, Promise<number>>();',
      '  return {',
      "    write(key: string): void { inFlight.push(redis.zadd(key, 1, 'u')); },",
      "    remember(key: string): void { byKey.set(key, redis.zadd(key, 1, 'u')); },",
      "    handled(key: string): void { inFlight.push(redis.zadd(key, 1, 'u').catch(() => 0), redis.zadd(key, 1, 'u').then((n) => n, () => 0)); },",
      "    kept(key: string): void { const sent = redis.zadd(key, 1, 'u').then((n) => n, () => 0); inFlight.push(sent.finally(() => {}), sent); },",
      '    async flush(): Promise<void> { await Promise.all(inFlight); },',
      '  };',
      '}',
      '',
    ].join('\n');
    expect(await problems('services', code)).toEqual([
      'fulltime/no-unhandled-stored-promise@6',
      'fulltime/no-unhandled-stored-promise@7',
    ]);
  });

  it('passes code whose promises are all handled', async () => {
    const code =
      "import { NotFoundError } from '../domain/errors.ts';\nimport type { Tx } from '../db/client.ts';\nexport const f = async (_tx: Tx) => { await Promise.resolve(); return new NotFoundError('game', 'x'); };\n";
    expect(await problems('services', code)).toEqual([]);
  });
});
