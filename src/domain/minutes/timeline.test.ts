import { describe, expect, it } from 'vitest';
import type { CardType } from './cards.ts';
import { calculateMinutes, type LineupEntry, type TimelineEvent } from './timeline.ts';

let clock = 0;
const at = () => new Date(1_700_000_000_000 + clock++ * 1000);
const sub = (minute: number, playerOutId: string, playerInId: string, id = `s${clock}`): TimelineEvent => ({
  kind: 'substitution',
  id,
  minute,
  playerOutId,
  playerInId,
  recordedAt: at(),
  seq: clock,
});
const card = (minute: number, playerId: string, cardType: CardType, id = `c${clock}`): TimelineEvent => ({
  kind: 'card',
  id,
  minute,
  playerId,
  cardType,
  recordedAt: at(),
  seq: clock,
});

const lineup: LineupEntry[] = [
  { playerId: 'a', starter: true },
  { playerId: 'b', starter: true },
  { playerId: 'x', starter: false },
  { playerId: 'y', starter: false },
  { playerId: 'z', starter: false },
];

function minutes(events: TimelineEvent[], durationMinutes = 90): Record<string, number> {
  const result = calculateMinutes({ durationMinutes, lineup, events });
  if (!result.ok) throw new Error(result.error);
  return Object.fromEntries(result.players.map((p) => [p.playerId, p.minutesPlayed]));
}

function failure(events: TimelineEvent[], durationMinutes = 90) {
  const result = calculateMinutes({ durationMinutes, lineup, events });
  if (result.ok) throw new Error('expected an invalid timeline');
  return result;
}

describe('calculateMinutes', () => {
  it('gives starters the full game and the unused bench 0', () => {
    expect(minutes([])).toEqual({ a: 90, b: 90, x: 0, y: 0, z: 0 });
  });

  it('splits minutes at a substitution', () => {
    expect(minutes([sub(60, 'a', 'x')])).toEqual({ a: 60, b: 90, x: 30, y: 0, z: 0 });
  });

  it('follows chains of substitutions', () => {
    expect(minutes([sub(70, 'x', 'y'), sub(30, 'a', 'x')])).toEqual({ a: 30, b: 90, x: 40, y: 20, z: 0 });
  });

  it('ends minutes at a red card and at a second yellow, not at a yellow', () => {
    expect(minutes([card(10, 'a', 'yellow'), card(50, 'a', 'second-yellow'), card(75, 'b', 'red')])).toEqual({
      a: 50,
      b: 75,
      x: 0,
      y: 0,
      z: 0,
    });
  });

  it('counts a substitute sent off after coming on', () => {
    expect(minutes([sub(46, 'a', 'x'), card(80, 'x', 'red')])).toEqual({ a: 46, b: 90, x: 34, y: 0, z: 0 });
  });

  it('uses durationMinutes for extra time', () => {
    expect(minutes([sub(100, 'b', 'z')], 120)).toEqual({ a: 120, b: 100, x: 0, y: 0, z: 20 });
  });

  it('allows substitutions at minute 0 and at the final whistle', () => {
    expect(minutes([sub(0, 'a', 'x'), sub(90, 'b', 'y')])).toEqual({ a: 0, b: 90, x: 90, y: 0, z: 0 });
  });

  it('orders events at the same minute by when they were recorded', () => {
    expect(minutes([sub(60, 'a', 'x'), card(60, 'x', 'red')])).toEqual({ a: 60, b: 90, x: 0, y: 0, z: 0 });
  });

  describe('impossible timelines name the event', () => {
    it('off twice', () => {
      const second = sub(70, 'a', 'y', 'second-off');
      const result = failure([sub(60, 'a', 'x'), second]);
      expect(result.eventId).toBe('second-off');
      expect(result.error).toMatch(
        /substitution second-off \(minute 70\): player a was already substituted off at minute 60/,
      );
    });

    it('on twice', () => {
      const result = failure([sub(60, 'a', 'x'), sub(70, 'b', 'x', 'again')]);
      expect(result).toMatchObject({
        eventId: 'again',
        error: expect.stringMatching(/x already came on at minute 60/),
      });
    });

    it('a starter brought on', () => {
      expect(failure([sub(60, 'a', 'b', 'starter-on')]).eventId).toBe('starter-on');
    });

    it('off before on', () => {
      const result = failure([sub(70, 'a', 'x'), sub(50, 'x', 'y', 'early')]);
      expect(result).toMatchObject({ eventId: 'early', error: expect.stringMatching(/x is not on the pitch/) });
    });

    it('sent off while not on the pitch', () => {
      expect(failure([card(20, 'y', 'red', 'bench-red')]).error).toMatch(/red card bench-red.*y is not on the pitch/);
      expect(failure([sub(30, 'a', 'x'), card(40, 'a', 'second-yellow', 'late')]).eventId).toBe('late');
    });

    it('a substitution involving a player already sent off', () => {
      expect(failure([card(20, 'a', 'red'), sub(30, 'a', 'x', 'off')]).error).toMatch(
        /a was already sent off at minute 20/,
      );
      expect(failure([sub(10, 'a', 'x'), card(20, 'x', 'red'), sub(30, 'b', 'x', 'on')]).eventId).toBe('on');
    });

    it('sent off twice', () => {
      expect(failure([card(20, 'a', 'red'), card(30, 'a', 'red', 'twice')]).eventId).toBe('twice');
    });

    it('a player outside the lineup or a minute outside the game', () => {
      expect(failure([sub(10, 'a', 'stranger', 'who')]).error).toMatch(/stranger is not in the lineup/);
      expect(failure([sub(91, 'a', 'x', 'late')]).error).toMatch(/minute must be between 0 and 90/);
    });
  });
});
