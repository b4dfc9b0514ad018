// A matchday, generated from a fixed seed: each game's two lineups and its event stream
// (substitutions, cards with a few second yellows and reds, goals, corrections during play and after
// the whistle), and what the minutes must come to, worked out from the generated events alone (not
// the product's rules code).
import type { random } from '../league.ts';

export type Rng = ReturnType<typeof random>;

export type Write =
  | { kind: 'substitution'; minute: number; playerOutId: string; playerInId: string }
  | { kind: 'card'; minute: number; playerId: string; cardType: 'yellow' | 'second-yellow' | 'red' }
  | { kind: 'goal'; minute: number; scorerId: string; assistId?: string; home: boolean; ref: number }
  | { kind: 'goal-correction'; minute: number; ref: number; scorerId: string }
  | { kind: 'goal-minute-fix'; ref: number; minute: number }
  | { kind: 'goal-disallowed'; ref: number };
export interface MatchdayGame {
  id: string;
  home: string[];
  away: string[];
  writes: Write[];
  /** Post-whistle corrections (after the result). */
  after: Write[];
  homeGoals: number;
  awayGoals: number;
  correctedResult?: { homeGoals: number; awayGoals: number };
  goalIds: Map<number, string>;
}

/** One game's events: up to three substitutions a side, cards, goals by players on the pitch at the time. */
export function generateGame(rng: Rng, index: number): MatchdayGame {
  const side = (label: string) => Array.from({ length: 16 }, (_, i) => `md-${index}-${label}-${i}`);
  const home = side('h');
  const away = side('a');
  const writes: Write[] = [];
  // on[player] = [from, to) minutes on the pitch; off when sent off or substituted.
  const on = new Map<string, [number, number]>();
  for (const team of [home, away]) team.slice(0, 11).forEach((p) => on.set(p, [0, 90]));
  for (const team of [home, away]) {
    const bench = team.slice(11);
    const subs = rng.int(1, 3);
    const minutes = Array.from({ length: subs }, () => rng.int(46, 88)).sort((a, b) => a - b);
    for (const [i, minute] of minutes.entries()) {
      const candidates = team.slice(0, 11).filter((p) => on.get(p)![1] === 90 && on.get(p)![0] === 0);
      const out = rng.pick(candidates);
      on.get(out)![1] = minute;
      on.set(bench[i]!, [minute, 90]);
      writes.push({ kind: 'substitution', minute, playerOutId: out, playerInId: bench[i]! });
    }
  }
  const onPitch = (team: string[], minute: number) =>
    team.filter((p) => on.has(p) && on.get(p)![0] < minute && on.get(p)![1] > minute);
  // Cards: about two yellows; one game in eight has a sending-off (a red, or a second yellow).
  for (let c = rng.int(0, 3); c > 0; c--) {
    const minute = rng.int(5, 89);
    const player = rng.pick(onPitch(rng.next() < 0.5 ? home : away, minute));
    if (player) writes.push({ kind: 'card', minute, playerId: player, cardType: 'yellow' });
  }
  if (rng.next() < 0.125) {
    const minute = rng.int(30, 85);
    // Only someone who stays on to the end otherwise: a player sent off cannot be substituted later.
    const player = rng.pick(onPitch(rng.next() < 0.5 ? home : away, minute).filter((p) => on.get(p)![1] === 90));
    if (player) {
      on.get(player)![1] = minute;
      writes.push({ kind: 'card', minute, playerId: player, cardType: rng.next() < 0.5 ? 'red' : 'second-yellow' });
    }
  }
  // A sending-off after a player's substitution off is impossible: drop cards for players already off.
  const valid = writes.filter(
    (w) => w.kind !== 'card' || (on.get(w.playerId)![0] < w.minute && on.get(w.playerId)![1] >= w.minute),
  );
  // Goals by players on the pitch at the minute (stricter than the rules need), an assist half the time.
  const goals: Write[] = [];
  let ref = 0;
  for (let g = rng.int(0, 5); g > 0; g--) {
    const minute = rng.int(1, 89);
    const isHome = rng.next() < 0.55;
    const players = onPitch(isHome ? home : away, minute);
    if (players.length < 2) continue;
    const [scorerId, assistId] = rng.shuffle(players);
    goals.push({
      kind: 'goal',
      minute,
      scorerId: scorerId!,
      ...(rng.next() < 0.5 ? { assistId } : {}),
      home: isHome,
      ref: ref++,
    });
  }
  const goalWrites = goals as Extract<Write, { kind: 'goal' }>[];
  // A correction during play: one goal in ten given to another teammate a minute later.
  const corrections: Write[] = goalWrites
    .filter(() => rng.next() < 0.1)
    .flatMap((goal) => {
      const others = onPitch(goal.home ? home : away, goal.minute).filter(
        (p) => p !== goal.scorerId && p !== goal.assistId,
      );
      return others.length
        ? [
            {
              kind: 'goal-correction' as const,
              minute: Math.min(90, goal.minute + 1),
              ref: goal.ref,
              scorerId: rng.pick(others),
            },
          ]
        : [];
    });
  const homeGoals = goalWrites.filter((g) => g.home).length;
  const awayGoals = goalWrites.length - homeGoals;
  // After the whistle: one game in twenty has a goal's minute fixed; one in fifty a goal disallowed.
  const after: Write[] = [];
  let correctedResult: MatchdayGame['correctedResult'];
  const last = goalWrites.at(-1);
  if (last && rng.next() < 0.05) {
    const minute = Math.max(1, last.minute - 1);
    const players = onPitch(last.home ? home : away, minute);
    if (players.includes(last.scorerId) && (!last.assistId || players.includes(last.assistId)))
      after.push({ kind: 'goal-minute-fix', ref: last.ref, minute });
  } else if (last && rng.next() < 0.02) {
    after.push({ kind: 'goal-disallowed', ref: last.ref });
    correctedResult = { homeGoals: homeGoals - (last.home ? 1 : 0), awayGoals: awayGoals - (last.home ? 0 : 1) };
  }
  return {
    id: `md-game-${index}`,
    home,
    away,
    writes: [...valid, ...goals, ...corrections].sort(
      (a, b) => ('minute' in a ? a.minute : 0) - ('minute' in b ? b.minute : 0),
    ),
    after,
    homeGoals,
    awayGoals,
    ...(correctedResult ? { correctedResult } : {}),
    goalIds: new Map(),
  };
}

/** Minutes played, worked out from the generated events alone (not the product's rules code). */
export function expectedMinutes(game: MatchdayGame): Map<string, number> {
  const minutes = new Map<string, number>();
  const from = new Map<string, number>();
  for (const team of [game.home, game.away]) team.forEach((p, i) => (i < 11 ? from.set(p, 0) : minutes.set(p, 0)));
  const offAt = (player: string, minute: number) => {
    if (from.has(player)) minutes.set(player, minute - from.get(player)!);
    from.delete(player);
  };
  for (const w of [...game.writes].sort((a, b) => ('minute' in a ? a.minute : 0) - ('minute' in b ? b.minute : 0))) {
    if (w.kind === 'substitution') {
      offAt(w.playerOutId, w.minute);
      from.set(w.playerInId, w.minute);
    } else if (w.kind === 'card' && w.cardType !== 'yellow') offAt(w.playerId, w.minute);
  }
  for (const [player, start] of from) minutes.set(player, 90 - start);
  return minutes;
}
