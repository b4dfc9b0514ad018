// Every bad input gets its status and error body (docs/api.md), and writes nothing and starts nothing.
// No Temporal server is needed: rejected requests never get as far as the outbox.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase, httpClient, startApi, testConfig, type TestApi } from '../../test/harness.ts';

let api: TestApi;
let database: Awaited<ReturnType<typeof createScratchDatabase>>;
let http: ReturnType<typeof httpClient>;
let game: { id: string; starter: string; bench: string; outsider: string; subId: string; cardId: string };

beforeAll(async () => {
  // Temporal is unreachable on purpose: accepted writes still succeed (they wait in the outbox).
  // Its own database: the no-write check counts whole tables.
  database = await createScratchDatabase();
  api = await startApi(testConfig({ TEMPORAL_ADDRESS: '127.0.0.1:1', DATABASE_URL: database.url }));
  http = httpClient(api.baseUrl);
  const ids = await Promise.all(
    ['S', 'B', 'O'].map(async (name) => (await http('POST', '/api/players', { body: { name } })).body.id),
  );
  const [starter, bench, outsider] = ids as [string, string, string];
  const created = await http('POST', '/api/games', {
    body: {
      homeTeam: 'A',
      awayTeam: 'B',
      kickoffAt: '2026-05-01T12:00:00.000Z',
      lineup: [
        { playerId: starter, starter: true },
        { playerId: bench, starter: false },
      ],
    },
  });
  expect(created.status).toBe(201);
  const sub = await http('POST', `/api/games/${created.body.id}/substitutions`, {
    body: { minute: 50, playerOutId: starter, playerInId: bench },
  });
  const card = await http('POST', `/api/games/${created.body.id}/disciplinary-actions`, {
    body: { playerId: bench, cardType: 'yellow', minute: 70 },
  });
  expect([sub.status, card.status]).toEqual([201, 201]);
  game = {
    id: created.body.id,
    starter,
    bench,
    outsider,
    subId: sub.body.substitution.id,
    cardId: card.body.action.id,
  };
});

afterAll(async () => {
  await api?.close();
  await database?.drop();
});

/** Row counts of every table a write can touch, plus the game's version. */
async function snapshot() {
  const p = api.prisma;
  const [players, users, tournaments, games, lineups, subs, cards, goals, keys, outbox, version, sub, card] =
    await Promise.all([
      p.player.count(),
      p.user.count(),
      p.tournament.count(),
      p.game.count(),
      p.gameLineup.count(),
      p.substitution.count(),
      p.disciplinaryAction.count(),
      p.goal.count(),
      p.idempotencyKey.count(),
      p.workflowOutbox.count(),
      p.game.findUnique({ where: { id: game.id }, select: { eventsVersion: true } }),
      p.substitution.findUnique({ where: { id: game.subId } }),
      p.disciplinaryAction.findUnique({ where: { id: game.cardId } }),
    ]);
  return { players, users, tournaments, games, lineups, subs, cards, goals, keys, outbox, version, sub, card };
}

/** Cases are written before the game exists: `$starter` etc. stand for its ids until the test runs. */
function resolve<T>(value: T): T {
  if (value === undefined) return value;
  let text = JSON.stringify(value);
  for (const [name, id] of Object.entries(game)) text = text.replaceAll(`$${name}`, id);
  return JSON.parse(text) as T;
}

type Case = [
  name: string,
  method: string,
  path: () => string,
  body: unknown,
  status: number,
  code: string,
  extra?: { token?: string | null; key?: string; rawBody?: string | Uint8Array },
];

