import type { PrismaClient } from '../../db/client.ts';
import { NotFoundError } from '../../domain/errors.ts';
import { lineupInOrder } from '../games.ts';

export type ReportStatus = 'pending' | 'calculated' | 'invalid';

/**
 * The game's minutes report. `status` compares the newest version a recalculation has checked with
 * the game's current eventsVersion: behind means `pending`; caught up means `calculated`, or
 * `invalid` when those events were impossible (the last good minutes are still shown).
 */
export async function getReport(prisma: PrismaClient, gameId: string) {
  // Prisma reads the game and each relation with its own query: one repeatable-read snapshot keeps a
  // recalculation that commits between them from pairing a new checked version with old minutes.
  const [game] = await prisma.$transaction(
    [
      prisma.game.findUnique({
        where: { id: gameId },
        select: { eventsVersion: true, report: true, ...lineupInOrder, minutes: true },
      }),
    ],
    { isolationLevel: 'RepeatableRead' },
  );
  if (!game) throw new NotFoundError('game', gameId);
  const { report } = game;
  const caughtUp = report !== null && report.checkedVersion >= game.eventsVersion;
  const error = caughtUp ? report.error : null;
  const status: ReportStatus = !caughtUp ? 'pending' : error ? 'invalid' : 'calculated';
  const minutes = new Map(game.minutes.map((m) => [m.playerId, m]));
  return {
    gameId,
    eventsVersion: game.eventsVersion,
    calculatedVersion: report?.calculatedVersion ?? null,
    status,
    ...(error ? { error, errorEventId: report!.errorEventId } : {}),
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
