// Live streams end to end (HTTP -> outbox -> Temporal -> workers -> PostgreSQL -> Redis projection ->
// the change feed -> the stream): a client connected to a tournament's board sees a settlement's new
// board without asking, and a report stream sees a substitution's recalculation. Reconnecting with
// Last-Event-ID gets nothing it already has; unknown ids are 404s and a malformed Last-Event-ID a 400.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gameWithBench, postCreated, startStack, waitFor, type TestStack } from '../../test/harness.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

interface SseEvent {
  id: string | null;
  event: string | null;
  data: any;
}

/** An EventSource-like client: collects events and comment lines as they arrive. */
async function connect(path: string, headers: Record<string, string> = {}) {
  const aborted = new AbortController();
  const res = await fetch(`${stack.api.baseUrl}${path}`, { headers, signal: aborted.signal });
  const events: SseEvent[] = [];
  let comments = 0;
  const reading = (async () => {
    if (!res.ok || !res.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields: Record<string, string> = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments += 1;
            else {
              const at = line.indexOf(': ');
              fields[line.slice(0, at)] = line.slice(at + 2);
            }
          }
          if (fields.data !== undefined)
            events.push({ id: fields.id ?? null, event: fields.event ?? null, data: JSON.parse(fields.data) });
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    res,
    events,
    comments: () => comments,
    async close() {
      aborted.abort();
      await reading;
    },
  };
}

async function tournamentWithPrediction() {
  const http = stack.http;
  const tournamentId = (await postCreated(http, '/api/tournaments', { name: `Live ${randomUUID().slice(0, 6)}` }))
    .id as string;
  const userId = (await postCreated(http, '/api/users', { name: 'Fan' })).id as string;
  const gameId = (
    await postCreated(http, '/api/games', {
      homeTeam: 'H',
      awayTeam: 'A',
      kickoffAt: new Date(Date.now() + 3600_000).toISOString(),
      tournamentId,
    })
  ).id as string;
  await postCreated(http, `/api/games/${gameId}/predictions`, { userId, homeGoals: 2, awayGoals: 1 });
  return { tournamentId, userId, gameId };
}

describe('live streams', () => {
  it("sends a settlement's new board to a connected client without it asking", async () => {
    const { tournamentId, userId, gameId } = await tournamentWithPrediction();
    const stream = await connect(`/api/tournaments/${tournamentId}/scoreboard/stream?limit=10`);
    try {
      expect(stream.res.status).toBe(200);
      expect(stream.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      // The state on connect: nobody settled yet.
      await waitFor(async () => stream.events.length >= 1, 10_000, 'the board on connect');
      expect(stream.events[0]).toEqual({ id: '0', event: 'board', data: { version: 0, total: 0, entries: [] } });

      const posted = await stack.http('POST', `/api/games/${gameId}/result`, {
        body: { homeGoals: 2, awayGoals: 1 },
        headers: { 'idempotency-key': randomUUID() },
      });
      expect(posted.status).toBe(202);
      const board = await waitFor(
        async () => stream.events.find((e) => e.data.total === 1),
        30_000,
        'the settled board, pushed',
      );
      expect(board.event).toBe('board');
      expect(Number(board.id)).toBe(board.data.version);
      expect(board.data.version).toBeGreaterThan(0);
      expect(board.data.entries).toEqual([{ rank: 1, userId, points: 3, exactCount: 1 }]);

      // A reconnect with that version gets nothing it has; one with an older version gets the board.
      const again = await connect(`/api/tournaments/${tournamentId}/scoreboard/stream?limit=10`, {
        'Last-Event-ID': String(board.data.version),
      });
      const older = await connect(`/api/tournaments/${tournamentId}/scoreboard/stream?limit=10`, {
        'Last-Event-ID': '0',
      });
      try {
        await waitFor(async () => older.events.length === 1, 10_000, 'the newer board on reconnect');
        expect(older.events[0]!.data).toEqual(board.data);
        await waitFor(async () => again.comments() >= 1, 10_000, 'the reconnected stream to open');
        expect(again.events).toEqual([]);
      } finally {
        await again.close();
        await older.close();
      }
    } finally {
      await stream.close();
    }
  }, 60_000);

  it('sends a report again when a substitution is recalculated', async () => {
    const { gameId, starter, bench } = await gameWithBench(stack.http);
    const stream = await connect(`/api/games/${gameId}/report/stream`);
    try {
      await waitFor(async () => stream.events.some((e) => e.data.status === 'calculated'), 30_000, 'the first report');
      const before = stream.events.length;
      await postCreated(stack.http, `/api/games/${gameId}/substitutions`, {
        minute: 60,
        playerOutId: starter,
        playerInId: bench,
      });
      const report = await waitFor(
        async () => stream.events.slice(before).find((e) => e.data.players.some((p: any) => p.minutesPlayed === 30)),
        30_000,
        'the recalculated report, pushed',
      );
      expect(report.event).toBe('report');
      expect(Number(report.id)).toBe(report.data.calculatedVersion);
      expect(report.data.players).toEqual([
        { playerId: starter, starter: true, minutesPlayed: 60, minutesCalculationMethod: 'calculated' },
        { playerId: bench, starter: false, minutesPlayed: 30, minutesCalculationMethod: 'calculated' },
      ]);
    } finally {
      await stream.close();
    }
  }, 60_000);

  it('answers 404 for an unknown tournament, league or game, and 400 for a malformed Last-Event-ID', async () => {
    for (const path of [
      `/api/tournaments/${randomUUID()}/scoreboard/stream`,
      `/api/leagues/${randomUUID()}/scoreboard/stream`,
      `/api/games/${randomUUID()}/report/stream`,
    ]) {
      const res = await fetch(`${stack.api.baseUrl}${path}`);
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
    }
    const { tournamentId } = await tournamentWithPrediction();
    const res = await fetch(`${stack.api.baseUrl}/api/tournaments/${tournamentId}/scoreboard/stream`, {
      headers: { 'Last-Event-ID': 'yesterday' },
    });
    expect(res.status).toBe(400);
    const limit = await fetch(`${stack.api.baseUrl}/api/tournaments/${tournamentId}/scoreboard/stream?limit=0`);
    expect(limit.status).toBe(400);
  });
});
