// Match verification: which games to ask the provider about, and what to do with each answer. Every
// decision is stored with its reason; an `ended` one records the result, which starts its
// settlement, in the same transaction as the decision.
import type { Config } from '../../config.ts';
import { RequestedBy } from '../../contracts/common.ts';
import type { DecisionCounts, VerificationDecision } from '../../contracts/settlement.ts';
import type { PrismaClient } from '../../db/client.ts';
import { NotFoundError } from '../../domain/errors.ts';
import { decide } from '../../domain/settlement/verification.ts';
import { recordResult } from '../results.ts';
import type { WriteRunner } from '../write.ts';
import type { MatchProvider } from './provider.ts';

export function createVerification(deps: {
  prisma: PrismaClient;
  provider: MatchProvider;
  runWrite: WriteRunner;
  taskQueues: Config['taskQueues'];
  lookbackHours: number;
  concurrency: number;
}) {
  const { prisma, provider, runWrite } = deps;

  /** One game: ask the provider (no lock held meanwhile), then decide and record under the game's lock. */
  async function verifyOne(runWorkflowId: string, gameId: string): Promise<VerificationDecision | 'already'> {
    const game = await prisma.game.findUnique({ where: { id: gameId }, select: { providerGameId: true } });
    if (!game?.providerGameId) return 'already';
    const answer = await provider.fetchMatch(game.providerGameId);
    const requestId = `verify:${runWorkflowId}:${gameId}`;
    const { body } = await runWrite(
      {
        requestId,
        requestedBy: RequestedBy.verification,
        idempotencyKey: null,
        fingerprint: requestId,
        method: 'VERIFY',
        path: `games/${gameId}`,
      },
      async (scope) => {
        const [current] = await scope.tx.$queryRaw<
          { status: string; home_goals: number | null; away_goals: number | null }[]
        >`
          SELECT status, home_goals, away_goals FROM games WHERE id = ${gameId} FOR UPDATE`;
        const decision = decide(
          { status: current!.status, homeGoals: current!.home_goals, awayGoals: current!.away_goals },
          answer,
        );
        const inserted = await scope.tx.$executeRaw`
          INSERT INTO verification_decisions (run_workflow_id, game_id, decision, reason, provider_status, home_goals, away_goals)
          VALUES (${runWorkflowId}, ${gameId}, ${decision.decision}, ${decision.reason},
                  ${answer.kind === 'match' ? answer.status : null}, ${answer.kind === 'match' ? answer.homeGoals : null}, ${answer.kind === 'match' ? answer.awayGoals : null})
          ON CONFLICT (run_workflow_id, game_id) DO NOTHING`;
        if (inserted === 0) return { status: 200, body: 'already' }; // decided by an earlier attempt of this run
        if (decision.decision === 'ended') {
          await recordResult(
            scope,
            deps.taskQueues,
            gameId,
            { homeGoals: decision.homeGoals, awayGoals: decision.awayGoals },
            'provider',
          );
        }
        return { status: 200, body: decision.decision };
      },
    );
    return body as VerificationDecision | 'already';
  }

  return {
    /** Games of the provider that kicked off inside the look-back window and whose latest result is not settled. */
    async candidates(): Promise<string[]> {
      const rows = await prisma.$queryRaw<{ id: string }[]>`
        SELECT g.id FROM games g
        WHERE g.provider_game_id IS NOT NULL AND g.status <> 'cancelled'
          AND g.kickoff_at <= now() AND g.kickoff_at > now() - make_interval(hours => ${deps.lookbackHours})
          AND NOT EXISTS (
            SELECT 1 FROM match_settlement_ledger l
            WHERE l.game_id = g.id AND l.status = 'applied'
              AND l.result_hash = (SELECT r.result_hash FROM game_results r WHERE r.game_id = g.id ORDER BY r.id DESC LIMIT 1))
        ORDER BY g.kickoff_at, g.id LIMIT 1000`;
      return rows.map((r) => r.id);
    },

    /** Verifies a batch, `concurrency` provider requests at a time; answers the decisions by kind. */
    async verifyGames(runWorkflowId: string, gameIds: string[]): Promise<DecisionCounts> {
      const counts: DecisionCounts = { noop: 0, retry: 0, ended: 0 };
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(deps.concurrency, gameIds.length) }, async () => {
          for (let i = next++; i < gameIds.length; i = next++) {
            const decision = await verifyOne(runWorkflowId, gameIds[i]!);
            if (decision !== 'already') counts[decision]++;
          }
        }),
      );
      return counts;
    },
  };
}

/** A game's verification decisions, newest first (404 for an unknown game). */
export async function listVerificationDecisions(prisma: PrismaClient, gameId: string, limit: number) {
  if (!(await prisma.game.findUnique({ where: { id: gameId }, select: { id: true } })))
    throw new NotFoundError('game', gameId);
  const rows = await prisma.verificationDecision.findMany({
    where: { gameId },
    orderBy: [{ decidedAt: 'desc' }, { id: 'desc' }],
    take: limit,
  });
  return rows.map((r) => ({
    at: r.decidedAt.toISOString(),
    decision: r.decision as VerificationDecision,
    reason: r.reason,
    ...(r.providerStatus ? { providerStatus: r.providerStatus } : {}),
  }));
}
