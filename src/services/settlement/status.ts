import type { PrismaClient } from '../../db/client.ts';
import { NotFoundError } from '../../domain/errors.ts';
import type { Redis } from '../../redis.ts';
import { boardVersionKey } from './scoreboards/keys.ts';
import { listVerificationDecisions } from './verification.ts';

export type SettlementStatus = 'not_settled' | 'pending' | 'applied' | 'failed';

/** The settlement of the game's latest result: not settled (no result), pending, applied or failed. */
export async function settlementStatus(prisma: PrismaClient, gameId: string) {
  const game = await prisma.game.findUnique({ where: { id: gameId }, select: { id: true } });
  if (!game) throw new NotFoundError('game', gameId);
  const latest = await prisma.gameResult.findFirst({ where: { gameId }, orderBy: { id: 'desc' } });
  if (!latest)
    return {
      status: 'not_settled' as SettlementStatus,
      resultHash: null,
      homeGoals: null,
      awayGoals: null,
      predictionsSettled: 0,
      appliedAt: null,
    };
  const ledger = await prisma.settlementLedger.findUnique({
    where: { gameId_resultHash: { gameId, resultHash: latest.resultHash } },
  });
  const status: SettlementStatus =
    ledger?.status === 'applied' ? 'applied' : latest.settlementError ? 'failed' : 'pending';
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

/** Everything the console shows of a game's settlement: its results and ledger, its verification, its boards' versions. */
export async function settlementDetail(prisma: PrismaClient, redis: Redis, gameId: string) {
  const game = await prisma.game.findUnique({
    where: { id: gameId },
    select: {
      id: true,
      homeTeam: true,
      awayTeam: true,
      status: true,
      homeGoals: true,
      awayGoals: true,
      kickoffAt: true,
      tournamentId: true,
    },
  });
  if (!game) throw new NotFoundError('game', gameId);
  const [status, results, ledger, decisions, tournament] = await Promise.all([
    settlementStatus(prisma, gameId),
    prisma.gameResult.findMany({ where: { gameId }, orderBy: { id: 'desc' } }),
    prisma.settlementLedger.findMany({ where: { gameId } }),
    listVerificationDecisions(prisma, gameId, 50),
    game.tournamentId
      ? prisma.tournament.findUnique({
          where: { id: game.tournamentId },
          select: { id: true, name: true, scoreboardVersion: true },
        })
      : null,
  ]);
  const byHash = new Map(ledger.map((l) => [l.resultHash, l]));
  let redisVersion: number | null = null;
  let redisError: string | null = null;
  if (tournament) {
    try {
      const value = await redis.get(boardVersionKey(tournament.id));
      redisVersion = value === null ? null : Number(value);
    } catch (err) {
      redisError = (err as Error).message;
    }
  }
  return {
    game,
    status,
    results: results.map((r) => {
      const entry = byHash.get(r.resultHash);
      return {
        resultHash: r.resultHash,
        score: `${r.homeGoals}-${r.awayGoals}`,
        source: r.source,
        postedAt: r.createdAt.toISOString(),
        settlementWorkflowId: r.settlementWorkflowId,
        ledger: entry
          ? {
              status: entry.status,
              predictionsSettled: entry.predictionsSettled,
              appliedAt: entry.appliedAt.toISOString(),
            }
          : null,
        error: r.settlementError,
      };
    }),
    decisions,
    scoreboard: tournament
      ? {
          tournamentId: tournament.id,
          tournamentName: tournament.name,
          postgresVersion: Number(tournament.scoreboardVersion),
          redisVersion,
          redisError,
        }
      : null,
  };
}
