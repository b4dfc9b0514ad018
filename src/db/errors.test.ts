import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../test/harness.ts';
import { createPrisma, type PrismaClient } from './client.ts';
import { sqlStateOf } from './errors.ts';

let prisma: PrismaClient;
beforeAll(() => {
  prisma = createPrisma(testConfig().DATABASE_URL);
});
afterAll(async () => {
  await prisma?.$disconnect();
});

describe('sqlStateOf', () => {
  it('finds the SQLSTATE inside Prisma errors from the pg adapter', async () => {
    const err = await prisma.$queryRawUnsafe('SELECT 1/0').catch((e: unknown) => e);
    expect((err as { code: string }).code).toBe('P2010'); // Prisma's code, not a SQLSTATE
    expect(sqlStateOf(err)).toBe('22012');
  });

  it('reads a pg error and ignores what is not a SQLSTATE', () => {
    expect(sqlStateOf({ code: '23505' })).toBe('23505');
    expect(sqlStateOf({ code: 'P0001' })).toBe('P0001'); // PL/pgSQL raise_exception
    expect(sqlStateOf({ code: 'P2024' })).toBeUndefined();
    expect(sqlStateOf(new Error('plain'))).toBeUndefined();
    expect(sqlStateOf(undefined)).toBeUndefined();
  });
});
