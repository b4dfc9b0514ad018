import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Config } from '../config.ts';
import type { PrismaClient } from '../db/client.ts';
import { createLogger, type Logger } from '../logger.ts';
import { WorkflowStarter } from '../outbox/outbox.ts';
import type { Redis } from '../redis.ts';
import type { MatchProvider } from '../services/settlement/provider.ts';
import { createScoreboards } from '../services/settlement/scoreboards.ts';
import { applySettlement, recordSettlementFailure } from '../services/settlement/settle.ts';
import { createVerification, type DecisionCounts } from '../services/settlement/verification.ts';
import { createWriteRunner } from '../services/write.ts';
import { SettlementFailureTypes } from '../vocabulary.ts';

export interface SettlementActivityDeps {
  prisma: PrismaClient;
  redis: Redis;
  temporal: Client;
  provider: MatchProvider;
  taskQueues: Config['taskQueues'];
  verification: { lookbackHours: number; concurrency: number };
  logger?: Logger;
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

export function createSettlementActivities(deps: SettlementActivityDeps) {
  const { prisma } = deps;
  const logger = deps.logger ?? createLogger('activities', 'silent');
  const scoreboards = createScoreboards(deps);
  const verification = createVerification({
    prisma,
    provider: deps.provider,
    taskQueues: deps.taskQueues,
    runWrite: createWriteRunner({ prisma, starter: new WorkflowStarter({ prisma, temporal: deps.temporal, logger }), temporal: deps.temporal, logger }),
    ...deps.verification,
  });

  return {
    /** Applies one result of one game, exactly once (see services/settlement/settle.ts). */
    async applySettlement(input: { gameId: string; resultHash: string }) {
      const workflowId = Context.current().info.workflowExecution?.workflowId ?? `settle:${input.gameId}:${input.resultHash}`;
      const outcome = await heartbeating(() => timed(() => applySettlement(prisma, { ...input, workflowId })));
      if (outcome.outcome === 'unknown') throw ApplicationFailure.nonRetryable(outcome.reason, SettlementFailureTypes.unknownResult);
      return outcome;
    },

    /** Catches the tournament's Redis boards up with PostgreSQL. */
    async projectScoreboard(input: { tournamentId: string }) {
      return heartbeating(() => timed(() => scoreboards.project(input.tournamentId)));
    },

    /** Rebuilds the tournament's Redis boards from PostgreSQL and swaps them in. */
    async rebuildScoreboard(input: { tournamentId: string }) {
      return heartbeating(() => timed(() => scoreboards.rebuild(input.tournamentId)));
    },

    async recordSettlementFailure(input: { gameId: string; resultHash: string; error: string }): Promise<void> {
      await recordSettlementFailure(prisma, input);
    },

    /** Records the run and answers the games to ask the provider about. */
    async findVerificationCandidates(input: { workflowId: string }): Promise<string[]> {
      const candidates = await verification.candidates();
      await prisma.verificationRun.upsert({
        where: { workflowId: input.workflowId },
        create: { workflowId: input.workflowId, candidates: candidates.length },
        update: { candidates: candidates.length },
      });
      return candidates;
    },

    async verifyGames(input: { runWorkflowId: string; gameIds: string[] }): Promise<DecisionCounts> {
      return heartbeating(() => verification.verifyGames(input.runWorkflowId, input.gameIds));
    },

    async recordVerificationRun(input: { workflowId: string; decisions: DecisionCounts }): Promise<void> {
      await prisma.verificationRun.update({ where: { workflowId: input.workflowId }, data: { decisions: input.decisions } });
    },
  };
}

export type SettlementActivities = ReturnType<typeof createSettlementActivities>;
