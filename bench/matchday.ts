// `npm run bench:matchday`: a whole matchday at once, every process as production runs it (the API,
// one worker process per task queue, a Temporal dev server, PostgreSQL, Redis), self-contained (its
// own database fulltime_bench_matchday, recreated; its own dev server on a fresh SQLite file; its own Redis prefix).
//   - MATCHDAY_GAMES games (300) kick off together on a compressed clock: MATCHDAY_SECONDS (120) for
//     90 minutes. Each has two lineups and an event stream from a fixed seed: substitutions, cards
//     (a few second yellows and reds), goals, a few corrections during play (a goal given to
//     another scorer) and after the whistle (a goal's minute fixed; a goal disallowed, which corrects
//     the result).
//   - MATCHDAY_USERS users (50,000) in 200 leagues of the one tournament, each with predictions on 3
//     of the games.
//   - At full time every result is posted within 5 s; readers hit the scoreboard, ranks, league boards
//     and reports at MATCHDAY_READ_RATE (100) requests/s throughout (autocannon, its own process).
//   - Everything must be on the boards and settled within MATCHDAY_DRAIN_SECONDS (600) of the last result.
//   - A worker process that dies is started again, as its Deployment would; the table counts restarts.
// It ends by checking everything (every report fresh and right, every result settled once, every
// prediction's points, Redis equal to PostgreSQL for every board, stats equal to a recompute), prints
// one table, and saves it with a Prometheus view of the run (a real Prometheus scraped every process
// each second) to bench/results/matchday-<games>.json.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { stringify } from 'yaml';
import { loadConfigOrExit, type Config } from '../src/config.ts';
import { applyMigrations, dropDatabase, ensureDatabase } from '../src/db/migrate.ts';
import { boardScore } from '../src/domain/settlement/ranking.ts';
import { projectRoot } from '../src/paths.ts';
import { createRedis, deleteKeysUnder } from '../src/redis.ts';
import { aggregations, unscoped, upsertAndPrune } from '../src/services/stats/aggregations.ts';
import { boardVersionKey, leagueBoardKey, tournamentBoardKey } from '../src/services/settlement/scoreboards/keys.ts';
import { freePort } from '../src/workers/telemetry.ts';
import { insert, random } from './league.ts';
import { startBenchStack, startBenchTemporal } from './stack.ts';

const GAMES = Number(process.env.MATCHDAY_GAMES ?? 300);
const SECONDS = Number(process.env.MATCHDAY_SECONDS ?? 120);
const USERS = Number(process.env.MATCHDAY_USERS ?? 50_000);
const READ_RATE = Number(process.env.MATCHDAY_READ_RATE ?? 100);
/** How long after the last result everything may take to be on the boards and settled, before the run gives up. */
const DRAIN_MS = Number(process.env.MATCHDAY_DRAIN_SECONDS ?? 600) * 1000;
const LEAGUES = 200;
const PREDICTIONS_PER_USER = 3;
const IN_FLIGHT = 64;
const say = (line: string) => console.log(`[bench:matchday] ${line}`);
const percentile = (values: number[], p: number) => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
const round = (n: number) => Math.round(n);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- the stack -------------------------------------------------------------------------------
const base = loadConfigOrExit('bench:matchday');
const databaseUrl = new URL(base.DATABASE_URL);
databaseUrl.pathname = '/fulltime_bench_matchday';
say(`recreating ${databaseUrl.pathname.slice(1)}; ${GAMES} games, ${USERS} users, ${SECONDS} s for 90 minutes`);
await dropDatabase(databaseUrl.toString());
await ensureDatabase(databaseUrl.toString());
await applyMigrations(databaseUrl.toString());
const db = new pg.Client({ connectionString: databaseUrl.toString() });
await db.connect();
const server = await startBenchTemporal();
const prefix = `fulltime:bench:matchday:${randomUUID().slice(0, 8)}:`;
const config: Config = {
  ...base,
  DATABASE_URL: databaseUrl.toString(),
  REDIS_KEY_PREFIX: prefix,
  TEMPORAL_ADDRESS: server.address,
  temporalConnection: { ...base.temporalConnection, address: server.address },
};
const redis = createRedis(config.REDIS_URL, prefix);
const stack = await startBenchStack(config);
const prometheus = await startPrometheus([stack.apiMetrics, ...stack.workerMetrics]);
const headers = { 'content-type': 'application/json', authorization: `Bearer ${config.API_TOKEN}` };

