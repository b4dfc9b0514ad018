// The lint rules are the guard rails for layering and the workflow sandbox; these cases prove they
// fire (a config that silently stopped matching would still lint clean).
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
  it.each([
    ['services', "import { ApiError } from '../api/errors.ts';\nexport const e = ApiError;\n"],
    ['services', "import express from 'express';\nexport const e = express;\n"],
    ['outbox', "import { createGame } from '../services/games.ts';\nexport const e = createGame;\n"],
    ['temporal', "import { createApp } from '../api/app.ts';\nexport const e = createApp;\n"],
    ['domain', "import { createPrisma } from '../db/client.ts';\nexport const e = createPrisma;\n"],
    ['domain', "import { Redis } from 'ioredis';\nexport const e = Redis;\n"],
    ['activities', "import { createApp } from '../api/app.ts';\nexport const e = createApp;\n"],
  ])('forbids an upward import from %s/', async (folder, code) => {
    expect(await problems(folder, code)).toEqual(['no-restricted-imports@1']);
  });

  it('keeps workflow code to the workflow API, other workflows and types', async () => {
    const code = [
      "import { proxyActivities } from '@temporalio/workflow';",
      "import { ApplicationFailure } from '@temporalio/common';",
      "import type { Trigger } from '../vocabulary.ts';",
      "import type { MinutesActivities } from '../activities/minutes.ts';",
      "import { recalculateMinutesWorkflow } from './minutes.ts';",
      "import { Triggers } from '../vocabulary.ts';",
      "import fs from 'node:fs';",
      "import { createActivities } from '../activities/index.ts';",
      'export const all = [proxyActivities, ApplicationFailure, recalculateMinutesWorkflow, Triggers, fs, createActivities];',
      'export type T = Trigger | MinutesActivities;',
      '',
    ].join('\n');
    expect(await problems('workflows', code)).toEqual(['no-restricted-imports@6', 'no-restricted-imports@7', 'no-restricted-imports@8']);
  });

  it('wants every promise awaited or handled', async () => {
    const code = [
      'async function save(): Promise<void> {}',
      'export function floating(): void { save(); }',
      'export function misused(items: string[]): void { items.forEach(async () => { await save(); }); if (save()) return; }',
      'export async function fine(): Promise<void> { await save(); void save(); save().catch(() => {}); }',
      '',
    ].join('\n');
    expect(await problems('outbox', code)).toEqual([
      '@typescript-eslint/no-floating-promises@2',
      '@typescript-eslint/no-misused-promises@3',
      '@typescript-eslint/no-misused-promises@3',
    ]);
  });

  it('passes code that keeps to the layers', async () => {
    const code = "import { NotFoundError } from '../domain/errors.ts';\nimport type { Tx } from '../db/client.ts';\nexport const f = (_tx: Tx) => new NotFoundError('game', 'x');\n";
    expect(await problems('services', code)).toEqual([]);
  });
});
