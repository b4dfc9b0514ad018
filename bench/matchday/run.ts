// One whole matchday, every process as production runs it (the API and one worker process per task
// queue, supervised as their Deployments would be; a Temporal dev server on a fresh SQLite file; a
// Redis server of its own; the machine's PostgreSQL, in a database of its own), optionally under one
// fault from kickoff until `liftAfterMs` after full time. bench:matchday runs one; bench:faults runs
// one per fault. Clients behave as real ones do: a write refused with a 503 (or cut off) is sent again
// with its Idempotency-Key until it is accepted.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { FaultProxy } from '../../test/fault-proxy.ts';
import { RedisServer } from '../../test/redis-server.ts';
import type { Config } from '../../src/config.ts';
import { applyMigrations, dropDatabase, ensureDatabase } from '../../src/db/migrate.ts';
import { createRedis } from '../../src/redis.ts';
import { boardVersionKey } from '../../src/services/settlement/scoreboards/keys.ts';
import { createPrisma } from '../../src/db/client.ts';
import { backfillRecalculations } from '../../src/services/minutes/recalculation.ts';
import { setWorkflowPriorities } from '../../src/temporal/start-workflow.ts';
import { generateLeague, insert, random } from '../league.ts';
import { startBenchStack, startBenchTemporal } from '../stack.ts';
import { checkMatchday } from './checks.ts';
import { createFault, type FaultName } from './faults.ts';
import { startPrometheus, startReaders, type ReadFigures } from './observers.ts';
import { generateGame, type MatchdayGame, type Write } from './scenario.ts';

export interface MatchdayOptions {
  games: number;
  users: number;
  /** Seconds of wall clock for the 90 minutes. */
  seconds: number;
  readRate: number;
  /** How long after the last result (or the fault's lift) everything may take to settle and be fresh. */
  drainMs: number;
  fault: FaultName | null;
  /** When the fault is lifted, after full time. */
  liftAfterMs: number;
  /** A real Prometheus scraping every process (its view is saved with the figures). */
  prometheus: boolean;
  /** Names the run's database (fulltime_bench_<name>). */
  name: string;
  /**
   * Contention: a league of this many historical games, and at kickoff a `recalc:all` over it (batches
   * of 500) and an admin stats refresh, running through the matchday.
   */
  backfill?: number;
  /** Whether starts carry priority keys (WORKFLOW_PRIORITIES); on unless said. */
  priorities?: boolean;
  say(line: string): void;
}

const LEAGUES = 200;
const PREDICTIONS_PER_USER = 3;
const IN_FLIGHT = 64;
/** A write a client keeps sending (503, cut off) gives up after this long: a lost write fails the run. */
const GIVE_UP_AFTER_MS = 15 * 60_000;

const percentile = (values: number[], p: number) => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
const round = (n: number) => Math.round(n);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `task` over `items` with at most `limit` at once. */
async function pool<T>(items: T[], limit: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await task(items[i]!, i);
      }
    }),
  );
}

