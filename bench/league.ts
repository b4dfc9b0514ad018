// A realistic league for benchmarks, generated from a fixed seed (the same league every run) and
// written with multi-row INSERTs: 20 teams of 20 players, a double round robin of 38 matchdays per
// season (10 games a matchday), every game with two lineups of 11 starters and 3 substitutes, up to
// three substitutions a side, cards (a few second yellows and reds) and goals (assists, own goals).
// Minutes played come from the real minutes rules (src/domain/minutes/timeline.ts).
import pg from 'pg';
import { calculateMinutes, type TimelineEvent } from '../src/domain/minutes/timeline.ts';

/** mulberry32: a small seeded PRNG, so every run generates the same league. */
export function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: T[]) => items[Math.floor(next() * items.length)]!,
    shuffle: <T>(items: T[]) => {
      const copy = [...items];
      for (let i = copy.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [copy[i], copy[j]] = [copy[j]!, copy[i]!];
      }
      return copy;
    },
  };
}

export interface GeneratedGame {
  id: string;
  season: string;
  kickoffAt: Date;
  home: string[];
  away: string[];
}

export interface LeagueSize {
  seasons: number;
  games: number;
  /** The same players every season (20 a team), unless `careerSeasons` is set. */
  players?: number;
  /**
   * Bounded careers: each squad place changes hands every `careerSeasons` seasons (staggered across
   * places), so no player's history outgrows that however long the league runs, and a league ten times
   * as long has about ten times the players rather than ten times the games per player.
   */
  careerSeasons?: number;
}

type Row = unknown[];

