import type { Tx } from '../db/client.ts';
import { Prisma } from '../generated/prisma/client.ts';
import type { CardType } from '../shared.ts';
import type { LineupEntry, TimelineEvent } from './timeline.ts';

export interface GameTimeline {
  gameId: string;
  durationMinutes: number;
  eventsVersion: number;
  lineup: LineupEntry[];
  events: TimelineEvent[];
}

/**
 * The game's lineup and every minutes-relevant event, read under a row lock on the game:
 * `FOR UPDATE` for writers (serialises edits of one game), `FOR SHARE` for recalculations.
 */
export async function loadTimeline(
  tx: Tx,
  gameId: string,
  lock: 'FOR UPDATE' | 'FOR SHARE',
): Promise<GameTimeline | null> {
  const games = await tx.$queryRaw<{ duration_minutes: number; events_version: number }[]>`
    SELECT duration_minutes, events_version FROM games WHERE id = ${gameId} ${Prisma.raw(lock)}`;
  const game = games[0];
  if (!game) return null;
  const [lineup, substitutions, cards] = await Promise.all([
    tx.gameLineup.findMany({ where: { gameId }, orderBy: [{ starter: 'desc' }, { playerId: 'asc' }] }),
    tx.substitution.findMany({ where: { gameId } }),
    tx.disciplinaryAction.findMany({ where: { gameId } }),
  ]);
  return {
    gameId,
    durationMinutes: game.duration_minutes,
    eventsVersion: game.events_version,
    lineup: lineup.map(({ playerId, starter }) => ({ playerId, starter })),
    events: [
      ...substitutions.map((s) => ({
        kind: 'substitution' as const,
        id: s.id,
        minute: s.minute,
        recordedAt: s.createdAt,
        seq: s.seq,
        playerOutId: s.playerOutId,
        playerInId: s.playerInId,
      })),
      ...cards.map((c) => ({
        kind: 'card' as const,
        id: c.id,
        minute: c.minute,
        recordedAt: c.createdAt,
        seq: c.seq,
        playerId: c.playerId,
        cardType: cardTypeFromDb(c.cardType),
      })),
    ],
  };
}

/** Prisma spells the enum member `second_yellow`; the API and database say `second-yellow`. */
export function cardTypeFromDb(value: 'yellow' | 'second_yellow' | 'red'): CardType {
  return value === 'second_yellow' ? 'second-yellow' : value;
}

export function cardTypeToDb(value: CardType): 'yellow' | 'second_yellow' | 'red' {
  return value === 'second-yellow' ? 'second_yellow' : value;
}
