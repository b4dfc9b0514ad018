// Dependency faults, injected with a TCP proxy (test/fault-proxy.ts) between the API and each of
// PostgreSQL, Redis and Temporal: what a client sees, and what is stored, when one is cut or stalled
// in the middle of work. Workers reach PostgreSQL, Redis and Temporal directly: the faults are the API's.
import { randomUUID } from 'node:crypto';
import { setTimeout as pace } from 'node:timers/promises';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FaultProxy } from '../../test/fault-proxy.ts';
import {
  createScratchDatabase,
  gameWithBench as seedGameWithBench,
  httpClient,
  postCreated,
  startApi,
  startLocalTemporal,
  startWorkers,
  taskQueueVariables,
  testConfig,
  waitFor,
  type RunningWorker,
  type TestApi,
} from '../../test/harness.ts';
import { createPrisma, type PrismaClient } from '../db/client.ts';
import { createRedis, type Redis } from '../redis.ts';
import { SearchAttributeNames } from '../contracts/common.ts';

/** The API's PostgreSQL statement timeout here; its per-query deadline is this + 2 s. */
const STATEMENT_TIMEOUT_MS = 1000;
/** Names the API's PostgreSQL sessions in pg_stat_activity. */
const API_APPLICATION = `fault-test-api-${randomUUID().slice(0, 8)}`;

let env: TestWorkflowEnvironment;
let database: Awaited<ReturnType<typeof createScratchDatabase>>;
let proxies: { postgres: FaultProxy; redis: FaultProxy; temporal: FaultProxy };
let api: TestApi;
let workers: RunningWorker[];
let direct: { prisma: PrismaClient; redis: Redis };
let http: ReturnType<typeof httpClient>;
let stopRelay: () => Promise<void>;

beforeAll(async () => {
  [env, database] = await Promise.all([startLocalTemporal(), createScratchDatabase()]);
  const base = testConfig({ TEMPORAL_ADDRESS: env.address, DATABASE_URL: database.url });
  proxies = {
    postgres: await FaultProxy.forUrl(database.url),
    redis: await FaultProxy.forUrl(base.REDIS_URL),
    temporal: await FaultProxy.start({ host: env.address.split(':')[0]!, port: Number(env.address.split(':')[1]) }),
  };
  const apiDatabaseUrl = new URL(proxies.postgres.urlThrough(database.url));
  apiDatabaseUrl.searchParams.set('application_name', API_APPLICATION);
  const config = testConfig({
    ...taskQueueVariables(base.taskQueues),
    DATABASE_URL: apiDatabaseUrl.toString(),
    REDIS_URL: proxies.redis.urlThrough(base.REDIS_URL),
    TEMPORAL_ADDRESS: proxies.temporal.address,
    API_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
    API_TEMPORAL_TIMEOUT_MS: '2000',
  });
  api = await startApi(config);
  stopRelay = api.starter.startRelay(200);
  direct = { prisma: createPrisma(database.url), redis: createRedis(base.REDIS_URL, base.REDIS_KEY_PREFIX) };
  direct.redis.on('error', () => {});
  workers = await startWorkers(env.nativeConnection, base, {
    prisma: direct.prisma,
    redis: direct.redis,
    temporal: env.client,
  });
  http = httpClient(api.baseUrl);
});

afterEach(() => {
  for (const proxy of Object.values(proxies ?? {})) proxy.restore();
});

afterAll(async () => {
  await stopRelay?.();
  await Promise.all((workers ?? []).map((w) => w.stop()));
  await api?.close();
  await Promise.all(Object.values(proxies ?? {}).map((p) => p.close()));
  await direct?.prisma.$disconnect();
  direct?.redis.disconnect();
  await env?.teardown();
  await database?.drop();
});

const created = (path: string, body: unknown) => postCreated(http, path, body);
/** A game with a starter and a substitute, made while everything is up. */
const gameWithBench = () => seedGameWithBench(http);