/** INSERT rows in chunks (PostgreSQL takes at most 65,535 parameters a statement). */
export async function insert(
  db: Pick<pg.Client, 'query'> | Pick<pg.Pool, 'query'>,
  table: string,
  columns: string[],
  rows: Row[],
): Promise<void> {
  const perStatement = Math.floor(60_000 / columns.length);
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    const values = chunk
      .map((_, r) => `(${columns.map((_c, c) => `$${r * columns.length + c + 1}`).join(', ')})`)
      .join(', ');
    await db.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${values}`, chunk.flat());
  }
}

const TEAMS = 20;
const SQUAD = 20;

/**
 * Writes a league of `size.players` players and `size.games` ended games over `size.seasons` seasons
 * into the (migrated, empty) database, and answers with how many rows of each kind it wrote.
 */
export async function generateLeague(databaseUrl: string, size: LeagueSize, seed = 20261124) {
  const rng = random(seed);
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const pool = Array.from({ length: size.players ?? TEAMS * SQUAD }, (_, i) => `p${String(i + 1).padStart(4, '0')}`);
    const fixedSquads = Array.from({ length: TEAMS }, (_, t) => pool.filter((_, i) => i % TEAMS === t).slice(0, SQUAD));
    const careers = size.careerSeasons;
    /** Season `s`'s squads: the fixed ones, or each place's holder of that season's generation. */
    const squadsOf = (s: number) =>
      careers === undefined
        ? fixedSquads
        : Array.from({ length: TEAMS }, (_, t) =>
            Array.from(
              { length: SQUAD },
              (_, j) =>
                `p${String(t + 1).padStart(2, '0')}${String(j + 1).padStart(2, '0')}g${Math.floor((s + ((t * SQUAD + j) % careers)) / careers)}`,
            ),
          );
    const players = new Set(careers === undefined ? pool : []);

    const rows = {
      games: [] as Row[],
      lineups: [] as Row[],
      minutes: [] as Row[],
      subs: [] as Row[],
      cards: [] as Row[],
      goals: [] as Row[],
    };
    const gamesPerSeason = Math.ceil(size.games / size.seasons);
    let made = 0;
    for (let s = 0; s < size.seasons && made < size.games; s++) {
      const season = String(2019 + s);
      const start = Date.UTC(2019 + s, 7, 10, 15); // mid-August, 15:00 UTC
      const squads = squadsOf(s);
      for (const squad of squads) for (const id of squad) players.add(id);
      for (let g = 0; g < gamesPerSeason && made < size.games; g++, made++) {
        const matchday = Math.floor(g / (TEAMS / 2));
        const homeTeam = (g * 7 + matchday) % TEAMS;
        const awayTeam = (homeTeam + 1 + (matchday % (TEAMS - 1))) % TEAMS;
        const id = `g${season}-${String(g + 1).padStart(3, '0')}`;
        const kickoffAt = new Date(start + matchday * 7 * 86_400_000 + (g % 3) * 2 * 3_600_000);
        const sides = [homeTeam, awayTeam].map((team) => rng.shuffle(squads[team]!).slice(0, 14));
        const lineup = sides.flatMap((side) => side.map((playerId, i) => ({ playerId, starter: i < 11 })));
        const events: TimelineEvent[] = [];
        let seq = 0;
        const at = (minute: number) => new Date(kickoffAt.getTime() + minute * 60_000);
        const onPitch = new Set(lineup.filter((l) => l.starter).map((l) => l.playerId));

        for (const side of sides) {
          for (let k = 0; k < rng.int(1, 3); k++) {
            const minute = rng.int(46, 85);
            const out = rng.pick(side.slice(0, 11).filter((p) => onPitch.has(p)));
            const into = side[11 + k]!;
            events.push({
              kind: 'substitution',
              id: `${id}-s${seq}`,
              minute,
              playerOutId: out,
              playerInId: into,
              recordedAt: at(minute),
              seq: seq++,
            });
            onPitch.delete(out);
            onPitch.add(into);
          }
        }
        for (let k = 0; k < rng.int(1, 6); k++) {
          const playerId = rng.pick(lineup).playerId;
          const roll = rng.next();
          const cardType = roll < 0.04 ? 'red' : roll < 0.09 ? 'second-yellow' : 'yellow';
          const minute = rng.int(1, 90);
          const event: TimelineEvent = {
            kind: 'card',
            id: `${id}-c${seq}`,
            minute,
            playerId,
            cardType,
            recordedAt: at(minute),
            seq: seq++,
          };
          // Keep the timeline possible: a sending-off only for someone on the pitch at that minute.
          if (cardType === 'yellow' || calculateMinutes({ durationMinutes: 90, lineup, events: [...events, event] }).ok)
            events.push(event);
        }
        const minutes = calculateMinutes({ durationMinutes: 90, lineup, events });
        if (!minutes.ok) throw new Error(`generated an impossible timeline: ${minutes.error}`);
        const appeared = minutes.players.filter((p) => p.minutesPlayed > 0).map((p) => p.playerId);
        const goals = { home: 0, away: 0 };
        for (let k = 0; k < rng.int(0, 6); k++) {
          const ownGoal = rng.next() < 0.03;
          const scorerId = rng.pick(appeared);
          const scorerHome = sides[0]!.includes(scorerId);
          goals[scorerHome !== ownGoal ? 'home' : 'away']++;
          const teammates = appeared.filter((p) => p !== scorerId && sides[scorerHome ? 0 : 1]!.includes(p));
          const assistId = !ownGoal && rng.next() < 0.7 && teammates.length > 0 ? rng.pick(teammates) : null;
          rows.goals.push([`${id}-goal${k}`, id, scorerId, assistId, rng.int(1, 90), ownGoal]);
        }

        rows.games.push([
          id,
          `Team ${homeTeam + 1}`,
          `Team ${awayTeam + 1}`,
          kickoffAt,
          90,
          season,
          'ended',
          goals.home,
          goals.away,
        ]);
        for (const entry of lineup) rows.lineups.push([id, entry.playerId, entry.starter]);
        for (const p of minutes.players) rows.minutes.push([id, p.playerId, p.minutesPlayed, 'calculated', 0]);
        for (const e of events) {
          if (e.kind === 'substitution') rows.subs.push([e.id, id, e.minute, e.playerOutId, e.playerInId]);
          else rows.cards.push([e.id, id, e.playerId, e.cardType, e.minute]);
        }
      }
    }
    await insert(
      db,
      'players',
      ['id', 'name'],
      [...players].map((id) => [id, `Player ${id.slice(1)}`]),
    );
    await insert(
      db,
      'games',
      [
        'id',
        'home_team',
        'away_team',
        'kickoff_at',
        'duration_minutes',
        'season',
        'status',
        'home_goals',
        'away_goals',
      ],
      rows.games,
    );
    await insert(db, 'game_lineups', ['game_id', 'player_id', 'starter'], rows.lineups);
    await insert(
      db,
      'player_minutes',
      ['game_id', 'player_id', 'minutes_played', 'minutes_calculation_method', 'calculated_version'],
      rows.minutes,
    );
    await insert(db, 'substitutions', ['id', 'game_id', 'minute', 'player_out_id', 'player_in_id'], rows.subs);
    await insert(db, 'disciplinary_actions', ['id', 'game_id', 'player_id', 'card_type', 'minute'], rows.cards);
    await insert(db, 'goals', ['id', 'game_id', 'scorer_id', 'assist_id', 'minute', 'own_goal'], rows.goals);
    await db.query('ANALYZE');
    return {
      seasons: size.seasons,
      players: players.size,
      games: rows.games.length,
      lineupRows: rows.lineups.length,
      substitutions: rows.subs.length,
      cards: rows.cards.length,
      goals: rows.goals.length,
    };
  } finally {
    await db.end();
  }
}
