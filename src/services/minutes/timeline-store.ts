import type { Tx } from '../../db/client.ts';
import type { LineupEntry, TimelineEvent } from '../../domain/minutes/timeline.ts';
import { Prisma } from '../../generated/prisma/client.ts';
import type { CardType } from '../../domain/minutes/cards.ts';

export interface GameTimeline {
  gameId: string;
  /** `ended` once a result was posted: a change then is a correction, and starts a stats run too. */
  status: string;
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
  // Two statements on purpose. The lock must come first and alone: a statement that waits for a row
  // lock re-reads that row afterwards, but its subqueries keep the snapshot taken before the wait, so
  // a combined query could pair a new events_version with old events. Once we hold the lock, writers
  // of this game are blocked and the second statement's fresh snapshot matches the version.
  const locked = await tx.$queryRaw<{ status: string; duration_minutes: number; events_version: number }[]>`
    SELECT status, duration_minutes, events_version FROM games WHERE id = ${gameId} ${Prisma.raw(lock)}`;
  const game = locked[0];
  if (!game) return null;
  const [events] = await tx.$queryRaw<TimelineRow[]>`
    SELECT
      (SELECT coalesce(json_agg(json_build_object('playerId', l.player_id, 'starter', l.starter)
                ORDER BY l.starter DESC, l.player_id), '[]') FROM game_lineups l WHERE l.game_id = ${gameId}) AS lineup,
      (SELECT coalesce(json_agg(json_build_object('id', s.id, 'minute', s.minute, 'seq', s.seq, 'recordedAt', s.created_at,
                'playerOutId', s.player_out_id, 'playerInId', s.player_in_id)), '[]') FROM substitutions s WHERE s.game_id = ${gameId}) AS substitutions,
      (SELECT coalesce(json_agg(json_build_object('id', d.id, 'minute', d.minute, 'seq', d.seq, 'recordedAt', d.created_at,
                'playerId', d.player_id, 'cardType', d.card_type)), '[]') FROM disciplinary_actions d WHERE d.game_id = ${gameId}) AS cards`;
  return {
    gameId,
    status: game.status,
    durationMinutes: game.duration_minutes,
    eventsVersion: game.events_version,
    lineup: events!.lineup,
    events: [
      ...events!.substitutions.map((s) => ({
        kind: 'substitution' as const,
        ...s,
        recordedAt: new Date(s.recordedAt),
      })),
      ...events!.cards.map((c) => ({ kind: 'card' as const, ...c, recordedAt: new Date(c.recordedAt) })),
    ],
  };
}

interface TimelineRow {
  lineup: LineupEntry[];
  substitutions: {
    id: string;
    minute: number;
    seq: number;
    recordedAt: string;
    playerOutId: string;
    playerInId: string;
  }[];
  cards: { id: string; minute: number; seq: number; recordedAt: string; playerId: string; cardType: CardType }[];
}

/** Prisma spells the enum member `second_yellow`; the API and database say `second-yellow`. */
export function cardTypeFromDb(value: 'yellow' | 'second_yellow' | 'red'): CardType {
  return value === 'second_yellow' ? 'second-yellow' : value;
}

export function cardTypeToDb(value: CardType): 'yellow' | 'second_yellow' | 'red' {
  return value === 'second-yellow' ? 'second_yellow' : value;
}