/** The API's sessions in PostgreSQL, seen from a direct connection. */
async function apiSessions(): Promise<{ state: string | null; query: string; in_transaction: boolean }[]> {
  return direct.prisma.$queryRaw`SELECT state, query, xact_start IS NOT NULL AS in_transaction
    FROM pg_stat_activity WHERE application_name = ${API_APPLICATION}`;
}

describe('PostgreSQL cut in the middle of a write', () => {
  it('answers 503, leaves nothing half-written, and the retry with the same key applies once', async () => {
    const { gameId, starter, bench } = await gameWithBench();
    const version = (await direct.prisma.game.findUniqueOrThrow({ where: { id: gameId } })).eventsVersion;
    const key = `cut-${randomUUID()}`;
    const body = { minute: 60, playerOutId: starter, playerInId: bench };

    // Slowed, the write's transaction lasts seconds; cut it once its first row is written.
    proxies.postgres.slow(250);
    const pending = http('POST', `/api/games/${gameId}/substitutions`, { body, key });
    await waitFor(
      async () =>
        (await apiSessions()).some((s) => s.in_transaction && /^\s*INSERT INTO idempotency_keys/.test(s.query)),
      20_000,
      'the write to be inside its transaction',
    );
    proxies.postgres.cut();
    const failed = await pending;
    expect(failed.status).toBe(503);
    expect(failed.body.error.code).toBe('service_unavailable');

    // PostgreSQL rolled the transaction back once it lost the connection: nothing of it is stored.
    await waitFor(async () => (await apiSessions()).length === 0, 20_000, 'the cut sessions to end');
    expect(await direct.prisma.substitution.count({ where: { gameId } })).toBe(0);
    expect(await direct.prisma.idempotencyKey.count({ where: { key } })).toBe(0);
    expect(await direct.prisma.workflowOutbox.count({ where: { requestId: key } })).toBe(0);
    expect((await direct.prisma.game.findUniqueOrThrow({ where: { id: gameId } })).eventsVersion).toBe(version);

    proxies.postgres.restore();
    const retried = await http('POST', `/api/games/${gameId}/substitutions`, { body, key });
    expect(retried.status).toBe(201);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    const again = await http('POST', `/api/games/${gameId}/substitutions`, { body, key });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(retried.body);

    expect(await direct.prisma.substitution.count({ where: { gameId } })).toBe(1);
    expect(await direct.prisma.workflowOutbox.count({ where: { requestId: key } })).toBe(1);
    const recalculation = env.client.workflow.getHandle(`minutes-recalc:${key}`);
    await recalculation.result();
    // The starter played 60 minutes and the substitute 30 of a 90-minute game.
    const report = await http('GET', `/api/games/${gameId}/report`, { token: null });
    expect(report.body.status).toBe('calculated');
    const minutes = Object.fromEntries(
      report.body.players.map((p: { playerId: string; minutesPlayed: number }) => [p.playerId, p.minutesPlayed]),
    );
    expect(minutes).toEqual({ [starter]: 60, [bench]: 30 });
  });
});

describe('PostgreSQL stalled past the statement timeout', () => {
  it('answers 503 within its deadline, writes nothing, and serves normally once PostgreSQL is back', async () => {
    const { gameId } = await gameWithBench();
    // Connections in the pool, which the stall turns into black holes.
    await Promise.all(Array.from({ length: 10 }, () => http('GET', `/api/games/${gameId}`, { token: null })));
    const tag = `stalled-${randomUUID().slice(0, 8)}`;

    proxies.postgres.stall();
    const started = performance.now();
    const during = await Promise.all([
      ...Array.from({ length: 12 }, (_, i) => http('POST', '/api/players', { body: { name: `${tag}-${i}` } })),
      http('GET', `/api/games/${gameId}`, { token: null }),
    ]);
    const elapsedMs = performance.now() - started;
    expect(during.map((r) => r.status)).toEqual(Array(13).fill(503));
    // Deadline: a query unanswered for statement timeout + 2 s loses its connection, and a request
    // waiting for a connection gives up after the statement timeout. Either way well under 8 s
    // (without the deadline these requests never answered).
    expect(elapsedMs).toBeLessThan(STATEMENT_TIMEOUT_MS + 2000 + 5000);

    proxies.postgres.restore();
    // More requests at once than the pool has connections: none waits on a stuck one.
    const after = await Promise.all(
      Array.from({ length: 25 }, (_, i) => http('POST', '/api/players', { body: { name: `${tag}-after-${i}` } })),
    );
    expect(after.map((r) => r.status)).toEqual(Array(25).fill(201));
    expect(await direct.prisma.player.count({ where: { name: { startsWith: `${tag}-` } } })).toBe(25);
    expect(await direct.prisma.player.count({ where: { name: { startsWith: `${tag}-after-` } } })).toBe(25);
  });
});

