import type { Client } from '@temporalio/client';
import type { PrismaClient } from '../db/client.ts';
import type { Redis } from '../redis.ts';

export type CheckResult = { status: 'up'; latencyMs: number } | { status: 'down'; error: string };

/** Runs `probe` with a deadline: `up` with its latency, or `down` with why. */
export async function check(probe: () => Promise<unknown>, timeoutMs = 2000): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { status: 'up', latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    return { status: 'down', error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

export interface Readiness {
  ready: boolean;
  checks: Record<string, CheckResult>;
}

/** Ready only when PostgreSQL, Redis and Temporal all answer; each check is named with its state. */
export async function checkReadiness(deps: { prisma: PrismaClient; redis: Redis; temporal: Client }): Promise<Readiness> {
  const [postgres, redis, temporal] = await Promise.all([
    check(() => deps.prisma.$queryRaw`SELECT 1`),
    check(() => deps.redis.ping()),
    check(() =>
      deps.temporal.connection.withDeadline(Date.now() + 2000, () => deps.temporal.workflowService.getSystemInfo({})),
    ),
  ]);
  const checks = { postgres, redis, temporal };
  return { ready: Object.values(checks).every((c) => c.status === 'up'), checks };
}