export async function runMatchday(base: Config, options: MatchdayOptions) {
  const { games: GAMES, users: USERS, seconds: SECONDS, readRate: READ_RATE, say } = options;
  const fault = options.fault ? createFault(options.fault) : null;
  const databaseUrl = new URL(base.DATABASE_URL);
  databaseUrl.pathname = `/fulltime_bench_${options.name}`;
  say(
    `recreating ${databaseUrl.pathname.slice(1)}; ${GAMES} games, ${USERS} users, ${SECONDS} s for 90 minutes${fault ? `; fault ${fault.name}: ${fault.what}` : ''}`,
  );
  await dropDatabase(databaseUrl.toString());
  await ensureDatabase(databaseUrl.toString());
  await applyMigrations(databaseUrl.toString());
  if (options.backfill) {
    const started = performance.now();
    await generateLeague(databaseUrl.toString(), {
      seasons: Math.ceil(options.backfill / 380),
      games: options.backfill,
    });
    say(`generated a league of ${options.backfill} historical games in ${round(performance.now() - started)} ms`);
  }
  const prioritiesOn = options.priorities !== false;
  setWorkflowPriorities(prioritiesOn); // this process's own starts (the backfill)
  // A pool, not one client: it outlives a PostgreSQL restart (a fault) by connecting again.
  const db = new pg.Pool({ connectionString: databaseUrl.toString(), max: 4 });
  db.on('error', () => {});
  const server = await startBenchTemporal();
  const redisServer = await RedisServer.start();
  const prefix = `fulltime:bench:matchday:${randomUUID().slice(0, 8)}:`;
  // The stack reaches what the fault acts on through a proxy; the benchmark itself goes straight.
  const proxies: { redis?: FaultProxy; postgres?: FaultProxy; temporal?: FaultProxy } = {};
  for (const target of fault?.proxied ?? []) {
    const url = { redis: redisServer.url, postgres: databaseUrl.toString(), temporal: `http://${server.address}` }[
      target
    ];
    proxies[target] = await FaultProxy.forUrl(url);
  }
  const config: Config = {
    ...base,
    DATABASE_URL: proxies.postgres ? proxies.postgres.urlThrough(databaseUrl.toString()) : databaseUrl.toString(),
    REDIS_URL: proxies.redis ? proxies.redis.urlThrough(redisServer.url) : redisServer.url,
    REDIS_KEY_PREFIX: prefix,
    TEMPORAL_ADDRESS: proxies.temporal ? proxies.temporal.address : server.address,
    temporalConnection: {
      ...base.temporalConnection,
      address: proxies.temporal ? proxies.temporal.address : server.address,
    },
  };
  const redis = createRedis(redisServer.url, prefix);
  redis.on('error', () => {});
  const stack = await startBenchStack(config, { WORKFLOW_PRIORITIES: prioritiesOn ? 'on' : 'off' });
  const prometheus = options.prometheus ? await startPrometheus([stack.apiMetrics, ...stack.workerMetrics]) : null;
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${config.API_TOKEN}` };
  const targets = {
    redis: redisServer,
    proxies,
    databaseUrl: databaseUrl.toString(),
    killWorkers: () => stack.killWorkers(),
    say,
  };
  let lifted: Promise<number> | null = null;
  let backfill: { stop: AbortController; done: Promise<void> } | null = null;
  let backfillProgress = 0;

  try {
    // ---- the API as a client sees it ----------------------------------------------------------
    const answers = { accepted: 0, refused503: 0, other: 0, otherStatuses: {} as Record<string, number> };
    /** One API call; answers status, body, and when it was sent and answered (ms since the epoch). */
    const call = async (method: string, url: string, body?: unknown, key?: string) => {
      const sentAt = Date.now();
      const res = await fetch(`${stack.baseUrl}${url}`, {
        method,
        headers: { ...headers, ...(key ? { 'idempotency-key': key } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const json = (await res.json()) as any;
      return { status: res.status, body: json, sentAt, doneAt: Date.now() };
    };
    /**
     * A write as a real client makes it: sent again with the same Idempotency-Key after a 503 or a
     * cut connection (and after anything else but a 2xx, counted apart) until it is accepted.
     */
    const write = async (method: string, url: string, body: unknown, key: string) => {
      const firstSentAt = Date.now();
      for (let attempt = 1; ; attempt++) {
        const res = await call(method, url, body, key).catch((err: Error) => ({
          status: 0,
          body: { error: err.message },
          sentAt: Date.now(),
          doneAt: Date.now(),
        }));
        if (res.status >= 200 && res.status < 300) {
          answers.accepted++;
          return { ...res, sentAt: firstSentAt };
        }
        if (res.status === 503) answers.refused503++;
        else {
          answers.other++;
          const label = res.status === 0 ? 'no answer' : String(res.status);
          answers.otherStatuses[label] = (answers.otherStatuses[label] ?? 0) + 1;
        }
        if (Date.now() - firstSentAt > GIVE_UP_AFTER_MS)
          throw new Error(
            `${method} ${url} not accepted after ${attempt} attempts: ${res.status} ${JSON.stringify(res.body)}`,
          );
        await sleep(Math.min(5000, 250 * 2 ** Math.min(attempt, 5)));
      }
    };

    // ---- a matchday, generated, and the seeding ------------------------------------------------
    const rng = random(20261201);
    const games: MatchdayGame[] = Array.from({ length: GAMES }, (_, i) => generateGame(rng, i));
    const started = performance.now();
    const tournament = (await write('POST', '/api/tournaments', { name: 'Matchday' }, 'md:tournament')).body
      .id as string;
    await insert(
      db,
      'players',
      ['id', 'name'],
      games.flatMap((g) => [...g.home, ...g.away].map((p) => [p, p])),
    );
    const kickoffAt = new Date(Date.now() + 5 * 60_000).toISOString(); // predictions close at kickoff; it is "now" on the compressed clock
    await pool(games, 16, async (game) => {
      const lineup = [...game.home, ...game.away].map((playerId, i) => ({ playerId, starter: i % 16 < 11 }));
      const created = await write(
        'POST',
        '/api/games',
        {
          homeTeam: `Home ${game.id}`,
          awayTeam: `Away ${game.id}`,
          kickoffAt,
          durationMinutes: 90,
          tournamentId: tournament,
          lineup,
        },
        `md:create:${game.id}`,
      );
      game.id = created.body.id as string;
    });
    const userIds = Array.from({ length: USERS }, (_, i) => `md-u${String(i).padStart(7, '0')}`);
    const leagueIds = Array.from({ length: LEAGUES }, (_, i) => `md-league-${i}`);
    await insert(
      db,
      'users',
      ['id', 'name'],
      userIds.map((id) => [id, id]),
    );
    await insert(
      db,
      'leagues',
      ['id', 'name', 'tournament_id'],
      leagueIds.map((id) => [id, id, tournament]),
    );
    await insert(
      db,
      'league_members',
      ['league_id', 'user_id', 'version'],
      userIds.map((id, i) => [leagueIds[i % LEAGUES]!, id, 0]),
    );
    /** `n` distinct games for one user, drawn from the seeded generator. */
    const distinctGames = (n: number) => {
      const picked = new Set<number>();
      while (picked.size < Math.min(n, games.length)) picked.add(rng.int(0, games.length - 1));
      return [...picked].map((i) => games[i]!);
    };
    const predictions: [string, string, number, number][] = userIds.flatMap((userId) =>
      distinctGames(PREDICTIONS_PER_USER).map(
        (g) => [g.id, userId, rng.int(0, 3), rng.int(0, 3)] as [string, string, number, number],
      ),
    );
    for (let i = 0; i < predictions.length; i += 100_000)
      await insert(
        db,
        'predictions',
        ['game_id', 'user_id', 'home_goals', 'away_goals'],
        predictions.slice(i, i + 100_000),
      );
    await db.query('ANALYZE');
    await waitQuiet(600_000); // the games' first recalculations
    const seededMs = performance.now() - started;
    say(
      `seeded ${GAMES} games, ${USERS} users, ${predictions.length} predictions, ${LEAGUES} leagues in ${round(seededMs)} ms`,
    );
    // What the seeding's own writes cost is not the matchday's.
    Object.assign(answers, { accepted: 0, refused503: 0, other: 0, otherStatuses: {} });

    // ---- the matchday --------------------------------------------------------------------------
    const writeLatencies: number[] = [];
    const resultLatencies: number[] = [];
    const recalculationSent = new Map<string, number>(); // workflow ID -> when its write was first sent
    let peakOutbox = 0;
    const outboxSampler = setInterval(() => {
      db.query<{ n: string }>('SELECT count(*) AS n FROM workflow_outbox WHERE dispatched_at IS NULL').then(
        ({ rows }) => (peakOutbox = Math.max(peakOutbox, Number(rows[0]!.n))),
        () => {},
      );
    }, 250);

    const send = async (game: MatchdayGame, w: Write, key: string) => {
      const url = `/api/games/${game.id}`;
      let res;
      if (w.kind === 'substitution')
        res = await write(
          'POST',
          `${url}/substitutions`,
          { minute: w.minute, playerOutId: w.playerOutId, playerInId: w.playerInId },
          key,
        );
      else if (w.kind === 'card')
        res = await write(
          'POST',
          `${url}/disciplinary-actions`,
          { playerId: w.playerId, cardType: w.cardType, minute: w.minute },
          key,
        );
      else if (w.kind === 'goal') {
        res = await write(
          'POST',
          `${url}/goals`,
          { scorerId: w.scorerId, ...(w.assistId ? { assistId: w.assistId } : {}), minute: w.minute },
          key,
        );
        game.goalIds.set(w.ref, res.body.goal.id);
      } else if (w.kind === 'goal-correction')
        res = await write(
          'PUT',
          `${url}/goals/${game.goalIds.get(w.ref)}`,
          { scorerId: w.scorerId, assistId: null },
          key,
        );
      else if (w.kind === 'goal-minute-fix')
        res = await write('PUT', `${url}/goals/${game.goalIds.get(w.ref)}`, { minute: w.minute }, key);
      else res = await write('DELETE', `${url}/goals/${game.goalIds.get(w.ref)}`, undefined, key);
      writeLatencies.push(res.doneAt - res.sentAt);
      const recalculation = res.body?.recalculation?.workflowId as string | undefined;
      if (recalculation) recalculationSent.set(recalculation, res.sentAt);
    };

    const readerPaths = Array.from({ length: 200 }, (_, i) => {
      switch (i % 4) {
        case 0:
          return `/api/tournaments/${tournament}/scoreboard?limit=50`;
        case 1:
          return `/api/tournaments/${tournament}/users/${userIds[(i * 7919) % userIds.length]}/rank`;
        case 2:
          return `/api/leagues/${leagueIds[i % LEAGUES]}/scoreboard?limit=50`;
        default:
          return `/api/games/${games[i % games.length]!.id}/report`;
      }
    });
    // The readers' failures are counted in their figures; their process failing fails the run at the end.
    const readers = startReaders(stack.baseUrl, readerPaths, READ_RATE, SECONDS + 30).then(
      (figures): ReadFigures | Error => figures,
      (err: Error) => err,
    );
    const t0 = Date.now();
    const fullTime = t0 + SECONDS * 1000;
    const liftAt = fullTime + options.liftAfterMs;
    // Contention: what an operator might start at kickoff, running through the matchday.
    if (options.backfill) {
      const backfillPrisma = createPrisma(databaseUrl.toString());
      backfill = {
        stop: new AbortController(),
        done: Promise.resolve(),
      };
      const { stop } = backfill;
      backfill.done = backfillRecalculations({
        prisma: backfillPrisma,
        temporal: server.client,
        taskQueue: stack.queues.minutes,
        batchSize: 500,
        signal: stop.signal,
        onProgress: (p) => (backfillProgress = p.processed),
      }).then(
        () => backfillPrisma.$disconnect(),
        (err: Error) => {
          say(`the backfill failed: ${err.message}`);
          return backfillPrisma.$disconnect();
        },
      );
      await write('POST', '/api/admin/stats-jobs', {}, `md:admin-stats:${options.name}`);
      say('at kickoff: recalc:all over the historical league (batches of 500) and an admin stats refresh');
    }
    if (fault) {
      await fault.inject(targets, { kickoff: t0, fullTime, liftAt });
      say(`fault ${fault.name} injected at kickoff; lifted ${options.liftAfterMs / 1000} s after full time`);
      lifted = sleep(Math.max(0, liftAt - Date.now())).then(async () => {
        await fault.lift(targets);
        say(`fault ${fault.name} lifted`);
        return Date.now();
      });
    }
    const msPerMinute = (SECONDS * 1000) / 90;
    // Every write at its minute on the compressed clock (spread within the minute), at most IN_FLIGHT at once.
    const timeline = games
      .flatMap((game) =>
        game.writes.map((w, n) => ({
          game,
          write: w,
          n,
          at: (('minute' in w ? w.minute : 0) + rng.next()) * msPerMinute,
        })),
      )
      .sort((a, b) => a.at - b.at);
    // Writes of one game go in order (a correction after its goal): one chain per game. A chain that
    // fails (a write never accepted) is caught as it fails and fails the run below.
    const chains = new Map<string, Promise<void>>();
    const chainFailures: Error[] = [];
    let inFlight = 0;
    for (const { game, write: w, n, at } of timeline) {
      const wait = t0 + at - Date.now();
      if (wait > 0) await sleep(wait);
      while (inFlight >= IN_FLIGHT) await sleep(5);
      inFlight++;
      const chained = (chains.get(game.id) ?? Promise.resolve())
        .then(() => send(game, w, `md:${game.id}:${n}`))
        .finally(() => inFlight--)
        .catch((err: Error) => {
          chainFailures.push(err);
        });
      chains.set(game.id, chained);
    }
    await Promise.all(chains.values());
    if (chainFailures.length > 0) throw chainFailures[0];
    const writesDoneAt = Date.now();
    // Full time: every result within 5 s.
    if (fullTime > Date.now()) await sleep(fullTime - Date.now());
    const resultSent = new Map<string, number>();
    await pool(
      games.map((g) => ({ g, at: rng.next() * 5000 })).sort((a, b) => a.at - b.at),
      IN_FLIGHT,
      async ({ g, at }) => {
        const wait = fullTime + at - Date.now();
        if (wait > 0) await sleep(wait);
        const res = await write(
          'POST',
          `/api/games/${g.id}/result`,
          { homeGoals: g.homeGoals, awayGoals: g.awayGoals },
          `md:result:${g.id}`,
        );
        resultLatencies.push(res.doneAt - res.sentAt);
        resultSent.set(g.id, res.sentAt);
      },
    );
    // After the whistle: the corrections, then the corrected results, 10 s later.
    await sleep(Math.max(0, fullTime + 10_000 - Date.now()));
    await pool(
      games.filter((g) => g.after.length > 0),
      16,
      async (g) => {
        for (const [n, w] of g.after.entries()) await send(g, w, `md:${g.id}:after:${n}`);
        if (g.correctedResult) {
          const res = await write(
            'POST',
            `/api/games/${g.id}/result`,
            g.correctedResult,
            `md:result:${g.id}:corrected`,
          );
          resultSent.set(g.id, res.sentAt);
        }
      },
    );
    const lastResultAt = Date.now();

    // Result to board: a game is on the boards once Redis reflects the tournament's version as it was
    // when its settlement was seen applied (polled every 100 ms: an upper bound, to 100 ms).
    const boardAt = new Map<string, number>();
    const seenApplied = new Map<string, number>(); // game -> tournament version when seen applied
    const byId = new Map(games.map((g) => [g.id, g]));
    for (;;) {
      const rows = await db
        .query<{ game_id: string; home_goals: number; away_goals: number; version: string }>(
          `SELECT l.game_id, l.home_goals, l.away_goals, t.scoreboard_version AS version FROM match_settlement_ledger l
           JOIN tournaments t ON t.id = $1 WHERE l.status = 'applied'`,
          [tournament],
        )
        .then(
          (r) => r.rows,
          () => [],
        );
      for (const row of rows) {
        const game = byId.get(row.game_id)!;
        const final = game.correctedResult ?? { homeGoals: game.homeGoals, awayGoals: game.awayGoals };
        if (row.home_goals === final.homeGoals && row.away_goals === final.awayGoals && !seenApplied.has(row.game_id))
          seenApplied.set(row.game_id, Number(row.version));
      }
      const redisVersion = Number((await redis.get(boardVersionKey(tournament)).catch(() => null)) ?? -1);
      const now = Date.now();
      for (const [gameId, version] of seenApplied)
        if (!boardAt.has(gameId) && redisVersion >= version) boardAt.set(gameId, now);
      if (boardAt.size === games.length) break;
      if (now - Math.max(lastResultAt, liftAt) > options.drainMs)
        throw new Error(
          `${options.drainMs / 1000} s after the last result and the lift only ${boardAt.size} of ${games.length} games are on the boards`,
        );
      await sleep(100);
    }
    const liftedAt = lifted ? await lifted : null;
    await waitQuiet(options.drainMs);
    const settledAndFreshAt = Date.now();
    clearInterval(outboxSampler);
    const readFigures = await readers;
    if (readFigures instanceof Error) throw readFigures;
    say(
      `matchday done: last result ${round(lastResultAt - t0)} ms after kickoff, everything settled and fresh ${round(settledAndFreshAt - lastResultAt)} ms later`,
    );

    // ---- what Temporal recorded ------------------------------------------------------------------
    const closedAt = new Map<string, number>();
    for await (const run of server.client.workflow.list({ query: "WorkflowType = 'recalculateMinutesWorkflow'" })) {
      if (run.closeTime) closedAt.set(run.workflowId, run.closeTime.getTime());
    }
    const triggerToFresh = [...recalculationSent]
      .map(([id, sentAt]) => closedAt.get(id)! - sentAt)
      .filter(Number.isFinite);
    const count = async (query: string) => (await server.client.workflow.count(query)).count;
    const statsTriggers = await count("WorkflowType = 'statsWorkflow'");
    const statsRefreshes = await count("WorkflowType = 'statsRefreshWorkflow'");
    const failedRuns = await count("ExecutionStatus = 'Failed'");
    const resultToBoard = games.map((g) => boardAt.get(g.id)! - resultSent.get(g.id)!);

    // ---- checks ----------------------------------------------------------------------------------
    const client = await db.connect();
    let checks: Record<string, string>;
    try {
      checks = await checkMatchday(client, redis, { games, tournament, predictions: predictions.length });
    } finally {
      client.release();
    }
    const unplannedExits = Object.values(stack.restarts()).reduce((n, r) => n + r, 0);

    // ---- figures ---------------------------------------------------------------------------------
    const prometheusView = prometheus
      ? await prometheusViewOf(prometheus, `${Math.ceil((Date.now() - t0) / 60_000) + 1}m`)
      : null;
    return {
      date: new Date().toISOString(),
      size: {
        games: GAMES,
        users: USERS,
        predictions: predictions.length,
        leagues: LEAGUES,
        seconds: SECONDS,
        readRate: READ_RATE,
      },
      fault: fault ? { name: fault.name, what: fault.what, liftedAfterFullTimeMs: options.liftAfterMs } : null,
      contention: options.backfill
        ? { historicalGames: options.backfill, priorities: prioritiesOn, backfillGamesByTheEnd: backfillProgress }
        : null,
      seededMs: round(seededMs),
      writes: {
        count: writeLatencies.length,
        p50Ms: round(percentile(writeLatencies, 50)),
        p99Ms: round(percentile(writeLatencies, 99)),
        maxMs: round(Math.max(...writeLatencies)),
        doneAfterKickoffMs: writesDoneAt - t0,
      },
      answers,
      results: {
        count: resultLatencies.length,
        p50Ms: round(percentile(resultLatencies, 50)),
        p99Ms: round(percentile(resultLatencies, 99)),
      },
      triggerToFresh: {
        count: triggerToFresh.length,
        p50Ms: round(percentile(triggerToFresh, 50)),
        p99Ms: round(percentile(triggerToFresh, 99)),
        maxMs: round(Math.max(...triggerToFresh)),
      },
      resultToBoard: {
        p50Ms: round(percentile(resultToBoard, 50)),
        p95Ms: round(percentile(resultToBoard, 95)),
        p99Ms: round(percentile(resultToBoard, 99)),
      },
      reads: readFigures,
      stats: { triggers: statsTriggers, refreshes: statsRefreshes },
      failedRuns,
      lastResultToSettledAndFreshMs: settledAndFreshAt - lastResultAt,
      liftToSettledAndFreshMs: liftedAt === null ? null : Math.max(0, settledAndFreshAt - liftedAt),
      peakOutboxBacklog: peakOutbox,
      workerRestarts: stack.restarts(),
      unplannedExits,
      plannedKills: stack.plannedKills(),
      checks,
      prometheus: prometheusView,
    };
  } finally {
    if (backfill) {
      backfill.stop.abort();
      await backfill.done;
      say(`backfill stopped after ${backfillProgress} games`);
    }
    if (fault && !lifted) await fault.lift(targets).catch(() => undefined);
    if (lifted) await lifted.catch(() => undefined);
    await prometheus?.stop();
    await stack.stop();
    redis.disconnect();
    await db.end();
    await Promise.all(Object.values(proxies).map((proxy) => proxy.close()));
    await redisServer.stop();
    await server.teardown();
  }

  /** Until nothing runs on the bench's queues (but stats coordinators, which idle) and the outbox is empty. */
  async function waitQuiet(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // A contention run's backfill goes on through the matchday: what it waits for is the matchday's work.
      const { count: running } = await server.client.workflow.count(
        `ExecutionStatus = 'Running' AND WorkflowType != 'statsCoordinatorWorkflow'${backfill ? " AND FulltimeTrigger != 'backfill'" : ''}`,
      );
      const pending = await db
        .query<{ n: string }>('SELECT count(*) AS n FROM workflow_outbox WHERE dispatched_at IS NULL')
        .then(
          (r) => Number(r.rows[0]!.n),
          () => -1,
        );
      if (running === 0 && pending === 0) return;
      if (Date.now() > deadline) throw new Error(`${running} workflows still running, ${pending} outbox rows pending`);
      await sleep(250);
    }
  }
}

export type MatchdayFigures = Awaited<ReturnType<typeof runMatchday>>;

/** The run's view in PromQL, over a window from kickoff to now (a fixed window saw only the checks of a 10x run). */
async function prometheusViewOf(prometheus: Awaited<ReturnType<typeof startPrometheus>>, runWindow: string) {
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
    processErrors: 'sum by (kind) (fulltime_process_errors_total)',
  };
  return Object.fromEntries(
    await Promise.all(
      Object.entries(promql).map(async ([name, query]) => [
        name,
        { query, result: await prometheus.query(query).catch((err: Error) => err.message) },
      ]),
    ),
  );
}

/** The figures as the table prints them: what, value. */
export function matchdayTable(f: MatchdayFigures): [string, string][] {
  const reads = f.reads;
  return [
    [
      'writes (events, corrections)',
      `${f.writes.count}: p50 ${f.writes.p50Ms} ms, p99 ${f.writes.p99Ms} ms, max ${f.writes.maxMs} ms (to accepted, retries included)`,
    ],
    [
      'answers to writes',
      `${f.answers.accepted} accepted, ${f.answers.refused503} refused 503, ${f.answers.other} other${
        f.answers.other
          ? ` (${Object.entries(f.answers.otherStatuses)
              .map(([s, n]) => `${s}: ${n}`)
              .join(', ')})`
          : ''
      }`,
    ],
    ['results', `${f.results.count}: p50 ${f.results.p50Ms} ms, p99 ${f.results.p99Ms} ms`],
    [
      'trigger to fresh report',
      `${f.triggerToFresh.count} recalculations: p50 ${f.triggerToFresh.p50Ms} ms, p99 ${f.triggerToFresh.p99Ms} ms`,
    ],
    [
      'result to board, per game',
      `p50 ${f.resultToBoard.p50Ms} ms, p95 ${f.resultToBoard.p95Ms} ms, p99 ${f.resultToBoard.p99Ms} ms`,
    ],
    [
      'reads throughout',
      `${reads.requests} at ${f.size.readRate}/s: p50 ${reads.p50} ms, p99 ${reads.p99} ms, statuses ${Object.entries(
        reads.statusCodes,
      )
        .map(([code, n]) => `${code}: ${n}`)
        .join(', ')}, ${reads.errors} errors (a rank is 404 until the user's first settlement)`,
    ],
    ['stats', `${f.stats.refreshes} refreshes for ${f.stats.triggers} triggers`],
    ['runs that failed', String(f.failedRuns)],
    ['last result to all settled and fresh', `${f.lastResultToSettledAndFreshMs} ms`],
    ...(f.liftToSettledAndFreshMs === null
      ? []
      : ([['fault lifted to all settled and fresh', `${f.liftToSettledAndFreshMs} ms`]] as [string, string][])),
    ['peak outbox backlog', `${f.peakOutboxBacklog} rows`],
    [
      'unplanned process exits',
      Object.entries(f.workerRestarts)
        .filter(([, n]) => n > 0)
        .map(([name, n]) => `${name} ${n}`)
        .join(', ') || 'none',
    ],
    ...(f.plannedKills > 0 ? ([['workers killed on purpose', String(f.plannedKills)]] as [string, string][]) : []),
    ...Object.entries(f.checks).map(([name, result]) => [`check: ${name}`, result] as [string, string]),
  ];
}

/** Whether every check came out right. */
export function allChecksRight(f: MatchdayFigures): boolean {
  return Object.values(f.checks).every((verdict) => verdict.startsWith('ok'));
}

/** Saves the figures as JSON (creating the folder). */
export function saveFigures(file: string, figures: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(figures, null, 2)}\n`);
}