describe('Redis cut', () => {
  it('keeps writes working, serves boards and stats from PostgreSQL, and readiness names Redis', async () => {
    const tournament = await created('/api/tournaments', { name: `Cup ${randomUUID().slice(0, 6)}` });
    const [ann, bob] = await Promise.all([
      created('/api/users', { name: 'ann' }),
      created('/api/users', { name: 'bob' }),
    ]);
    const game = await created('/api/games', {
      homeTeam: 'H',
      awayTeam: 'A',
      kickoffAt: new Date(Date.now() + 3600_000).toISOString(),
      tournamentId: tournament.id,
    });
    await created(`/api/games/${game.id}/predictions`, { userId: ann.id, homeGoals: 2, awayGoals: 1 });
    await created(`/api/games/${game.id}/predictions`, { userId: bob.id, homeGoals: 0, awayGoals: 1 });
    expect((await http('POST', `/api/games/${game.id}/result`, { body: { homeGoals: 2, awayGoals: 1 } })).status).toBe(
      202,
    );
    const boardPath = `/api/tournaments/${tournament.id}/scoreboard`;
    // ann predicted 2-1 exactly: 3 points; bob predicted an away win: 0.
    const expected = [
      { rank: 1, userId: ann.id, points: 3, exactCount: 1 },
      { rank: 2, userId: bob.id, points: 0, exactCount: 0 },
    ];
    const fromRedis = await waitFor(
      async () => {
        const res = await http('GET', boardPath, { token: null });
        return res.headers.get('x-scoreboard-source') === 'redis' && res.body.entries.length === 2 ? res : null;
      },
      30_000,
      'the board in Redis',
    );
    expect(fromRedis.body.entries).toMatchObject(expected);

    proxies.redis.cut();
    const board = await http('GET', boardPath, { token: null });
    expect(board.status).toBe(200);
    expect(board.headers.get('x-scoreboard-source')).toBe('postgres');
    expect(board.body.entries).toMatchObject(expected);
    const rank = await http('GET', `/api/tournaments/${tournament.id}/users/${bob.id}/rank`, { token: null });
    expect([rank.status, rank.body.rank, rank.body.points]).toEqual([200, 2, 0]);
    expect((await http('GET', '/api/stats/hall-of-fame', { token: null })).status).toBe(200);

    const written = await http('POST', '/api/players', { body: { name: 'written-without-redis' } });
    expect(written.status).toBe(201);
    expect(await direct.prisma.player.count({ where: { id: written.body.id } })).toBe(1);
    // The failed-authentication count falls back to this process's memory: still 401, not 500.
    expect((await http('POST', '/api/players', { body: { name: 'x' }, token: 'wrong' })).status).toBe(401);

    const ready = await http('GET', '/readyz', { token: null });
    expect(ready.status).toBe(503);
    expect(ready.body.checks.redis.status).toBe('down');
    expect([ready.body.checks.postgres.status, ready.body.checks.temporal.status]).toEqual(['up', 'up']);

    proxies.redis.restore();
    await waitFor(
      async () => (await http('GET', '/readyz', { token: null })).body.checks.redis.status === 'up',
      30_000,
      'Redis to be back in /readyz',
    );
  });
});

