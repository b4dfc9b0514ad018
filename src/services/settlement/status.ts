import type { PrismaClient } from '../../db/client.ts';
import { NotFoundError } from '../../domain/errors.ts';

export type SettlementStatus = 'not_settled' | 'pending' | 'applied' | 'failed';

/** The settlement of the game's latest result: not settled (no result), pending, applied or failed. */
export async function settlementStatus(prisma: PrismaClient, gameId: string) {
  const game = await prisma.game.findUnique({ where: { id: gameId }, select: { id: true } });
  if (!game) throw new NotFoundError('game', gameId);
  const latest = await prisma.gameResult.findFirst({ where: { gameId }, orderBy: { id: 'desc' } });
  if (!latest) return { status: 'not_settled' as SettlementStatus, resultHash: null, homeGoals: null, awayGoals: null, predictionsSettled: 0, appliedAt: null };
  const ledger = await prisma.settlementLedger.findUnique({ where: { gameId_resultHash: { gameId, resultHash: latest.resultHash } } });
  const status: SettlementStatus = ledger?.status === 'applied' ? 'applied' : latest.settlementError ? 'failed' : 'pending';
  return {
    status,
    resultHash: latest.resultHash,
    homeGoals: latest.homeGoals,
    awayGoals: latest.awayGoals,
    predictionsSettled: ledger?.predictionsSettled ?? 0,
    appliedAt: ledger?.status === 'applied' ? ledger.appliedAt.toISOString() : null,
    ...(status === 'failed' ? { error: latest.settlementError } : {}),
  };
}