/** One API call; answers status, body, and when it was sent and answered (ms since the epoch). */
async function call(method: string, url: string, body?: unknown, key?: string) {
  const sentAt = Date.now();
  const res = await fetch(`${stack.baseUrl}${url}`, { method, headers: { ...headers, ...(key ? { 'idempotency-key': key } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = (await res.json()) as any;
  return { status: res.status, body: json, sentAt, doneAt: Date.now() };
}
async function must(method: string, url: string, body?: unknown, key?: string) {
  const res = await call(method, url, body, key);
  if (res.status >= 300) throw new Error(`${method} ${url} -> ${res.status} ${JSON.stringify(res.body)}`);
  return res;
}
/** Runs `tasks` with at most `limit` at once. */
async function pool<T>(items: T[], limit: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await task(items[i]!, i);
    }
  }));
}

// ---- a matchday, generated -------------------------------------------------------------------
const rng = random(20261201);
type Write =
  | { kind: 'substitution'; minute: number; playerOutId: string; playerInId: string }
  | { kind: 'card'; minute: number; playerId: string; cardType: 'yellow' | 'second-yellow' | 'red' }
  | { kind: 'goal'; minute: number; scorerId: string; assistId?: string; home: boolean; ref: number }
  | { kind: 'goal-correction'; minute: number; ref: number; scorerId: string }
  | { kind: 'goal-minute-fix'; ref: number; minute: number }
  | { kind: 'goal-disallowed'; ref: number };
