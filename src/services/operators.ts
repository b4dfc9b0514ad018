// Operator accounts for the console: people, not a shared token. Passwords are hashed with scrypt
// (node:crypto, a memory-hard KDF; no package needed), each with its own salt, stored with the
// parameters that made it so they can be raised later without breaking existing hashes.
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { PrismaClient } from '../db/client.ts';
import { ConflictError, InvalidInputError, NotFoundError } from '../domain/errors.ts';

export const operatorRoles = ['viewer', 'operator'] as const;
export type OperatorRole = (typeof operatorRoles)[number];

export interface OperatorView {
  username: string;
  role: OperatorRole;
  createdAt: string;
}

/** 2^15 iterations, block size 8: ~50 ms and 32 MiB a hash on a server core. */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, keylen: 32 } as const;
const USERNAME = /^[a-z0-9][a-z0-9._-]{1,62}$/;

function scrypt(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(password, salt, keylen, { ...options, maxmem: 128 * options.N! * options.r! * 2 }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, SCRYPT.keylen, SCRYPT);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await scrypt(password, Buffer.from(salt, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return timingSafeEqual(key, expected);
}

/** A hash to compare against when the username is unknown, so both cases take the same time. */
let decoyHash: Promise<string> | undefined;

export function checkNewOperator(username: string, password: string): void {
  const issues = [];
  if (!USERNAME.test(username))
    issues.push({
      path: 'username',
      message: '2 to 63 characters: lower-case letters, digits, dot, underscore, dash; starting with a letter or digit',
    });
  if (password.length < 12) issues.push({ path: 'password', message: 'at least 12 characters' });
  if (issues.length > 0) throw InvalidInputError.of(issues);
}

export function createOperators(prisma: PrismaClient) {
  return {
    async add(username: string, password: string, role: OperatorRole): Promise<OperatorView> {
      checkNewOperator(username, password);
      if (await prisma.operator.findUnique({ where: { username } }))
        throw new ConflictError('operator_exists', `operator ${username} already exists`);
      const row = await prisma.operator.create({
        data: { username, passwordHash: await hashPassword(password), role },
      });
      return { username: row.username, role: row.role as OperatorRole, createdAt: row.createdAt.toISOString() };
    },

    async remove(username: string): Promise<void> {
      const { count } = await prisma.operator.deleteMany({ where: { username } });
      if (count === 0) throw new NotFoundError('operator', username);
      // Their sessions end with them.
      await prisma.$executeRaw`DELETE FROM operator_sessions WHERE sess->'operator'->>'username' = ${username}`;
    },

    async list(): Promise<OperatorView[]> {
      const rows = await prisma.operator.findMany({ orderBy: { username: 'asc' } });
      return rows.map((r) => ({
        username: r.username,
        role: r.role as OperatorRole,
        createdAt: r.createdAt.toISOString(),
      }));
    },

    /** The operator these credentials name, or null (an unknown name costs as long as a wrong password). */
    async authenticate(username: string, password: string): Promise<OperatorView | null> {
      const row = await prisma.operator.findUnique({ where: { username } });
      if (!row) {
        decoyHash ??= hashPassword(randomBytes(16).toString('hex'));
        await verifyPassword(password, await decoyHash);
        return null;
      }
      if (!(await verifyPassword(password, row.passwordHash))) return null;
      return { username: row.username, role: row.role as OperatorRole, createdAt: row.createdAt.toISOString() };
    },

    /** The operator's role now (a removed one, or one whose role changed, is seen at once). */
    async roleOf(username: string): Promise<OperatorRole | null> {
      const row = await prisma.operator.findUnique({ where: { username }, select: { role: true } });
      return (row?.role as OperatorRole | undefined) ?? null;
    },
  };
}

export type Operators = ReturnType<typeof createOperators>;
