// Failed authentication is limited per client: past AUTH_FAILURE_LIMIT wrong tokens in the window the
// client gets 429 with Retry-After, whatever token it then sends, until the block ends. No Temporal
// server is needed (rejected requests never reach the outbox; accepted ones wait in it).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createScratchDatabase,
  httpClient,
  startApi,
  testConfig,
  TEST_TOKEN,
  type TestApi,
} from '../../test/harness.ts';

let database: Awaited<ReturnType<typeof createScratchDatabase>>;
let replicas: TestApi[];
let http: ReturnType<typeof httpClient>;

beforeAll(async () => {
  database = await createScratchDatabase();
  // Two replicas sharing this file's Redis prefix; `loopback` lets the tests name clients with
  // X-Forwarded-For, as a load balancer would.
  const config = testConfig({
    TEMPORAL_ADDRESS: '127.0.0.1:1',
    DATABASE_URL: database.url,
    REDIS_KEY_PREFIX: `${testConfig().REDIS_KEY_PREFIX}auth-${randomUUID()}:`,
    AUTH_FAILURE_LIMIT: '3',
    AUTH_FAILURE_WINDOW_SECONDS: '60',
    AUTH_BLOCK_SECONDS: '120',
    TRUST_PROXY: 'loopback',
  });
  replicas = await Promise.all([startApi(config), startApi(config)]);
  http = httpClient(replicas[0]!.baseUrl);
});

afterAll(async () => {
  await Promise.all((replicas ?? []).map((api) => api.close()));
  await database?.drop();
});

/** POST /api/players as `client`, with `token`. */
function createPlayer(client: string, token: string, via = http) {
  return via('POST', '/api/players', { body: { name: `p-${client}` }, token, headers: { 'x-forwarded-for': client } });
}

const playerCount = () => replicas[0]!.prisma.player.count({ where: { name: { startsWith: 'p-' } } });

describe('failed authentication', () => {
  it('blocks a client after the limit, even with the right token, and writes nothing', async () => {
    const client = '203.0.113.1';
    const before = await playerCount();
    for (let attempt = 1; attempt <= 3; attempt++) {
      const res = await createPlayer(client, 'guess');
      expect(res.status).toBe(401);
    }
    const blocked = await createPlayer(client, 'guess');
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe('too_many_requests');
    // Blocked for AUTH_BLOCK_SECONDS = 120 from the fourth failure: 119 or 120 s left, rounded up.
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThanOrEqual(119);
    expect(Number(blocked.headers.get('retry-after'))).toBeLessThanOrEqual(120);
    const rightToken = await createPlayer(client, TEST_TOKEN);
    expect(rightToken.status).toBe(429);
    expect(await playerCount()).toBe(before);
    // Public reads need no token and are not limited.
    expect(
      (await http('GET', '/api/openapi.json', { token: null, headers: { 'x-forwarded-for': client } })).status,
    ).toBe(200);
  });

  it('does not count requests without a token: they guess nothing', async () => {
    const client = '203.0.113.7';
    const statuses = [];
    for (let attempt = 1; attempt <= 5; attempt++) {
      statuses.push(
        (
          await http('POST', '/api/players', {
            body: { name: 'p-x' },
            token: null,
            headers: { 'x-forwarded-for': client },
          })
        ).status,
      );
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    expect((await createPlayer(client, TEST_TOKEN)).status).toBe(201);
  });

  it('counts per client: another address is unaffected', async () => {
    for (let attempt = 1; attempt <= 4; attempt++) await createPlayer('203.0.113.2', 'guess');
    const other = await createPlayer('203.0.113.3', TEST_TOKEN);
    expect(other.status).toBe(201);
  });

  it('starts a client afresh once it sends the right token', async () => {
    const client = '203.0.113.4';
    expect((await createPlayer(client, 'typo')).status).toBe(401);
    expect((await createPlayer(client, 'typo')).status).toBe(401);
    expect((await createPlayer(client, TEST_TOKEN)).status).toBe(201);
    // Three more failures are allowed again before the block: 401, 401, 401, then 429.
    const statuses = [];
    for (let attempt = 1; attempt <= 4; attempt++) statuses.push((await createPlayer(client, 'typo')).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
  });

  it('never counts valid requests, however many are in flight', async () => {
    const client = '203.0.113.5';
    const results = await Promise.all(Array.from({ length: 25 }, () => createPlayer(client, TEST_TOKEN)));
    expect(results.map((r) => r.status)).toEqual(Array(25).fill(201));
  });

  it('shares the count between replicas through Redis', async () => {
    const client = '203.0.113.6';
    const other = httpClient(replicas[1]!.baseUrl);
    for (let attempt = 1; attempt <= 3; attempt++) expect((await createPlayer(client, 'guess')).status).toBe(401);
    expect((await createPlayer(client, 'guess', other)).status).toBe(429);
    expect((await createPlayer(client, TEST_TOKEN, other)).status).toBe(429);
  });
});
