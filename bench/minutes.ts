// `npm run bench:minutes` against a running stack (`npm run dev` in another terminal).
//   1. API latency of substitution writes at a fixed 100 requests/s for 30 s (autocannon, corrected
//      for coordinated omission).
//   2. Trigger-to-fresh-report latency: from sending a write to the report showing its minutes.
//   3. Drain: 1,000 edits over 100 games, until every report is fresh and right.
// Settings: API_URL (default http://127.0.0.1:$PORT), API_TOKEN, BENCH_RATE, BENCH_SECONDS.
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { loadConfigOrExit } from '../src/config.ts';
import { createTemporalClient } from '../src/temporal/connection.ts';

const config = loadConfigOrExit('bench');
const baseUrl = process.env.API_URL ?? `http://127.0.0.1:${config.PORT}`;
const token = config.API_TOKEN;
const rate = Number(process.env.BENCH_RATE ?? 100);
const seconds = Number(process.env.BENCH_SECONDS ?? 30);
const GAMES = 100;
const EDITS_PER_GAME = 10;

async function call<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path} -> ${res.status} ${JSON.stringify(json)}`);
  return json as T;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
const ms = (n: number) => `${n.toFixed(1)} ms`;

interface BenchGame {
  id: string;
  starterOut: string;
  benchIn: string;
  substitutionId: string;
  lineup: { playerId: string; starter: boolean }[];
}

/** 100 games of 11 starters and 5 substitutes, each with one substitution to edit. */
async function createGames(): Promise<BenchGame[]> {
  const players = await Promise.all(
    Array.from({ length: 16 }, (_, i) => call<{ id: string }>('POST', '/api/players', { name: `Bench player ${i + 1}` })),
  );
  const lineup = players.map((p, i) => ({ playerId: p.id, starter: i < 11 }));
  const games: BenchGame[] = [];
  for (let start = 0; start < GAMES; start += 20) {
    games.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(20, GAMES - start) }, async () => {
          const game = await call<{ id: string }>('POST', '/api/games', {
            homeTeam: 'Bench FC', awayTeam: 'Load United', kickoffAt: new Date().toISOString(), lineup,
          });
          const sub = await call<{ substitution: { id: string } }>('POST', `/api/games/${game.id}/substitutions`, {
            minute: 45, playerOutId: lineup[0]!.playerId, playerInId: lineup[11]!.playerId,
          });
          return { id: game.id, starterOut: lineup[0]!.playerId, benchIn: lineup[11]!.playerId, substitutionId: sub.substitution.id, lineup };
        }),
      )),
    );
  }
  return games;
}

/** The report is fresh and shows the substitution at `minute`. */
function isFreshAndRight(report: any, game: BenchGame, minute: number): boolean {
  if (report.status !== 'calculated' || report.calculatedVersion !== report.eventsVersion) return false;
  const expected = new Map(game.lineup.map((p) => [p.playerId, p.starter ? 90 : 0]));
  expected.set(game.starterOut, minute);
  expected.set(game.benchIn, 90 - minute);
  return report.players.every((p: any) => p.minutesPlayed === expected.get(p.playerId));
}

async function waitFresh(game: BenchGame, minute: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (isFreshAndRight(await call('GET', `/api/games/${game.id}/report`), game, minute)) return;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`report of ${game.id} not fresh within ${timeoutMs} ms`);
}

async function writeLatency(games: BenchGame[]) {
  let i = 0;
  const result = await autocannon({
    url: baseUrl,
    connections: 20,
    overallRate: rate,
    duration: seconds,
    requests: [
      {
        method: 'PUT',
        setupRequest: (req: any) => {
          const game = games[i++ % games.length]!;
          return {
            ...req,
            path: `/api/games/${game.id}/substitutions/${game.substitutionId}`,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': randomUUID() },
            body: JSON.stringify({ minute: 1 + (i % 89) }),
          };
        },
      },
    ],
  });
  return result;
}

async function triggerToFresh(games: BenchGame[], samples = 100): Promise<number[]> {
  const latencies: number[] = [];
  for (let s = 0; s < samples; s++) {
    const game = games[s % games.length]!;
    const minute = 1 + ((s * 37) % 89);
    const started = performance.now();
    await call('PUT', `/api/games/${game.id}/substitutions/${game.substitutionId}`, { minute });
    await waitFresh(game, minute);
    latencies.push(performance.now() - started);
  }
  return latencies;
}

async function drain(games: BenchGame[]) {
  const finalMinute = new Map<string, number>();
  const started = performance.now();
  // Each game's edits go one after another (so its last edit is known); the 100 games run in parallel.
  await Promise.all(
    games.map(async (game, g) => {
      for (let e = 0; e < EDITS_PER_GAME; e++) {
        const minute = 1 + ((g * 13 + e * 29) % 89);
        await call('PUT', `/api/games/${game.id}/substitutions/${game.substitutionId}`, { minute });
        finalMinute.set(game.id, minute);
      }
    }),
  );
  const writesDone = performance.now();
  await Promise.all(games.map((game) => waitFresh(game, finalMinute.get(game.id)!, 120_000)));
  return { writesMs: writesDone - started, totalMs: performance.now() - started };
}

console.log(`[bench:minutes] ${baseUrl}: creating ${GAMES} games`);
const games = await createGames();
await Promise.all(games.map((g) => waitFresh(g, 45)));

console.log(`[bench:minutes] 1/3 substitution writes at ${rate}/s for ${seconds} s`);
const load = await writeLatency(games);
console.log(`[bench:minutes]     waiting for the ${load.requests.total} recalculation workflows to close`);
const drainStart = performance.now();
// Reports catch up long before the last (superseded) workflows close; measure freshness on an idle stack.
const temporal = createTemporalClient(config);
for (;;) {
  const { count } = await temporal.workflow.count('WorkflowType = "recalculateMinutesWorkflow" AND ExecutionStatus = "Running"');
  if (count === 0) break;
  if (performance.now() - drainStart > 600_000) throw new Error(`${count} workflows still running after 10 minutes`);
  await new Promise((r) => setTimeout(r, 250));
}
const backlogMs = performance.now() - drainStart;
await temporal.connection.close();

console.log('[bench:minutes] 2/3 trigger-to-fresh-report latency (100 sequential edits)');
const fresh = await triggerToFresh(games);

console.log(`[bench:minutes] 3/3 ${GAMES * EDITS_PER_GAME} edits over ${GAMES} games, drained`);
const drained = await drain(games);

const summary = {
  date: new Date().toISOString(),
  writes: {
    targetRate: rate,
    seconds,
    requests: load.requests.total,
    non2xx: load.non2xx,
    errors: load.errors,
    timeouts: load.timeouts,
    p50Ms: load.latency.p50,
    p99Ms: load.latency.p99,
    maxMs: load.latency.max,
    recalculationBacklogDrainedMs: Math.round(backlogMs),
  },
  triggerToFresh: { samples: fresh.length, p50Ms: percentile(fresh, 50), p99Ms: percentile(fresh, 99), maxMs: Math.max(...fresh) },
  drain: { edits: GAMES * EDITS_PER_GAME, games: GAMES, writesMs: Math.round(drained.writesMs), allFreshAndRightMs: Math.round(drained.totalMs) },
};
console.log(`
substitution writes @ ${rate}/s for ${seconds} s: ${summary.writes.requests} requests, ${summary.writes.non2xx} non-2xx, ${summary.writes.errors} errors
  latency p50 ${ms(summary.writes.p50Ms)}, p99 ${ms(summary.writes.p99Ms)}, max ${ms(summary.writes.maxMs)}
  every recalculation workflow of the load closed ${summary.writes.recalculationBacklogDrainedMs} ms after the load ended
trigger -> fresh report (${fresh.length} samples): p50 ${ms(summary.triggerToFresh.p50Ms)}, p99 ${ms(summary.triggerToFresh.p99Ms)}, max ${ms(summary.triggerToFresh.maxMs)}
${summary.drain.edits} edits over ${summary.drain.games} games: writes done in ${summary.drain.writesMs} ms, every report fresh and right after ${summary.drain.allFreshAndRightMs} ms
`);
console.log(JSON.stringify(summary));