interface MatchdayGame {
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
function generateGame(index: number): MatchdayGame {
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
  const onPitch = (team: string[], minute: number) => team.filter((p) => on.has(p) && on.get(p)![0] < minute && on.get(p)![1] > minute);
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
  const valid = writes.filter((w) => w.kind !== 'card' || (on.get(w.playerId)![0] < w.minute && on.get(w.playerId)![1] >= w.minute));
  // Goals by players on the pitch at the minute (stricter than the rules need), an assist half the time.
  const goals: Write[] = [];
  let ref = 0;
  for (let g = rng.int(0, 5); g > 0; g--) {
    const minute = rng.int(1, 89);
    const isHome = rng.next() < 0.55;
    const players = onPitch(isHome ? home : away, minute);
    if (players.length < 2) continue;
    const [scorerId, assistId] = rng.shuffle(players);
    goals.push({ kind: 'goal', minute, scorerId: scorerId!, ...(rng.next() < 0.5 ? { assistId } : {}), home: isHome, ref: ref++ });
  }
  const goalWrites = goals as Extract<Write, { kind: 'goal' }>[];
  // A correction during play: one goal in ten given to another teammate a minute later.
  const corrections: Write[] = goalWrites.filter(() => rng.next() < 0.1).flatMap((goal) => {
    const others = onPitch(goal.home ? home : away, goal.minute).filter((p) => p !== goal.scorerId && p !== goal.assistId);
    return others.length ? [{ kind: 'goal-correction' as const, minute: Math.min(90, goal.minute + 1), ref: goal.ref, scorerId: rng.pick(others) }] : [];
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
    if (players.includes(last.scorerId) && (!last.assistId || players.includes(last.assistId))) after.push({ kind: 'goal-minute-fix', ref: last.ref, minute });
  } else if (last && rng.next() < 0.02) {
    after.push({ kind: 'goal-disallowed', ref: last.ref });
    correctedResult = { homeGoals: homeGoals - (last.home ? 1 : 0), awayGoals: awayGoals - (last.home ? 0 : 1) };
  }
  return { id: `md-game-${index}`, home, away, writes: [...valid, ...goals, ...corrections].sort((a, b) => ('minute' in a ? a.minute : 0) - ('minute' in b ? b.minute : 0)), after, homeGoals, awayGoals, ...(correctedResult ? { correctedResult } : {}), goalIds: new Map() };
}

/** Minutes played, worked out from the generated events alone (not the product's rules code). */
function expectedMinutes(game: MatchdayGame): Map<string, number> {
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

const games = Array.from({ length: GAMES }, (_, i) => generateGame(i));

// ---- seeding: players, games (through the API), users, leagues, predictions (SQL) -------------
const started = performance.now();
const tournament = (await must('POST', '/api/tournaments', { name: 'Matchday' })).body.id as string;
await insert(db, 'players', ['id', 'name'], games.flatMap((g) => [...g.home, ...g.away].map((p) => [p, p])));
const kickoffAt = new Date(Date.now() + 5 * 60_000).toISOString(); // predictions close at kickoff; it is "now" on the compressed clock
await pool(games, 16, async (game) => {
  const lineup = [...game.home, ...game.away].map((playerId, i) => ({ playerId, starter: i % 16 < 11 }));
  const created = await must('POST', '/api/games', { homeTeam: `Home ${game.id}`, awayTeam: `Away ${game.id}`, kickoffAt, durationMinutes: 90, tournamentId: tournament, lineup }, `md:create:${game.id}`);
  game.id = created.body.id as string;
});
const userIds = Array.from({ length: USERS }, (_, i) => `md-u${String(i).padStart(7, '0')}`);
const leagueIds = Array.from({ length: LEAGUES }, (_, i) => `md-league-${i}`);
await insert(db, 'users', ['id', 'name'], userIds.map((id) => [id, id]));
await insert(db, 'leagues', ['id', 'name', 'tournament_id'], leagueIds.map((id) => [id, id, tournament]));
await insert(db, 'league_members', ['league_id', 'user_id', 'version'], userIds.map((id, i) => [leagueIds[i % LEAGUES]!, id, 0]));
/** `n` distinct games for one user, drawn from the seeded generator. */
const distinctGames = (n: number) => {
  const picked = new Set<number>();
  while (picked.size < Math.min(n, games.length)) picked.add(rng.int(0, games.length - 1));
  return [...picked].map((i) => games[i]!);
};
const predictions: [string, string, number, number][] = userIds.flatMap((userId) =>
  distinctGames(PREDICTIONS_PER_USER).map((g) => [g.id, userId, rng.int(0, 3), rng.int(0, 3)] as [string, string, number, number]));
for (let i = 0; i < predictions.length; i += 100_000) await insert(db, 'predictions', ['game_id', 'user_id', 'home_goals', 'away_goals'], predictions.slice(i, i + 100_000));
await db.query('ANALYZE');
await waitQuiet(600_000); // the games' first recalculations
const seededMs = performance.now() - started;
say(`seeded ${GAMES} games, ${USERS} users, ${predictions.length} predictions, ${LEAGUES} leagues in ${round(seededMs)} ms`);

// ---- the matchday ----------------------------------------------------------------------------
const writeLatencies: number[] = [];
const resultLatencies: number[] = [];
const recalculationSent = new Map<string, number>(); // workflow ID -> when its write was sent
let peakOutbox = 0;
const outboxSampler = setInterval(() => {
  void db.query<{ n: string }>('SELECT count(*) AS n FROM workflow_outbox WHERE dispatched_at IS NULL').then(({ rows }) => (peakOutbox = Math.max(peakOutbox, Number(rows[0]!.n))), () => {});
}, 250);

async function send(game: MatchdayGame, write: Write, key: string) {
  const url = `/api/games/${game.id}`;
  let res;
  if (write.kind === 'substitution') res = await must('POST', `${url}/substitutions`, { minute: write.minute, playerOutId: write.playerOutId, playerInId: write.playerInId }, key);
  else if (write.kind === 'card') res = await must('POST', `${url}/disciplinary-actions`, { playerId: write.playerId, cardType: write.cardType, minute: write.minute }, key);
  else if (write.kind === 'goal') {
    res = await must('POST', `${url}/goals`, { scorerId: write.scorerId, ...(write.assistId ? { assistId: write.assistId } : {}), minute: write.minute }, key);
    game.goalIds.set(write.ref, res.body.goal.id);
  } else if (write.kind === 'goal-correction') res = await must('PUT', `${url}/goals/${game.goalIds.get(write.ref)}`, { scorerId: write.scorerId, assistId: null }, key);
  else if (write.kind === 'goal-minute-fix') res = await must('PUT', `${url}/goals/${game.goalIds.get(write.ref)}`, { minute: write.minute }, key);
  else res = await must('DELETE', `${url}/goals/${game.goalIds.get(write.ref)}`, undefined, key);
  writeLatencies.push(res.doneAt - res.sentAt);
  const recalculation = res.body?.recalculation?.workflowId as string | undefined;
  if (recalculation) recalculationSent.set(recalculation, res.sentAt);
}

const readers = startReaders(SECONDS + 30);
const t0 = Date.now();
const msPerMinute = (SECONDS * 1000) / 90;
// Every write at its minute on the compressed clock (spread within the minute), at most IN_FLIGHT at once.
const timeline = games.flatMap((game) => game.writes.map((write, n) => ({ game, write, n, at: (('minute' in write ? write.minute : 0) + rng.next()) * msPerMinute })))
  .sort((a, b) => a.at - b.at);
// Writes of one game go in order (a correction after its goal): one chain per game.
const chains = new Map<string, Promise<void>>();
let inFlight = 0;
for (const { game, write, n, at } of timeline) {
  const wait = t0 + at - Date.now();
  if (wait > 0) await sleep(wait);
  while (inFlight >= IN_FLIGHT) await sleep(5);
  inFlight++;
  const chained = (chains.get(game.id) ?? Promise.resolve()).then(() => send(game, write, `md:${game.id}:${n}`)).finally(() => inFlight--);
  chains.set(game.id, chained);
}
await Promise.all(chains.values());
const writesDoneAt = Date.now();
// Full time: every result within 5 s.
const fullTime = t0 + SECONDS * 1000;
if (fullTime > Date.now()) await sleep(fullTime - Date.now());
const resultSent = new Map<string, number>();
await pool(games.map((g) => ({ g, at: rng.next() * 5000 })).sort((a, b) => a.at - b.at), IN_FLIGHT, async ({ g, at }) => {
  const wait = fullTime + at - Date.now();
  if (wait > 0) await sleep(wait);
  const res = await must('POST', `/api/games/${g.id}/result`, { homeGoals: g.homeGoals, awayGoals: g.awayGoals }, `md:result:${g.id}`);
  resultLatencies.push(res.doneAt - res.sentAt);
  resultSent.set(g.id, res.sentAt);
});
// After the whistle: the corrections, then the corrected results, 10 s later.
await sleep(Math.max(0, fullTime + 10_000 - Date.now()));
await pool(games.filter((g) => g.after.length > 0), 16, async (g) => {
  for (const [n, write] of g.after.entries()) await send(g, write, `md:${g.id}:after:${n}`);
  if (g.correctedResult) {
    const res = await must('POST', `/api/games/${g.id}/result`, g.correctedResult, `md:result:${g.id}:corrected`);
    resultSent.set(g.id, res.sentAt);
  }
});
const lastResultAt = Date.now();

// Result to board: a game is on the boards once Redis reflects the tournament's version as it was
// when its settlement was seen applied (polled every 100 ms: an upper bound, to 100 ms).
const boardAt = new Map<string, number>();
const seenApplied = new Map<string, number>(); // game -> tournament version when seen applied
while (boardAt.size < games.length) {
  const { rows } = await db.query<{ game_id: string; home_goals: number; away_goals: number; version: string }>(
    `SELECT l.game_id, l.home_goals, l.away_goals, t.scoreboard_version AS version FROM match_settlement_ledger l
     JOIN tournaments t ON t.id = $1 WHERE l.status = 'applied'`, [tournament]);
  for (const row of rows) {
    const game = games.find((g) => g.id === row.game_id)!;
    const final = game.correctedResult ?? { homeGoals: game.homeGoals, awayGoals: game.awayGoals };
    if (row.home_goals === final.homeGoals && row.away_goals === final.awayGoals && !seenApplied.has(row.game_id)) seenApplied.set(row.game_id, Number(row.version));
  }
  const redisVersion = Number((await redis.get(boardVersionKey(tournament))) ?? -1);
  const now = Date.now();
  for (const [gameId, version] of seenApplied) if (!boardAt.has(gameId) && redisVersion >= version) boardAt.set(gameId, now);
  if (now - lastResultAt > DRAIN_MS) throw new Error(`after ${DRAIN_MS / 1000} s only ${boardAt.size} of ${games.length} games are on the boards`);
  await sleep(100);
}
await waitQuiet(DRAIN_MS);
const settledAndFreshAt = Date.now();
clearInterval(outboxSampler);
const reads = await readers;
say(`matchday done: last result ${round(lastResultAt - t0)} ms after kickoff, everything settled and fresh ${round(settledAndFreshAt - lastResultAt)} ms later`);

// ---- what Temporal recorded ------------------------------------------------------------------
const closedAt = new Map<string, number>();
for await (const run of server.client.workflow.list({ query: "WorkflowType = 'recalculateMinutesWorkflow'" })) {
  if (run.closeTime) closedAt.set(run.workflowId, run.closeTime.getTime());
}
const triggerToFresh = [...recalculationSent].map(([id, sentAt]) => closedAt.get(id)! - sentAt).filter(Number.isFinite);
const count = async (query: string) => (await server.client.workflow.count(query)).count;
const statsTriggers = await count("WorkflowType = 'statsWorkflow'");
const statsRefreshes = await count("WorkflowType = 'statsRefreshWorkflow'");
const resultToBoard = games.map((g) => boardAt.get(g.id)! - resultSent.get(g.id)!);

// ---- checks ----------------------------------------------------------------------------------
const checks: Record<string, string> = {};
const check = (name: string, ok: boolean, detail: string) => {
  checks[name] = `${ok ? 'ok' : 'FAILED'}: ${detail}`;
  if (!ok) process.exitCode = 1;
};
{
  const { rows } = await db.query<{ game_id: string; player_id: string; minutes_played: number; fresh: boolean }>(
    `SELECT m.game_id, m.player_id, m.minutes_played, (r.calculated_version = g.events_version AND r.error IS NULL) AS fresh
     FROM player_minutes m JOIN game_reports r ON r.game_id = m.game_id JOIN games g ON g.id = m.game_id WHERE g.tournament_id = $1`, [tournament]);
  const byGame = new Map<string, Map<string, number>>();
  let stale = 0;
  for (const row of rows) {
    if (!row.fresh) stale++;
    (byGame.get(row.game_id) ?? byGame.set(row.game_id, new Map()).get(row.game_id)!).set(row.player_id, row.minutes_played);
  }
  const wrong = games.filter((g) => {
    const got = byGame.get(g.id);
    return !got || [...expectedMinutes(g)].some(([player, minutes]) => got.get(player) !== minutes);
  });
  check('reports', stale === 0 && wrong.length === 0, `${games.length - wrong.length} of ${games.length} reports fresh and right (${stale} stale rows)`);
}
{
  // One ledger entry per posted result, never two; each game's final result applied. An earlier
  // result is applied, or skipped when its settlement ran after the correction had been posted.
  const finals = games.map((g) => [g.id, (g.correctedResult ?? g).homeGoals, (g.correctedResult ?? g).awayGoals]);
  await db.query('CREATE TEMP TABLE finals (game_id text, home int, away int)');
  await insert(db, 'finals', ['game_id', 'home', 'away'], finals);
  const { rows: [ledger] } = await db.query<{ entries: string; results: string; final_applied: string }>(`
    SELECT (SELECT count(*) FROM match_settlement_ledger) AS entries,
           (SELECT count(DISTINCT (game_id, result_hash)) FROM match_settlement_ledger) AS results,
           (SELECT count(*) FROM finals f WHERE EXISTS (SELECT 1 FROM match_settlement_ledger l WHERE l.game_id = f.game_id
              AND l.home_goals = f.home AND l.away_goals = f.away AND l.status = 'applied')) AS final_applied`);
  const posted = games.length + games.filter((g) => g.correctedResult).length;
  check('settled once', Number(ledger!.entries) === posted && Number(ledger!.results) === posted && Number(ledger!.final_applied) === games.length,
    `${ledger!.entries} ledger entries for ${posted} posted results (${ledger!.results} distinct); ${ledger!.final_applied} of ${games.length} final results applied`);
  // Points by the rules (3 exact, 1 outcome), worked out here in SQL over the final results.
  const { rows: [points] } = await db.query<{ wrong: string; totals_wrong: string }>(`
    WITH expected AS (
      SELECT p.user_id, p.game_id, CASE WHEN p.home_goals = f.home AND p.away_goals = f.away THEN 3
                                        WHEN sign(p.home_goals - p.away_goals) = sign(f.home - f.away) THEN 1 ELSE 0 END AS points
      FROM predictions p JOIN finals f ON f.game_id = p.game_id)
    SELECT (SELECT count(*) FROM expected e JOIN predictions p USING (user_id, game_id) WHERE p.points IS DISTINCT FROM e.points) AS wrong,
           (SELECT count(*) FROM (SELECT user_id, sum(points) AS points, count(*) FILTER (WHERE points = 3) AS exact FROM expected GROUP BY user_id) e
              FULL JOIN (SELECT user_id, points, exact_count FROM user_tournament_totals WHERE tournament_id = $1) t USING (user_id)
              WHERE t.points IS DISTINCT FROM e.points OR t.exact_count IS DISTINCT FROM e.exact) AS totals_wrong`, [tournament]);
  check('points', Number(points!.wrong) === 0 && Number(points!.totals_wrong) === 0, `${predictions.length} predictions: ${points!.wrong} with wrong points, ${points!.totals_wrong} wrong totals`);
}
{
  const { rows: totals } = await db.query<{ user_id: string; points: number; exact_count: number }>('SELECT user_id, points, exact_count FROM user_tournament_totals WHERE tournament_id = $1', [tournament]);
  const want = new Map(totals.map((t) => [t.user_id, boardScore(t.points, t.exact_count)]));
  const board = await redis.zrange(tournamentBoardKey(tournament), 0, -1, 'WITHSCORES');
  let differ = Math.abs(board.length / 2 - want.size);
  for (let i = 0; i < board.length; i += 2) if (want.get(board[i]!) !== Number(board[i + 1])) differ++;
  const { rows: members } = await db.query<{ league_id: string; user_id: string }>('SELECT league_id, user_id FROM league_members');
  const byLeague = new Map<string, string[]>();
  for (const m of members) (byLeague.get(m.league_id) ?? byLeague.set(m.league_id, []).get(m.league_id)!).push(m.user_id);
  let leaguesDiffer = 0;
  for (const [leagueId, users] of byLeague) {
    const got = await redis.zrange(leagueBoardKey(leagueId), 0, -1, 'WITHSCORES');
    const expected = users.filter((u) => want.has(u));
    if (got.length / 2 !== expected.length || expected.some((u) => { const i = got.indexOf(u); return i < 0 || Number(got[i + 1]) !== want.get(u); })) leaguesDiffer++;
  }
  check('boards', differ === 0 && leaguesDiffer === 0, `tournament board: ${differ} members differ from PostgreSQL; ${leaguesDiffer} of ${byLeague.size} league boards differ`);
}
{
  // Each table aggregation brings its table to what a recompute from scratch says and answers how many
  // rows it had to change: after the matchday that must be none. The views are compared by content.
  const changed: string[] = [];
  for (const [name, aggregation] of Object.entries(aggregations)) {
    const { rows } = await db.query<{ rows: string }>(upsertAndPrune('view' in aggregation ? aggregation.totals : aggregation, unscoped));
    if (Number(rows[0]!.rows) > 0) changed.push(`${name} (${rows[0]!.rows} rows)`);
    if ('view' in aggregation) {
      const digest = async () => (await db.query<{ d: string }>(`SELECT md5(coalesce(string_agg(v::text, ',' ORDER BY v::text), '')) AS d FROM ${aggregation.view} v`)).rows[0]!.d;
      const before = await digest();
      await db.query(`REFRESH MATERIALIZED VIEW ${aggregation.view}`);
      if ((await digest()) !== before) changed.push(name);
    }
  }
  check('stats', changed.length === 0, changed.length === 0 ? 'all ten aggregations equal a recompute' : `differ from a recompute: ${changed.join(', ')}`);
}

// ---- figures ---------------------------------------------------------------------------------
// Windows over the whole run, from kickoff to now (checks included): a fixed window saw only the
// checks of a 10x run.
const runWindow = `${Math.ceil((Date.now() - t0) / 60_000) + 1}m`;
const promql = {
  workflowsStartedByType: 'sum by (workflow_type) (fulltime_workflows_started_total)',
  outboxPendingPeak: `max_over_time(fulltime_outbox_pending_rows[${runWindow}])`,
  httpP99ByRoute: `histogram_quantile(0.99, sum by (le, route, method) (rate(fulltime_http_request_duration_seconds_bucket[${runWindow}])))`,
  settlementsByOutcome: 'sum by (outcome) (fulltime_settlements_total)',
  workflowTaskScheduleToStartP99: `histogram_quantile(0.99, sum by (le, task_queue) (rate(temporal_workflow_task_schedule_to_start_latency_bucket[${runWindow}])))`,
  activityScheduleToStartP99: `histogram_quantile(0.99, sum by (le, task_queue) (rate(temporal_activity_schedule_to_start_latency_bucket[${runWindow}])))`,
  // Which process ran out of CPU (1.0 = one core) and whose event loop stalled, at the worst second.
  cpuPeakByProcess: `max by (instance) (max_over_time(rate(process_cpu_seconds_total[5s])[${runWindow}:1s]))`,
  eventLoopLagPeakSeconds: `max by (instance) (max_over_time(nodejs_eventloop_lag_p99_seconds[${runWindow}]))`,
};
const prometheusView = Object.fromEntries(await Promise.all(Object.entries(promql).map(async ([name, query]) => [name, { query, result: await prometheus.query(query).catch((err: Error) => err.message) }])));
const figures = {
  date: new Date().toISOString(),
  size: { games: GAMES, users: USERS, predictions: predictions.length, leagues: LEAGUES, seconds: SECONDS, readRate: READ_RATE },
  seededMs: round(seededMs),
  writes: { count: writeLatencies.length, p50Ms: round(percentile(writeLatencies, 50)), p99Ms: round(percentile(writeLatencies, 99)), maxMs: round(Math.max(...writeLatencies)), doneAfterKickoffMs: writesDoneAt - t0 },
  results: { count: resultLatencies.length, p50Ms: round(percentile(resultLatencies, 50)), p99Ms: round(percentile(resultLatencies, 99)) },
  triggerToFresh: { count: triggerToFresh.length, p50Ms: round(percentile(triggerToFresh, 50)), p99Ms: round(percentile(triggerToFresh, 99)), maxMs: round(Math.max(...triggerToFresh)) },
  resultToBoard: { p50Ms: round(percentile(resultToBoard, 50)), p95Ms: round(percentile(resultToBoard, 95)), p99Ms: round(percentile(resultToBoard, 99)) },
  reads: reads,
  stats: { triggers: statsTriggers, refreshes: statsRefreshes },
  lastResultToSettledAndFreshMs: settledAndFreshAt - lastResultAt,
  peakOutboxBacklog: peakOutbox,
  workerRestarts: stack.restarts(),
  checks,
};
const table = [
  ['writes (events, corrections)', `${figures.writes.count}: p50 ${figures.writes.p50Ms} ms, p99 ${figures.writes.p99Ms} ms, max ${figures.writes.maxMs} ms`],
  ['results', `${figures.results.count}: p50 ${figures.results.p50Ms} ms, p99 ${figures.results.p99Ms} ms`],
  ['trigger to fresh report', `${figures.triggerToFresh.count} recalculations: p50 ${figures.triggerToFresh.p50Ms} ms, p99 ${figures.triggerToFresh.p99Ms} ms`],
  ['result to board, per game', `p50 ${figures.resultToBoard.p50Ms} ms, p95 ${figures.resultToBoard.p95Ms} ms, p99 ${figures.resultToBoard.p99Ms} ms`],
  ['reads throughout', `${reads.requests} at ${READ_RATE}/s: p50 ${reads.p50} ms, p99 ${reads.p99} ms, statuses ${Object.entries(reads.statusCodes).map(([code, n]) => `${code}: ${n}`).join(', ')}, ${reads.errors} errors (a rank is 404 until the user's first settlement)`],
  ['stats', `${statsRefreshes} refreshes for ${statsTriggers} triggers`],
  ['last result to all settled and fresh', `${figures.lastResultToSettledAndFreshMs} ms`],
  ['peak outbox backlog', `${peakOutbox} rows`],
  ['worker restarts', Object.entries(figures.workerRestarts).filter(([, n]) => n > 0).map(([name, n]) => `${name} ${n}`).join(', ') || 'none'],
  ...Object.entries(checks).map(([name, result]) => [`check: ${name}`, result]),
];
console.log(`\nmatchday: ${GAMES} games, ${USERS} users (${predictions.length} predictions, ${LEAGUES} leagues), 90 minutes in ${SECONDS} s\n`);
for (const [what, value] of table) console.log(`  ${what!.padEnd(38)} ${value}`);
const out = path.join(projectRoot, 'bench', 'results', `matchday-${GAMES}.json`);
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, `${JSON.stringify({ ...figures, prometheus: prometheusView }, null, 2)}\n`);
say(`figures and the Prometheus view saved to ${path.relative(projectRoot, out)}`);

await prometheus.stop();
await stack.stop();
await deleteKeysUnder(config.REDIS_URL, prefix);
redis.disconnect();
await db.end();
await server.teardown();

// ---- helpers ---------------------------------------------------------------------------------
/** Until nothing runs on the bench's queues (but stats coordinators, which idle) and the outbox is empty. */
async function waitQuiet(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { count: running } = await server.client.workflow.count("ExecutionStatus = 'Running' AND WorkflowType != 'statsCoordinatorWorkflow'");
    const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM workflow_outbox WHERE dispatched_at IS NULL');
    if (running === 0 && Number(rows[0]!.n) === 0) return;
    if (Date.now() > deadline) throw new Error(`${running} workflows still running, ${rows[0]!.n} outbox rows pending`);
    await sleep(250);
  }
}

/** Readers at READ_RATE for `seconds`: the scoreboard's top 50, users' ranks, league boards, reports. */
function startReaders(seconds: number): Promise<{ requests: number; non2xx: number; statusCodes: Record<string, number>; errors: number; p50: number; p99: number; max: number }> {
  const paths = Array.from({ length: 200 }, (_, i) => {
    switch (i % 4) {
      case 0: return `/api/tournaments/${tournament}/scoreboard?limit=50`;
      case 1: return `/api/tournaments/${tournament}/users/${userIds[(i * 7919) % userIds.length]}/rank`;
      case 2: return `/api/leagues/${leagueIds[i % LEAGUES]}/scoreboard?limit=50`;
      default: return `/api/games/${games[i % games.length]!.id}/report`;
    }
  });
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'bench/load.ts'), JSON.stringify({ url: stack.baseUrl, paths, rate: READ_RATE, seconds, connections: 10 })], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(output.trim().split('\n').pop()!)) : reject(new Error(`readers exited ${code}`)))));
}

/** Debian's Prometheus scraping `targets` every second, for the run's view in PromQL. */
async function startPrometheus(targets: string[]) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fulltime-matchday-prometheus-'));
  fs.writeFileSync(path.join(dir, 'prometheus.yml'), stringify({ global: { scrape_interval: '1s', scrape_timeout: '900ms' }, scrape_configs: [{ job_name: 'fulltime', static_configs: [{ targets }] }] }));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn('prometheus', [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: 'ignore' });
  for (let i = 0; ; i++) {
    if (await fetch(`${url}/-/ready`).then((r) => r.ok, () => false)) break;
    if (i > 300) throw new Error('Prometheus did not become ready');
    await sleep(100);
  }
  return {
    async query(query: string) {
      const body = (await (await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`)).json()) as { status: string; error?: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
      if (body.status !== 'success') throw new Error(body.error);
      return body.data.result.map((r) => ({ ...r.metric, value: Number(r.value[1]) }));
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
