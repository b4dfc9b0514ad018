import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Config } from '../config.ts';
import { settlementWorkflowId, SettlementFailureTypes, type SettlementActivities } from '../contracts/settlement.ts';
import type { PrismaClient } from '../db/client.ts';
import type { Redis } from '../redis.ts';
import type { MatchProvider } from '../services/settlement/provider.ts';
import { createScoreboardProjection } from '../services/settlement/scoreboards/projection.ts';
import { applySettlement, recordSettlementFailure } from '../services/settlement/settle.ts';
import { createVerification } from '../services/settlement/verification.ts';
import type { WriteRunner } from '../services/write.ts';
import { metrics } from '../telemetry/metrics.ts';

export interface SettlementActivityDeps {
  prisma: PrismaClient;
  redis: Redis;
  provider: MatchProvider;
  /** The worker's write runner (its outbox starter drained at shutdown): verification records results through it. */
  runWrite: WriteRunner;
  taskQueues: Config['taskQueues'];
  verification: { lookbackHours: number; concurrency: number };
}

/** `work`'s result with how long it took (the settlement's PostgreSQL and Redis phases, for operators and benchmarks). */
async function timed<T extends object>(work: () => Promise<T>): Promise<T & { durationMs: number }> {
  const started = performance.now();
  const result = await work();
  return { ...result, durationMs: Math.round(performance.now() - started) };
}

/**
 * Runs `work` while heartbeating every 2 s, so that a worker that dies mid-way has its attempt retried
 * elsewhere after the heartbeat timeout, not after the (long) start-to-close timeout.
 */
async function heartbeating<T>(work: () => Promise<T>): Promise<T> {
  const context = Context.current();
  const timer = setInterval(() => context.heartbeat(), 2000);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

export function createSettlementActivities(deps: SettlementActivityDeps): SettlementActivities {
  const { prisma } = deps;
  const scoreboards = createScoreboardProjection(deps);
  const verification = createVerification({
    prisma,
    provider: deps.provider,
    taskQueues: deps.taskQueues,
    runWrite: deps.runWrite,
    ...deps.verification,
  });
  return {
    async applySettlement(input) {
      const workflowId =
        Context.current().info.workflowExecution?.workflowId ?? settlementWorkflowId(input.gameId, input.resultHash);
      const outcome = await heartbeating(() => timed(() => applySettlement(prisma, { ...input, workflowId })));
      if (outcome.outcome === 'unknown')
        throw ApplicationFailure.nonRetryable(outcome.reason, SettlementFailureTypes.unknownResult);
      metrics.settlements.inc({ outcome: outcome.outcome });
      metrics.settlementDuration.observe({ outcome: outcome.outcome }, outcome.durationMs / 1000);
      if (outcome.outcome === 'applied') metrics.predictionsSettled.inc(outcome.predictionsSettled);
      return outcome;
    },

    async projectScoreboard(input) {
      return heartbeating(() => timed(() => scoreboards.project(input.tournamentId)));
    },

    async rebuildScoreboard(input) {
      return heartbeating(() => timed(() => scoreboards.rebuild(input.tournamentId)));
    },

    async recordSettlementFailure(input) {
      await recordSettlementFailure(prisma, input);
      metrics.settlements.inc({ outcome: 'failed' });
    },

    async findVerificationCandidates(input) {
      const candidates = await verification.candidates();
      await prisma.verificationRun.upsert({
        where: { workflowId: input.workflowId },
        create: { workflowId: input.workflowId, candidates: candidates.length },
        update: { candidates: candidates.length },
      });
      return candidates;
    },

    async verifyGames(input) {
      const counts = await heartbeating(() => verification.verifyGames(input.runWorkflowId, input.gameIds));
      for (const [decision, n] of Object.entries(counts)) if (n > 0) metrics.verificationDecisions.inc({ decision }, n);
      return counts;
    },

    async recordVerificationRun(input) {
      await prisma.verificationRun.update({
        where: { workflowId: input.workflowId },
        data: { decisions: input.decisions },
      });
    },
  };
}
