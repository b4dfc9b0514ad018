// Bounded labels: after 1,000 writes over 100 games the API's metrics page holds exactly the series it
// held after 10 writes over 10 games (the same routes and statuses were used both times), and no label
// value anywhere on it is a game, player or request ID.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createScratchDatabase,
  httpClient,
  postCreated,
  startApi,
  testConfig,
  type TestApi,
} from '../../test/harness.ts';

let api: TestApi;
let database: Awaited<ReturnType<typeof createScratchDatabase>>;

beforeAll(async () => {
  database = await createScratchDatabase();
  // Temporal unreachable on purpose: every write still commits (its starts wait in the outbox).
  api = await startApi(testConfig({ TEMPORAL_ADDRESS: '127.0.0.1:1', DATABASE_URL: database.url }), { metrics: true });
});

afterAll(async () => {
  await api?.close();
  await database?.drop();
});

/** The project's series on the page (`name{labels}`), and every label value on the whole page. */
async function page(): Promise<{ series: Set<string>; labelValues: Set<string> }> {
  const text = await (await fetch(`${api.metricsUrl}/metrics`)).text();
  const samples = text.split('\n').filter((line) => line && !line.startsWith('#'));
  const series = new Set(
    samples.filter((line) => line.startsWith('fulltime_')).map((line) => line.slice(0, line.lastIndexOf(' '))),
  );
  const labelValues = new Set(samples.flatMap((line) => [...line.matchAll(/="((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!)));
  return { series, labelValues };
}

/** `count` items at a time, so a thousand requests take seconds. */
async function inBatches<T>(items: T[], size: number, each: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(each));
}

describe('metric labels', () => {
  it('stay bounded however many games, users and requests there are', async () => {
    const http = httpClient(api.baseUrl);
    const [home, away] = await Promise.all([
      postCreated(http, '/api/players', { name: 'Home' }),
      postCreated(http, '/api/players', { name: 'Away' }),
    ]);
    const games: string[] = [];
    const keys: string[] = [];
    const addGames = (n: number) =>
      inBatches(
        Array.from({ length: n }, () => null),
        10,
        async () => {
          const game = await postCreated(http, '/api/games', {
            homeTeam: 'H',
            awayTeam: 'A',
            kickoffAt: '2026-09-01T15:00:00Z',
            lineup: [
              { playerId: home.id, starter: true },
              { playerId: away.id, starter: true },
            ],
          });
          games.push(game.id);
        },
      );
    /** `n` goals spread over every game so far, each with its own Idempotency-Key, a report read each, and a 404 each. */
    const traffic = (n: number) =>
      inBatches(
        Array.from({ length: n }, (_, i) => i),
        20,
        async (i) => {
          const gameId = games[i % games.length]!;
          const key = `goal-${randomUUID()}`;
          keys.push(key);
          expect(
            (await http('POST', `/api/games/${gameId}/goals`, { body: { scorerId: home.id, minute: i % 90 }, key }))
              .status,
          ).toBe(201);
          expect((await http('GET', `/api/games/${gameId}/report`)).status).toBe(200);
          expect((await http('GET', `/api/games/ghost-${randomUUID()}/report`)).status).toBe(404);
        },
      );

    await addGames(10);
    await traffic(10);
    const small = await page();
    await addGames(90);
    await traffic(990);
    const large = await page();

    expect(games).toHaveLength(100);
    // Never on the public port.
    expect((await http('GET', '/metrics', { token: null })).status).toBe(404);
    expect([...large.series].sort()).toEqual([...small.series].sort());
    const ids = [...games, home.id, away.id, ...keys];
    expect(ids.filter((id) => large.labelValues.has(id))).toEqual([]);
    expect([...large.labelValues].some((value) => value.includes('ghost-'))).toBe(false);
  }, 180_000);
});
