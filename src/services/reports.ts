import type { PrismaClient } from '../db/client.ts';
import { notFound } from '../api/errors.ts';
import { lineupInOrder } from './games.ts';

export type ReportStatus = 'pending' | 'calculated' | 'invalid';

/**
 * The game's minutes report. `status` compares the newest version a recalculation has checked with
 * the game's current eventsVersion: behind means `pending`; caught up means `calculated`, or
 * `invalid` when those events were impossible (the last good minutes are still shown).
 */
export async function getReport(prisma: PrismaClient, gameId: string) {
  const game = await prisma.game.findUnique({
    where: { id: gameId },
    select: {
      eventsVersion: true,
      report: true,
      ...lineupInOrder,
      minutes: true,
    },
  });
  if (!game) throw notFound('game', gameId);
  const { report } = game;
  const status: ReportStatus =
    !report || report.checkedVersion < game.eventsVersion ? 'pending' : report.error ? 'invalid' : 'calculated';
  const minutes = new Map(game.minutes.map((m) => [m.playerId, m]));
  return {
    gameId,
    eventsVersion: game.eventsVersion,
    calculatedVersion: report?.calculatedVersion ?? null,
    status,
    ...(status === 'invalid' ? { error: report!.error, errorEventId: report!.errorEventId } : {}),
    players: game.lineup.map(({ playerId, starter }) => {
      const row = minutes.get(playerId);
      return {
        playerId,
        starter,
        minutesPlayed: row?.minutesPlayed ?? null,
        minutesCalculationMethod: row?.minutesCalculationMethod ?? null,
      };
    }),
  };
}
