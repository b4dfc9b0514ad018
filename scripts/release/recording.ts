// A recorded matchday: what entered the system in a time window, as one ordered JSON Lines file.
// Line 1 is the header; then the inputs that exist before play (players, users, tournaments, games with
// their lineups, leagues and members, predictions: `{"seed": <table>, "row": {...}}`), then every match
// event and result in the order they were accepted (`{"at": <iso>, "write": {...}}`). Written by
// `npm run matchday:record` from any environment's PostgreSQL (and by `bench:matchday
// --save-recording`), read by `npm run release:check`. Events hold their final state (PostgreSQL keeps
// no edit history); a deleted event is not in the recording.
import fs from 'node:fs';
import type pg from 'pg';

export const RECORDING_FORMAT = 'fulltime-matchday-recording';
export const RECORDING_VERSION = 1;

export interface RecordingHeader {
  format: typeof RECORDING_FORMAT;
  version: typeof RECORDING_VERSION;
  from: string;
  to: string;
  recordedAt: string;
  counts: Record<string, number>;
}

/** Tables seeded before play, in dependency order, with the columns a recording carries. */
export const seedTables = {
  players: ['id', 'name'],
  users: ['id', 'name'],
  tournaments: ['id', 'name'],
  games: [
    'id',
    'home_team',
    'away_team',
    'kickoff_at',
    'duration_minutes',
    'season',
    'tournament_id',
    'provider_game_id',
  ],
  game_lineups: ['game_id', 'player_id', 'starter'],
  leagues: ['id', 'name', 'tournament_id'],
  league_members: ['league_id', 'user_id'],
  predictions: ['game_id', 'user_id', 'home_goals', 'away_goals'],
} as const;
export type SeedTable = keyof typeof seedTables;
export const seedTableNames = Object.keys(seedTables) as SeedTable[];

export type RecordedWrite =
  | { kind: 'substitution'; gameId: string; minute: number; playerOutId: string; playerInId: string }
  | { kind: 'card'; gameId: string; playerId: string; cardType: string; minute: number }
  | { kind: 'goal'; gameId: string; scorerId: string; assistId: string | null; minute: number; ownGoal: boolean }
  | { kind: 'result'; gameId: string; homeGoals: number; awayGoals: number; source: string };

export interface Recording {
  header: RecordingHeader;
  seed: { table: SeedTable; row: Record<string, unknown> }[];
  timeline: { at: string; write: RecordedWrite }[];
}

/** Reads a recording, refusing a file that is not one (or of another format version). */
export function readRecording(file: string): Recording {
  const lines = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  const parse = (line: string, n: number) => {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new Error(`${file}:${n + 1}: not JSON`);
    }
  };
  const header = parse(lines[0] ?? '', 0) as unknown as RecordingHeader;
  if (header.format !== RECORDING_FORMAT || header.version !== RECORDING_VERSION) {
    throw new Error(`${file} is not a matchday recording (format ${RECORDING_FORMAT} version ${RECORDING_VERSION})`);
  }
  const recording: Recording = { header, seed: [], timeline: [] };
  lines.slice(1).forEach((line, i) => {
    const entry = parse(line, i + 1);
    if (typeof entry.seed === 'string' && (seedTableNames as string[]).includes(entry.seed)) {
      recording.seed.push({ table: entry.seed as SeedTable, row: entry.row as Record<string, unknown> });
    } else if (typeof entry.at === 'string' && entry.write) {
      recording.timeline.push({ at: entry.at, write: entry.write as RecordedWrite });
    } else {
      throw new Error(`${file}:${i + 2}: neither a seed row nor a timed write`);
    }
  });
  return recording;
}

export function writeRecording(file: string, recording: Recording): void {
  const lines = [
    JSON.stringify(recording.header),
    ...recording.seed.map((s) => JSON.stringify({ seed: s.table, row: s.row })),
    ...recording.timeline.map((t) => JSON.stringify({ at: t.at, write: t.write })),
  ];
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
}

/**
 * Records the games that kicked off in [from, to) with everything they need: their tournaments,
 * lineups' players, events and results, the predictions on them and their users, the tournaments'
 * leagues and members. Plain SQL, so any environment's database (of a compatible schema) will do.
 */
