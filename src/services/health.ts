import type { Client } from '@temporalio/client';
import type { PrismaClient } from '../db/client.ts';
import type { Redis } from '../redis.ts';
import type { ScheduleHealth } from './schedules/operations.ts';

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

/** Every schedule present and on time; down names each one that is missing or late. */
async function checkSchedules(health: () => Promise<ScheduleHealth[]>): Promise<void> {
  const problems = (await health()).filter((h) => h.status === 'missing' || h.status === 'late');
  if (problems.length > 0) throw new Error(problems.map((p) => p.detail).join('; '));
}

/**
 * Ready only when PostgreSQL, Redis and Temporal all answer and every registered schedule exists and
 * is on time; each check is named with its state.
 */
export async function checkReadiness(deps: {
  prisma: PrismaClient;
  redis: Redis;
  temporal: Client;
  scheduleHealth: () => Promise<ScheduleHealth[]>;
}): Promise<Readiness> {
  const [postgres, redis, temporal, schedules] = await Promise.all([
    check(() => deps.prisma.$queryRaw`SELECT 1`),
    check(() => deps.redis.ping()),
    check(() =>
      deps.temporal.connection.withDeadline(Date.now() + 2000, () => deps.temporal.workflowService.getSystemInfo({})),
    ),
    check(() => deps.temporal.connection.withDeadline(Date.now() + 2000, () => checkSchedules(deps.scheduleHealth))),
  ]);
  const checks = { postgres, redis, temporal, schedules };
  return { ready: Object.values(checks).every((c) => c.status === 'up'), checks };
}
