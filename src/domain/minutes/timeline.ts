// Minutes played from a game's lineup and event log (the rules in docs/api.md, "Minutes played").
// Pure: the same function validates writes in the API and computes reports in the recalculation activity.
import { isSendingOff, type CardType } from './cards.ts';

/** A game lasts 1 to this many minutes (extra time and stoppages included); 90 unless said otherwise. */
export const MAX_DURATION_MINUTES = 150;
export const DEFAULT_DURATION_MINUTES = 90;

export interface LineupEntry {
  playerId: string;
  starter: boolean;
}

interface EventBase {
  id: string;
  minute: number;
  /** Orders events at the same minute: earlier-recorded first. */
  recordedAt: Date;
  seq: bigint | number;
}

export interface SubstitutionEvent extends EventBase {
  kind: 'substitution';
  playerOutId: string;
  playerInId: string;
}

export interface CardEvent extends EventBase {
  kind: 'card';
  playerId: string;
  cardType: CardType;
}

export type TimelineEvent = SubstitutionEvent | CardEvent;

export interface PlayerMinutes {
  playerId: string;
  starter: boolean;
  minutesPlayed: number;
}

export type MinutesResult = { ok: true; players: PlayerMinutes[] } | { ok: false; eventId: string; error: string };

interface PlayerState {
  starter: boolean;
  enteredAt: number | null;
  leftAt: number | null;
  leftBecause: 'substituted' | 'sent-off' | null;
  /** The events that brought the player on and took them off (explanations name them). */
  enteredBy: SubstitutionEvent | null;
  leftBy: TimelineEvent | null;
}

/** How a player came on and went off, and by which event: what a report's explanation shows. */
export interface PlayerTimeline {
  playerId: string;
  minutesPlayed: number;
  entered: { minute: number; by: 'starter' | 'substitution'; eventId?: string } | null;
  left: { minute: number; by: 'substitution' | CardType | 'full-time'; eventId?: string } | null;
}

function describe(event: TimelineEvent): string {
  return event.kind === 'substitution'
    ? `substitution ${event.id} (minute ${event.minute})`
    : `${event.cardType} card ${event.id} (minute ${event.minute})`;
}

export function sortEvents(events: TimelineEvent[]): TimelineEvent[] {
  return [...events].sort(
    (a, b) =>
      a.minute - b.minute ||
      a.recordedAt.getTime() - b.recordedAt.getTime() ||
      (a.kind === b.kind ? Number(a.seq) - Number(b.seq) : a.kind === 'substitution' ? -1 : 1),
  );
}

/** Why `state` cannot leave the pitch now, or null when it can. */
function notOnPitch(playerId: string, state: PlayerState): string | null {
  if (state.leftBecause === 'sent-off') return `player ${playerId} was already sent off at minute ${state.leftAt}`;
  if (state.leftBecause === 'substituted') {
    return `player ${playerId} was already substituted off at minute ${state.leftAt}`;
  }
  if (state.enteredAt === null) return `player ${playerId} is not on the pitch (never came on)`;
  return null;
}

/** Minutes played by every lineup player, or the first event that makes the timeline impossible. */
export function calculateMinutes(input: {
  durationMinutes: number;
  lineup: LineupEntry[];
  events: TimelineEvent[];
}): MinutesResult {
  const walked = walkTimeline(input);
  if (!walked.ok) return walked;
  return {
    ok: true,
    players: input.lineup.map(({ playerId, starter }) => ({
      playerId,
      starter,
      minutesPlayed: minutesOf(walked.players.get(playerId)!, input.durationMinutes),
    })),
  };
}

/** Each lineup player's way on and off the pitch, for a timeline that can happen. */
export function explainTimeline(input: {
  durationMinutes: number;
  lineup: LineupEntry[];
  events: TimelineEvent[];
}): { ok: true; players: PlayerTimeline[] } | { ok: false; eventId: string; error: string } {
  const walked = walkTimeline(input);
  if (!walked.ok) return walked;
  const { durationMinutes } = input;
  return {
    ok: true,
    players: input.lineup.map(({ playerId }) => {
      const state = walked.players.get(playerId)!;
      const entered: PlayerTimeline['entered'] =
        state.enteredAt === null
          ? null
          : state.enteredBy
            ? { minute: state.enteredAt, by: 'substitution', eventId: state.enteredBy.id }
            : { minute: 0, by: 'starter' };
      const leftBy = state.leftBy;
      const left: PlayerTimeline['left'] =
        state.enteredAt === null
          ? null
          : leftBy
            ? {
                minute: leftBy.minute,
                by: leftBy.kind === 'substitution' ? 'substitution' : leftBy.cardType,
                eventId: leftBy.id,
              }
            : { minute: durationMinutes, by: 'full-time' };
      return { playerId, minutesPlayed: minutesOf(state, durationMinutes), entered, left };
    }),
  };
}

function minutesOf(state: PlayerState, durationMinutes: number): number {
  return state.enteredAt === null ? 0 : (state.leftAt ?? durationMinutes) - state.enteredAt;
}

/**
 * Walks the events in time order. A starter enters at 0, a substitute at the minute they come on; a
 * player leaves when substituted off or sent off (red or second yellow), or at the final whistle.
 */
function walkTimeline(input: {
  durationMinutes: number;
  lineup: LineupEntry[];
  events: TimelineEvent[];
}): { ok: true; players: Map<string, PlayerState> } | { ok: false; eventId: string; error: string } {
  const { durationMinutes } = input;
  const players = new Map<string, PlayerState>();
  for (const entry of input.lineup) {
    players.set(entry.playerId, {
      starter: entry.starter,
      enteredAt: entry.starter ? 0 : null,
      leftAt: null,
      leftBecause: null,
      enteredBy: null,
      leftBy: null,
    });
  }
  const fail = (event: TimelineEvent) => (reason: string) => ({
    ok: false as const,
    eventId: event.id,
    error: `${describe(event)}: ${reason}`,
  });

  for (const event of sortEvents(input.events)) {
    const refuse = fail(event);
    if (!Number.isInteger(event.minute) || event.minute < 0 || event.minute > durationMinutes) {
      return refuse(`minute must be between 0 and ${durationMinutes}`);
    }
    if (event.kind === 'substitution') {
      if (event.playerOutId === event.playerInId) return refuse('a player cannot replace themselves');
      const out = players.get(event.playerOutId);
      const into = players.get(event.playerInId);
      if (!out) return refuse(`player ${event.playerOutId} is not in the lineup`);
      if (!into) return refuse(`player ${event.playerInId} is not in the lineup`);
      const outProblem = notOnPitch(event.playerOutId, out);
      if (outProblem) return refuse(outProblem);
      if (into.leftBecause === 'sent-off') {
        return refuse(`player ${event.playerInId} was already sent off at minute ${into.leftAt}`);
      }
      if (into.enteredAt !== null) {
        return refuse(`player ${event.playerInId} already came on at minute ${into.enteredAt}`);
      }
      out.leftAt = event.minute;
      out.leftBecause = 'substituted';
      out.leftBy = event;
      into.enteredAt = event.minute;
      into.enteredBy = event;
    } else {
      const player = players.get(event.playerId);
      if (!player) return refuse(`player ${event.playerId} is not in the lineup`);
      if (!isSendingOff(event.cardType)) continue; // a yellow card changes nothing
      const problem = notOnPitch(event.playerId, player);
      if (problem) return refuse(problem);
      player.leftAt = event.minute;
      player.leftBecause = 'sent-off';
      player.leftBy = event;
    }
  }
  return { ok: true, players };
}
