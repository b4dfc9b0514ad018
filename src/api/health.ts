import type { Client } from '@temporalio/client';
import type { RequestHandler } from 'express';
import type { PrismaClient } from '../db/client.ts';
import type { Redis } from '../redis.ts';

type CheckResult = { status: 'up'; latencyMs: number } | { status: 'down'; error: string };

async function check(probe: () => Promise<unknown>, timeoutMs = 2000): Promise<CheckResult> {
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

/** 200 only when PostgreSQL, Redis and Temporal all answer; the body names each with its state. */
export function readiness(deps: { prisma: PrismaClient; redis: Redis; temporal: Client }): RequestHandler {
  return async (_req, res) => {
    const [postgres, redis, temporal] = await Promise.all([
      check(() => deps.prisma.$queryRaw`SELECT 1`),
      check(() => deps.redis.ping()),
      check(() =>
        deps.temporal.connection.withDeadline(Date.now() + 2000, () =>
          deps.temporal.workflowService.getSystemInfo({}),
        ),
      ),
    ]);
    const checks = { postgres, redis, temporal };
    const ready = Object.values(checks).every((c) => c.status === 'up');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks });
  };
}