describe('Temporal cut for 30 s under writes', () => {
  it('accepts every write, starts every workflow once Temporal is back, none twice', { timeout: 120_000 }, async () => {
    const { gameId, starter, bench } = await gameWithBench();
    const sub = await created(`/api/games/${gameId}/substitutions`, {
      minute: 46,
      playerOutId: starter,
      playerInId: bench,
    });
    const path = `/api/games/${gameId}/substitutions/${sub.substitution.id}`;

    proxies.temporal.cut();
    const keys: string[] = [];
    const cutUntil = Date.now() + 30_000;
    for (let i = 0; Date.now() < cutUntil; i++) {
      const key = `temporal-cut-${randomUUID()}`;
      const res = await http('PUT', path, { body: { minute: 47 + (i % 40) }, key });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      keys.push(key);
      // Pacing a steady client (two writes a second), not waiting for anything.
      await pace(500);
    }
    expect(keys.length).toBeGreaterThanOrEqual(40);
    // Nothing could start while Temporal was away: every start waits in the outbox.
    expect(
      await direct.prisma.workflowOutbox.count({ where: { requestId: { in: keys }, dispatchedAt: { not: null } } }),
    ).toBe(0);

    proxies.temporal.restore();
    await waitFor(
      async () =>
        (await direct.prisma.workflowOutbox.count({ where: { requestId: { in: keys }, dispatchedAt: null } })) === 0,
      60_000,
      'the relay to start every workflow',
    );
    const expectedIds = keys.map((key) => `minutes-recalc:${key}`).sort();
    const query = `${SearchAttributeNames.gameId} = '${gameId}' AND WorkflowType = 'recalculateMinutesWorkflow'`;
    const listed = await waitFor(
      async () => {
        const ids: string[] = [];
        for await (const info of env.client.workflow.list({ query })) ids.push(info.workflowId);
        // Every cut write's run listed (visibility lags a start); the count of the others is not a proxy.
        const listedCut = new Set(ids.filter((id) => id.includes('temporal-cut-')));
        return expectedIds.every((id) => listedCut.has(id)) ? ids : null;
      },
      30_000,
      'every run to be visible',
    );
    // One run per write (plus the substitution's own), and no workflow ID twice.
    expect(listed.filter((id) => id.includes('temporal-cut-')).sort()).toEqual(expectedIds);
    expect(new Set(listed).size).toBe(listed.length);
    await Promise.all(expectedIds.map((id) => env.client.workflow.getHandle(id).result()));
    // Every run recalculates from what is stored, so the report ends on the last write's minute.
    const lastMinute = 47 + ((keys.length - 1) % 40);
    const report = await http('GET', `/api/games/${gameId}/report`, { token: null });
    const minutes = Object.fromEntries(
      report.body.players.map((p: { playerId: string; minutesPlayed: number }) => [p.playerId, p.minutesPlayed]),
    );
    expect([report.body.status, minutes]).toEqual(['calculated', { [starter]: lastMinute, [bench]: 90 - lastMinute }]);
  });
});

describe('Temporal back after a long outage', () => {
  it('retries starts that were backing off at once, not when their backoff ends', async () => {
    const { gameId, starter, bench } = await gameWithBench();
    proxies.temporal.cut();
    const key = `backed-off-${randomUUID()}`;
    const res = await http('POST', `/api/games/${gameId}/substitutions`, {
      body: { minute: 70, playerOutId: starter, playerInId: bench },
      key,
    });
    expect(res.status).toBe(201);
    await waitFor(
      async () =>
        (await direct.prisma.workflowOutbox.findFirst({ where: { requestId: key, lastError: { not: null } } })) !==
        null,
      20_000,
      'a failed start',
    );
    // What reads Temporal, or must start work before answering, cannot: 503, and nothing is kept.
    const jobs = await http('GET', '/api/admin/jobs');
    expect([jobs.status, jobs.body.error.code]).toEqual([503, 'service_unavailable']);
    const runNow = await http('POST', '/api/v2/admin/cron/maintenance-daily/run', { body: {}, key: `run-now-${key}` });
    expect([runNow.status, runNow.body.error.code]).toEqual([503, 'service_unavailable']);
    expect(await direct.prisma.idempotencyKey.count({ where: { key: `run-now-${key}` } })).toBe(0);
    // As after many failed attempts: the row's next attempt is an hour away.
    await direct.prisma.workflowOutbox.updateMany({
      where: { requestId: key },
      data: { nextAttemptAt: new Date(Date.now() + 3600_000) },
    });

    proxies.temporal.restore();
    await waitFor(
      async () =>
        (await direct.prisma.workflowOutbox.findFirst({ where: { requestId: key, dispatchedAt: { not: null } } })) !==
        null,
      20_000,
      'the start to be retried',
    );
    await env.client.workflow.getHandle(`minutes-recalc:${key}`).result();
  });
});