export async function recordMatchday(db: pg.Pool | pg.Client, from: Date, to: Date): Promise<Recording> {
  const q = async <T extends Record<string, unknown>>(sql: string, params: unknown[] = []) =>
    (await db.query<T>(sql, params)).rows;
  const games = `SELECT id FROM games WHERE kickoff_at >= $1 AND kickoff_at < $2`;
  const tournaments = `SELECT DISTINCT tournament_id FROM games WHERE id IN (${games}) AND tournament_id IS NOT NULL`;
  const window = [from, to];
  const members = `SELECT league_id, user_id FROM league_members WHERE league_id IN (SELECT id FROM leagues WHERE tournament_id IN (${tournaments}))`;
  const cols = (table: SeedTable) => seedTables[table].join(', ');
  const seed: Recording['seed'] = [];
  const add = async (table: SeedTable, where: string) => {
    const rows = await q(
      `SELECT ${cols(table)} FROM ${table} WHERE ${where} ORDER BY ${seedTables[table].slice(0, 2).join(', ')}`,
      window,
    );
    for (const row of rows) seed.push({ table, row: jsonRow(row) });
  };
  await add('players', `id IN (SELECT player_id FROM game_lineups WHERE game_id IN (${games}))`);
  await add(
    'users',
    `id IN (SELECT user_id FROM predictions WHERE game_id IN (${games}) UNION SELECT user_id FROM (${members}) m)`,
  );
  await add('tournaments', `id IN (${tournaments})`);
  await add('games', `id IN (${games})`);
  await add('game_lineups', `game_id IN (${games})`);
  await add('leagues', `tournament_id IN (${tournaments})`);
  await add('league_members', `(league_id, user_id) IN (${members})`);
  await add('predictions', `game_id IN (${games})`);

  const timeline: Recording['timeline'] = [];
  const timed = async (sql: string, toWrite: (row: any) => RecordedWrite) => {
    for (const row of await q(sql, window))
      timeline.push({ at: (row.created_at as Date).toISOString(), write: toWrite(row) });
  };
  await timed(`SELECT * FROM substitutions WHERE game_id IN (${games})`, (r) => ({
    kind: 'substitution',
    gameId: r.game_id,
    minute: r.minute,
    playerOutId: r.player_out_id,
    playerInId: r.player_in_id,
  }));
  await timed(`SELECT * FROM disciplinary_actions WHERE game_id IN (${games})`, (r) => ({
    kind: 'card',
    gameId: r.game_id,
    playerId: r.player_id,
    cardType: r.card_type,
    minute: r.minute,
  }));
  await timed(`SELECT * FROM goals WHERE game_id IN (${games})`, (r) => ({
    kind: 'goal',
    gameId: r.game_id,
    scorerId: r.scorer_id,
    assistId: r.assist_id,
    minute: r.minute,
    ownGoal: r.own_goal,
  }));
  await timed(`SELECT * FROM game_results WHERE game_id IN (${games})`, (r) => ({
    kind: 'result',
    gameId: r.game_id,
    homeGoals: r.home_goals,
    awayGoals: r.away_goals,
    source: r.source,
  }));
  // Accepted order; events of one instant in a fixed order (kind, then content), so two recordings of
  // the same data are the same file.
  timeline.sort((a, b) => a.at.localeCompare(b.at) || JSON.stringify(a.write).localeCompare(JSON.stringify(b.write)));
  const counts: Record<string, number> = {};
  for (const s of seed) counts[s.table] = (counts[s.table] ?? 0) + 1;
  for (const t of timeline) counts[t.write.kind] = (counts[t.write.kind] ?? 0) + 1;
  return {
    header: {
      format: RECORDING_FORMAT,
      version: RECORDING_VERSION,
      from: from.toISOString(),
      to: to.toISOString(),
      recordedAt: new Date().toISOString(),
      counts,
    },
    seed,
    timeline,
  };
}

/** A row as JSON: timestamps as ISO strings, everything else as it is. */
function jsonRow(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]));
}