const g = () => `/api/games/${game.id}`;
const cases: Case[] = [
  ['no token', 'POST', () => '/api/players', { name: 'x' }, 401, 'unauthorized', { token: null }],
  ['wrong token', 'POST', () => '/api/players', { name: 'x' }, 401, 'unauthorized', { token: 'nope' }],
  ['malformed JSON', 'POST', () => '/api/players', undefined, 400, 'malformed_json', { rawBody: '{"name":' }],
  ['body over 1 MiB', 'POST', () => '/api/players', { name: 'x'.repeat(1024 * 1024 + 10) }, 413, 'payload_too_large'],
  [
    'Idempotency-Key over 200 chars',
    'POST',
    () => '/api/players',
    { name: 'x' },
    400,
    'invalid_idempotency_key',
    { key: 'k'.repeat(201) },
  ],
  [
    'Idempotency-Key not printable',
    'POST',
    () => '/api/players',
    { name: 'x' },
    400,
    'invalid_idempotency_key',
    { key: 'tab\there' },
  ],
  ['player without name', 'POST', () => '/api/players', {}, 400, 'validation_failed'],
  ['user with empty name', 'POST', () => '/api/users', { name: '  ' }, 400, 'validation_failed'],
  ['tournament name not a string', 'POST', () => '/api/tournaments', { name: 7 }, 400, 'validation_failed'],
  ['game without teams', 'POST', () => '/api/games', { kickoffAt: '2026-05-01T12:00:00Z' }, 400, 'validation_failed'],
  [
    'game with a bad kickoffAt',
    'POST',
    () => '/api/games',
    { homeTeam: 'A', awayTeam: 'B', kickoffAt: 'tomorrow' },
    400,
    'validation_failed',
  ],
  [
    'game of 0 minutes',
    'POST',
    () => '/api/games',
    { homeTeam: 'A', awayTeam: 'B', kickoffAt: '2026-05-01T12:00:00Z', durationMinutes: 0 },
    400,
    'validation_failed',
  ],
  [
    'game of 151 minutes',
    'POST',
    () => '/api/games',
    { homeTeam: 'A', awayTeam: 'B', kickoffAt: '2026-05-01T12:00:00Z', durationMinutes: 151 },
    400,
    'validation_failed',
  ],
  [
    'game of 90.5 minutes',
    'POST',
    () => '/api/games',
    { homeTeam: 'A', awayTeam: 'B', kickoffAt: '2026-05-01T12:00:00Z', durationMinutes: 90.5 },
    400,
    'validation_failed',
  ],
  [
    'lineup naming a player twice',
    'POST',
    () => '/api/games',
    {
      homeTeam: 'A',
      awayTeam: 'B',
      kickoffAt: '2026-05-01T12:00:00Z',
      lineup: [
        { playerId: '$starter', starter: true },
        { playerId: '$starter', starter: false },
      ],
    },
    400,
    'validation_failed',
  ],
  [
    'lineup with an unknown player',
    'POST',
    () => '/api/games',
    { homeTeam: 'A', awayTeam: 'B', kickoffAt: '2026-05-01T12:00:00Z', lineup: [{ playerId: 'ghost', starter: true }] },
    400,
    'validation_failed',
  ],
  [
    'lineup entry without starter',
    'POST',
    () => '/api/games',
    { homeTeam: 'A', awayTeam: 'B', kickoffAt: '2026-05-01T12:00:00Z', lineup: [{ playerId: '$starter' }] },
    400,
    'validation_failed',
  ],
  [
    'game in an unknown tournament',
    'POST',
    () => '/api/games',
    { homeTeam: 'A', awayTeam: 'B', kickoffAt: '2026-05-01T12:00:00Z', tournamentId: 'ghost' },
    400,
    'validation_failed',
  ],
  [
    'substitution in an unknown game',
    'POST',
    () => '/api/games/ghost/substitutions',
    { minute: 10, playerOutId: 'a', playerInId: 'b' },
    404,
    'not_found',
  ],
  [
    'substitution at minute -1',
    'POST',
    () => `${g()}/substitutions`,
    { minute: -1, playerOutId: '$starter', playerInId: '$bench' },
    400,
    'validation_failed',
  ],
  [
    'substitution after full time',
    'POST',
    () => `${g()}/substitutions`,
    { minute: 91, playerOutId: '$starter', playerInId: '$bench' },
    400,
    'validation_failed',
  ],
  [
    'substitution at a fractional minute',
    'POST',
    () => `${g()}/substitutions`,
    { minute: 10.5, playerOutId: '$starter', playerInId: '$bench' },
    400,
    'validation_failed',
  ],
  [
    'substitution with a minute string',
    'POST',
    () => `${g()}/substitutions`,
    { minute: '10', playerOutId: '$starter', playerInId: '$bench' },
    400,
    'validation_failed',
  ],
  [
    'substitution of a player for themselves',
    'POST',
    () => `${g()}/substitutions`,
    { minute: 10, playerOutId: '$starter', playerInId: '$starter' },
    400,
    'validation_failed',
  ],
  [
    'substitution naming a player outside the lineup',
    'POST',
    () => `${g()}/substitutions`,
    { minute: 10, playerOutId: '$starter', playerInId: '$outsider' },
    400,
    'validation_failed',
  ],
  [
    'substitution bringing on a player twice',
    'POST',
    () => `${g()}/substitutions`,
    { minute: 60, playerOutId: '$bench', playerInId: '$starter' },
    409,
    'impossible_timeline',
  ],
  ['update of an unknown substitution', 'PUT', () => `${g()}/substitutions/ghost`, { minute: 10 }, 404, 'not_found'],
  ['update with nothing to change', 'PUT', () => `${g()}/substitutions/$subId`, {}, 400, 'validation_failed'],
  [
    'update to the same player in and out',
    'PUT',
    () => `${g()}/substitutions/$subId`,
    { playerInId: '$starter' },
    400,
    'validation_failed',
  ],
  ['update past full time', 'PUT', () => `${g()}/substitutions/$subId`, { minute: 95 }, 400, 'validation_failed'],
  [
    'update to a player outside the lineup',
    'PUT',
    () => `${g()}/substitutions/$subId`,
    { playerInId: '$outsider' },
    400,
    'validation_failed',
  ],
  ['delete of an unknown substitution', 'DELETE', () => `${g()}/substitutions/ghost`, undefined, 404, 'not_found'],
  [
    'card of an unknown type',
    'POST',
    () => `${g()}/disciplinary-actions`,
    { playerId: '$starter', cardType: 'blue', minute: 10 },
    400,
    'validation_failed',
  ],
  [
    'card for a player outside the lineup',
    'POST',
    () => `${g()}/disciplinary-actions`,
    { playerId: '$outsider', cardType: 'yellow', minute: 10 },
    400,
    'validation_failed',
  ],
  [
    'card after full time',
    'POST',
    () => `${g()}/disciplinary-actions`,
    { playerId: '$starter', cardType: 'red', minute: 120 },
    400,
    'validation_failed',
  ],
  [
    'red card for a player already off',
    'POST',
    () => `${g()}/disciplinary-actions`,
    { playerId: '$starter', cardType: 'red', minute: 80 },
    409,
    'impossible_timeline',
  ],
  ['update of an unknown card', 'PUT', () => `${g()}/disciplinary-actions/ghost`, { minute: 10 }, 404, 'not_found'],
  [
    'update making a card red for a player off',
    'PUT',
    () => `${g()}/disciplinary-actions/$cardId`,
    { playerId: '$starter', cardType: 'red' },
    409,
    'impossible_timeline',
  ],
  ['delete of an unknown card', 'DELETE', () => `${g()}/disciplinary-actions/ghost`, undefined, 404, 'not_found'],
  [
    'goal assisted by its scorer',
    'POST',
    () => `${g()}/goals`,
    { scorerId: '$starter', assistId: '$starter', minute: 10 },
    400,
    'validation_failed',
  ],
  [
    'goal by a player outside the lineup',
    'POST',
    () => `${g()}/goals`,
    { scorerId: '$outsider', minute: 10 },
    400,
    'validation_failed',
  ],
  ['goal without a minute', 'POST', () => `${g()}/goals`, { scorerId: '$starter' }, 400, 'validation_failed'],
  ['a route that does not exist', 'POST', () => '/api/nothing-here', {}, 404, 'not_found'],
  // Text PostgreSQL cannot store (or would store changed): refused, naming the field.
  [
    'a NUL character in a name',
    'POST',
    () => '/api/players',
    undefined,
    400,
    'validation_failed',
    { rawBody: '{"name":"ok\\u0000"}' },
  ],
  [
    'a NUL character in a team',
    'POST',
    () => '/api/games',
    undefined,
    400,
    'validation_failed',
    { rawBody: '{"homeTeam":"A\\u0000","awayTeam":"B","kickoffAt":"2026-05-01T12:00:00Z"}' },
  ],
  [
    'a control character in a name',
    'POST',
    () => '/api/users',
    undefined,
    400,
    'validation_failed',
    { rawBody: '{"name":"bell\\u0007"}' },
  ],
  [
    'a lone surrogate in a name',
    'POST',
    () => '/api/players',
    undefined,
    400,
    'validation_failed',
    { rawBody: '{"name":"\\ud800"}' },
  ],
  [
    'a NUL character in an object key',
    'PUT',
    () => '/api/admin/stats-switches',
    undefined,
    400,
    'validation_failed',
    { rawBody: '{"aggregations":{"x\\u0000":true}}' },
  ],
  [
    'bytes that are not UTF-8',
    'POST',
    () => '/api/players',
    undefined,
    400,
    'malformed_json',
    { rawBody: Buffer.from([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]) },
  ],
  ['a malformed escape in a path segment', 'GET', () => '/api/games/%ZZ/report', undefined, 400, 'validation_failed'],
  ['an encoded NUL in a path segment', 'GET', () => '/api/games/%00/report', undefined, 400, 'validation_failed'],
  [
    'an encoded NUL in a write path',
    'POST',
    () => '/api/games/a%00b/substitutions',
    { minute: 10, playerOutId: 'a', playerInId: 'b' },
    400,
    'validation_failed',
  ],
  [
    'a NUL character in a query',
    'GET',
    () => '/api/stats/power-ratings?limit=%00',
    undefined,
    400,
    'validation_failed',
  ],
  // Query integers are digits (found by the fuzz pass: `?offset=` was taken as 0).
  [
    'an empty integer in a query',
    'GET',
    () => '/api/stats/power-ratings?limit=1&offset=',
    undefined,
    400,
    'validation_failed',
  ],
  [
    'an exponent for an integer in a query',
    'GET',
    () => '/api/stats/power-ratings?limit=1e2',
    undefined,
    400,
    'validation_failed',
  ],
  [
    'a hexadecimal integer in a query',
    'GET',
    () => '/api/stats/power-ratings?limit=0x10',
    undefined,
    400,
    'validation_failed',
  ],
  [
    'a padded integer in a query',
    'GET',
    () => '/api/stats/power-ratings?limit=%205',
    undefined,
    400,
    'validation_failed',
  ],
  // Lengths count as the document counts them: code points of the text as sent (found by the fuzz
  // pass: a line break and 200 letters is 201 characters, which the document refuses).
  [
    'a name of a line break and 200 letters',
    'POST',
    () => '/api/users',
    { name: `\n${'x'.repeat(200)}` },
    400,
    'validation_failed',
  ],
  [
    'a name of 201 letters after white space',
    'POST',
    () => '/api/players',
    { name: `${'y'.repeat(201)}  ` },
    400,
    'validation_failed',
  ],
  [
    'a name of only non-breaking and ideographic spaces',
    'POST',
    () => '/api/tournaments',
    { name: '\u00a0\u3000\ufeff' },
    400,
    'validation_failed',
  ],
  // Deep nesting is refused before any walk over the body (50,000 levels used to overflow the stack: 500).
  [
    'a body of 50,000 nested arrays',
    'POST',
    () => '/api/players',
    undefined,
    400,
    'body_too_deep',
    { rawBody: `${'['.repeat(50_000)}${']'.repeat(50_000)}` },
  ],
  [
    'a body of 50,000 nested objects',
    'POST',
    () => `${g()}/goals`,
    undefined,
    400,
    'body_too_deep',
    { rawBody: `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}` },
  ],
  [
    'a body one level deeper than allowed',
    'PUT',
    () => '/api/admin/stats-switches',
    undefined,
    400,
    'body_too_deep',
    { rawBody: `{"triggers":${'['.repeat(32)}${']'.repeat(32)}}` },
  ],
  ['a method the path does not serve', 'PATCH', () => '/api/players', { name: 'x' }, 405, 'method_not_allowed'],
  ['DELETE on a path that only reads', 'DELETE', () => `${g()}/report`, undefined, 405, 'method_not_allowed'],
];