describe('Redis stalled', () => {
  it('costs reads at most its timeout: boards and stats fall back, writes and auth unaffected', async () => {
    const tournament = await created('/api/tournaments', { name: `Cup ${randomUUID().slice(0, 6)}` });
    proxies.redis.stall();
    const started = performance.now();
    const board = await http('GET', `/api/tournaments/${tournament.id}/scoreboard`, { token: null });
    expect([board.status, board.headers.get('x-scoreboard-source'), board.body.entries]).toEqual([200, 'postgres', []]);
    expect((await http('GET', '/api/stats/hall-of-fame', { token: null })).status).toBe(200);
    expect((await http('POST', '/api/players', { body: { name: 'written-while-redis-stalled' } })).status).toBe(201);
    expect((await http('POST', '/api/players', { body: { name: 'x' }, token: 'wrong' })).status).toBe(401);
    // Four requests, each waiting at most API_REDIS_TIMEOUT_MS (1 s) per Redis call; without the
    // timeout the first never answered.
    expect(performance.now() - started).toBeLessThan(15_000);
    const ready = await http('GET', '/readyz', { token: null });
    expect([ready.status, ready.body.checks.redis.status, ready.body.checks.postgres.status]).toEqual([
      503,
      'down',
      'up',
    ]);

    proxies.redis.restore();
    // The stalled connection was closed for not answering; a new one serves again.
    await waitFor(
      async () => (await http('GET', '/readyz', { token: null })).body.checks.redis.status === 'up',
      30_000,
      'Redis to be back in /readyz',
    );
  });
});

describe('Temporal stalled', () => {
  it(
    'answers what needs Temporal with 503 by its deadline, accepts writes, and starts them once it answers again',
    { timeout: 180_000 },
    async () => {
      const { gameId, starter, bench } = await gameWithBench();
      proxies.temporal.stall();
      const started = performance.now();
      const jobs = await http('GET', '/api/admin/jobs');
      expect([jobs.status, jobs.body.error.code]).toEqual([503, 'service_unavailable']);
      // API_TEMPORAL_TIMEOUT_MS is 2 s here; without a deadline this call never answered.
      expect(performance.now() - started).toBeLessThan(10_000);
      const ready = await http('GET', '/readyz', { token: null });
      expect([ready.status, ready.body.checks.temporal.status]).toEqual([503, 'down']);
      const key = `temporal-stalled-${randomUUID()}`;
      const written = await http('POST', `/api/games/${gameId}/substitutions`, {
        body: { minute: 50, playerOutId: starter, playerInId: bench },
        key,
      });
      expect(written.status).toBe(201);

      proxies.temporal.restore();
      // The client finds its stalled connection dead by keepalive (30 s + 15 s) and connects again;
      // the relay then starts the waiting workflow.
      await waitFor(
        async () =>
          (await direct.prisma.workflowOutbox.findFirst({ where: { requestId: key, dispatchedAt: { not: null } } })) !==
          null,
        120_000,
        'the start after the stall',
      );
      await env.client.workflow.getHandle(`minutes-recalc:${key}`).result();
      expect((await http('GET', '/api/admin/jobs')).status).toBe(200);
    },
  );
});