describe('bad input', () => {
  it.each(cases)('%s -> %i %s, writes nothing', async (_name, method, path, body, status, code, extra = {}) => {
    const before = await snapshot();
    const res = await http(method, resolve(path()), { body: resolve(body), ...extra });
    expect(res.status).toBe(status);
    expect(res.body).toEqual({ error: { code, message: expect.any(String), details: expect.any(Array) } });
    expect(res.body.error.message.length).toBeGreaterThan(5);
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect(await snapshot()).toEqual(before);
  });

  it('names the field that holds unstorable text, and says 405 with the methods a path allows', async () => {
    const nul = await http('POST', '/api/games', {
      rawBody:
        '{"homeTeam":"A","awayTeam":"B","kickoffAt":"2026-05-01T12:00:00Z","lineup":[{"playerId":"p\\u0000","starter":true}]}',
    });
    expect(nul.body.error.details).toEqual([
      { path: 'lineup.0.playerId', message: 'contains the control character U+0000' },
    ]);
    const surrogate = await http('POST', '/api/players', { rawBody: '{"name":"\\udc00x"}' });
    expect(surrogate.body.error.details).toEqual([
      { path: 'name', message: 'contains an unpaired surrogate (U+DC00), which is not valid Unicode text' },
    ]);
    // Paired surrogates are one character (an emoji), and tabs and line breaks are allowed.
    const emoji = await http('POST', '/api/players', { body: { name: 'Kylian \u{1F600}\tM.' } });
    expect(emoji.status).toBe(201);
    expect((await api.prisma.player.findUniqueOrThrow({ where: { id: emoji.body.id } })).name).toBe(
      'Kylian \u{1F600}\tM.',
    );

    // 200 characters as the document counts them, whatever UTF-16 makes of them; brackets inside text are not nesting.
    const astral = await http('POST', '/api/players', { body: { name: '\u{1F3C6}'.repeat(200) } });
    expect(astral.status).toBe(201);
    expect((await api.prisma.player.findUniqueOrThrow({ where: { id: astral.body.id } })).name).toBe(
      '\u{1F3C6}'.repeat(200),
    );
    const brackets = await http('POST', '/api/users', { body: { name: ` ${'['.repeat(100)}{ ` } });
    expect([brackets.status, brackets.body.name]).toEqual([201, `${'['.repeat(100)}{`]);

    const patch = await http('PATCH', '/api/players', { body: { name: 'x' } });
    expect(patch.headers.get('allow')).toBe('POST, OPTIONS');
    const report = await http('PUT', `/api/games/${game.id}/report`, { body: {} });
    expect(report.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    const options = await http('OPTIONS', `/api/games/${game.id}/substitutions/${game.subId}`, { validate: false });
    expect([options.status, options.headers.get('allow')]).toEqual([204, 'PUT, DELETE, OPTIONS']);
  });

  it('names each invalid field in details', async () => {
    const res = await http('POST', '/api/games', { body: { homeTeam: '', kickoffAt: 'x', durationMinutes: 0 } });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
      'awayTeam',
      'durationMinutes',
      'homeTeam',
      'kickoffAt',
    ]);
  });

  it('rejects a reused Idempotency-Key with a different body (409) and keeps the first response', async () => {
    const key = `reuse-${game.id}`;
    const first = await http('POST', '/api/players', { body: { name: 'First' }, key });
    expect(first.status).toBe(201);
    const before = await snapshot();
    const other = await http('POST', '/api/players', { body: { name: 'Second' }, key });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('idempotency_key_reused');
    const otherPath = await http('POST', '/api/users', { body: { name: 'First' }, key });
    expect(otherPath.status).toBe(409);
    expect(await snapshot()).toEqual(before);
    const again = await http('POST', '/api/players', { body: { name: 'First' }, key });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });

  it('treats the same body with its keys in another order as the same request (a replay, not a 409)', async () => {
    const key = `key-order-${game.id}`;
    const first = await http('POST', `${g()}/goals`, {
      rawBody: `{"scorerId":"${game.starter}","minute":12,"ownGoal":false}`,
      key,
    });
    expect(first.status).toBe(201);
    const before = await snapshot();
    const reordered = await http('POST', `${g()}/goals`, {
      rawBody: `{"ownGoal":false,"minute":12,"scorerId":"${game.starter}"}`,
      key,
    });
    expect(reordered.status).toBe(201);
    expect(reordered.body).toEqual(first.body);
    expect(reordered.headers.get('idempotent-replayed')).toBe('true');
    expect(await snapshot()).toEqual(before);
  });

  it('lets a key whose first use was rejected be used again', async () => {
    const key = `retry-after-400-${game.id}`;
    expect((await http('POST', '/api/players', { body: {}, key })).status).toBe(400);
    const ok = await http('POST', '/api/players', { body: { name: 'Fixed' }, key });
    expect(ok.status).toBe(201);
  });

  it('serves public GETs without a token and answers unknown ids with 404', async () => {
    expect((await http('GET', `${g()}/report`, { token: null })).status).toBe(200);
    const missing = await http('GET', '/api/games/ghost', { token: null });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
    expect((await http('GET', '/api/games/ghost/report', { token: null })).status).toBe(404);
  });

  it('needs the token for admin routes, GETs included', async () => {
    const res = await http('GET', '/api/admin/jobs', { token: null });
    expect(res.status).toBe(401);
    expect((await http('GET', '/api/v2/admin/cron', { token: null })).status).toBe(401);
  });

  it('reports liveness always and readiness per dependency', async () => {
    expect((await http('GET', '/healthz', { token: null })).status).toBe(200);
    const ready = await http('GET', '/readyz', { token: null });
    expect(ready.status).toBe(503); // Temporal is unreachable in this file
    expect(ready.body.status).toBe('not_ready');
    expect(ready.body.checks.postgres.status).toBe('up');
    expect(ready.body.checks.redis.status).toBe('up');
    expect(ready.body.checks.temporal.status).toBe('down');
  });
});
