// The slice end to end: HTTP writes -> outbox -> Temporal dev server -> worker -> fresh game report.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, waitFor, type TestApi, type TestStack } from '../../test/harness.ts';

let stack: TestStack;
let env: TestWorkflowEnvironment;
let api: TestApi;
let http: TestStack['http'];

beforeAll(async () => {
  stack = await startStack();
  ({ env, api, http } = stack);
});

afterAll(async () => {
  await stack?.stop();
});

async function player(name: string): Promise<string> {
  const res = await http('POST', '/api/players', { body: { name } });
  expect(res.status).toBe(201);
  return res.body.id;
}

/** A game with starters s1, s2 and substitutes b1, b2. */
async function newGame(durationMinutes = 90) {
  const [s1, s2, b1, b2] = await Promise.all(['Starter 1', 'Starter 2', 'Bench 1', 'Bench 2'].map(player));
  const res = await http('POST', '/api/games', {
    body: {
      homeTeam: 'Ajax',
      awayTeam: 'PSV',
      kickoffAt: '2026-08-09T18:45:00Z',
      durationMinutes,
      lineup: [
        { playerId: s1, starter: true },
        { playerId: s2, starter: true },
        { playerId: b1, starter: false },
        { playerId: b2, starter: false },
      ],
    },
  });
  expect(res.status).toBe(201);
  return { gameId: res.body.id as string, s1: s1!, s2: s2!, b1: b1!, b2: b2!, created: res.body };
}

/** Waits until the report has caught up with the game's events and returns it. */
async function freshReport(gameId: string, status = 'calculated') {
  return waitFor(
    async () => {
      const res = await http('GET', `/api/games/${gameId}/report`, { token: null });
      return res.body.status === status ? res.body : null;
    },
    20_000,
    `report of ${gameId} to be ${status}`,
  );
}

function minutesOf(report: { players: { playerId: string; minutesPlayed: number }[] }) {
  return Object.fromEntries(report.players.map((p) => [p.playerId, p.minutesPlayed]));
}

describe('match events to minutes played', () => {
  it('creates a game whose first report gives the starters the full game', async () => {
    const { gameId, s1, s2, b1, b2, created } = await newGame();
    expect(created).toMatchObject({
      id: gameId,
      status: 'scheduled',
      season: '2026',
      durationMinutes: 90,
      eventsVersion: 0,
    });
    const report = await freshReport(gameId);
    expect(report).toMatchObject({ gameId, eventsVersion: 0, calculatedVersion: 0, status: 'calculated' });
    expect(report.players).toEqual([
      { playerId: [s1, s2].sort()[0], starter: true, minutesPlayed: 90, minutesCalculationMethod: 'calculated' },
      { playerId: [s1, s2].sort()[1], starter: true, minutesPlayed: 90, minutesCalculationMethod: 'calculated' },
      { playerId: [b1, b2].sort()[0], starter: false, minutesPlayed: 0, minutesCalculationMethod: 'calculated' },
      { playerId: [b1, b2].sort()[1], starter: false, minutesPlayed: 0, minutesCalculationMethod: 'calculated' },
    ]);
    const game = await http('GET', `/api/games/${gameId}`, { token: null });
    expect(game.body).toMatchObject({
      id: gameId,
      status: 'scheduled',
      homeGoals: null,
      awayGoals: null,
      eventsVersion: 0,
    });
  });

  it('recalculates on substitutions created, updated and deleted', async () => {
    const { gameId, s1, s2, b1 } = await newGame();
    const created = await http('POST', `/api/games/${gameId}/substitutions`, {
      body: { minute: 60, playerOutId: s1, playerInId: b1 },
      key: `sub-${gameId}`,
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('x-request-id')).toBe(`sub-${gameId}`);
    expect(created.body).toEqual({
      substitution: { id: expect.any(String), minute: 60, playerOutId: s1, playerInId: b1 },
      recalculation: { workflowId: `minutes-recalc:sub-${gameId}` },
    });
    let report = await freshReport(gameId);
    expect(report.eventsVersion).toBe(1);
    expect(minutesOf(report)).toMatchObject({ [s1]: 60, [b1]: 30, [s2]: 90 });

    const subId = created.body.substitution.id;
    const updated = await http('PUT', `/api/games/${gameId}/substitutions/${subId}`, { body: { minute: 75 } });
    expect(updated.status).toBe(200);
    expect(updated.body.substitution).toEqual({ id: subId, minute: 75, playerOutId: s1, playerInId: b1 });
    expect(updated.body.recalculation.workflowId).toBe(`minutes-recalc:${updated.headers.get('x-request-id')}`);
    report = await freshReport(gameId);
    expect(report.eventsVersion).toBe(2);
    expect(minutesOf(report)).toMatchObject({ [s1]: 75, [b1]: 15 });

    const deleted = await http('DELETE', `/api/games/${gameId}/substitutions/${subId}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ recalculation: { workflowId: expect.stringMatching(/^minutes-recalc:/) } });
    report = await freshReport(gameId);
    expect(report.eventsVersion).toBe(3);
    expect(minutesOf(report)).toMatchObject({ [s1]: 90, [b1]: 0 });
  });

  it('recalculates for red and second-yellow cards but not for yellow ones', async () => {
    const { gameId, s1, s2, b1 } = await newGame(120);
    const yellow = await http('POST', `/api/games/${gameId}/disciplinary-actions`, {
      body: { playerId: s1, cardType: 'yellow', minute: 10 },
    });
    expect(yellow.status).toBe(201);
    expect(yellow.body).toEqual({
      action: { id: expect.any(String), playerId: s1, cardType: 'yellow', minute: 10 },
      recalculation: null,
    });
    expect((await http('GET', `/api/games/${gameId}`)).body.eventsVersion).toBe(0);

    const second = await http('POST', `/api/games/${gameId}/disciplinary-actions`, {
      body: { playerId: s1, cardType: 'second-yellow', minute: 100 },
    });
    expect(second.body.recalculation.workflowId).toMatch(/^minutes-recalc:/);
    await http('POST', `/api/games/${gameId}/substitutions`, { body: { minute: 30, playerOutId: s2, playerInId: b1 } });
    const red = await http('POST', `/api/games/${gameId}/disciplinary-actions`, {
      body: { playerId: b1, cardType: 'red', minute: 95 },
    });
    expect(red.status).toBe(201);
    let report = await freshReport(gameId);
    expect(minutesOf(report)).toMatchObject({ [s1]: 100, [s2]: 30, [b1]: 65 });

    // red -> yellow is a change that matters; yellow -> yellow (minute only) is not.
    const toYellow = await http('PUT', `/api/games/${gameId}/disciplinary-actions/${red.body.action.id}`, {
      body: { cardType: 'yellow' },
    });
    expect(toYellow.body.recalculation).not.toBeNull();
    report = await freshReport(gameId);
    expect(minutesOf(report)).toMatchObject({ [b1]: 90 });
    const moveYellow = await http('PUT', `/api/games/${gameId}/disciplinary-actions/${yellow.body.action.id}`, {
      body: { minute: 12 },
    });
    expect(moveYellow.body).toMatchObject({ action: { minute: 12 }, recalculation: null });
    const deleteYellow = await http('DELETE', `/api/games/${gameId}/disciplinary-actions/${yellow.body.action.id}`);
    expect(deleteYellow.body).toEqual({ recalculation: null });
    const deleteSecond = await http('DELETE', `/api/games/${gameId}/disciplinary-actions/${second.body.action.id}`);
    expect(deleteSecond.body.recalculation).not.toBeNull();
    report = await freshReport(gameId);
    expect(minutesOf(report)).toMatchObject({ [s1]: 120 });
  });

  it('records goals without touching minutes', async () => {
    const { gameId, s1, s2 } = await newGame();
    const goal = await http('POST', `/api/games/${gameId}/goals`, { body: { scorerId: s1, assistId: s2, minute: 33 } });
    expect(goal.status).toBe(201);
    expect(goal.body.goal).toEqual({ id: expect.any(String), scorerId: s1, assistId: s2, minute: 33, ownGoal: false });
    expect((await http('GET', `/api/games/${gameId}`)).body.eventsVersion).toBe(0);
  });

  it('tags workflows with trigger, game and request search attributes', async () => {
    const { gameId, s1, b1 } = await newGame();
    await http('POST', `/api/games/${gameId}/substitutions`, {
      body: { minute: 20, playerOutId: s1, playerInId: b1 },
      key: `tagged-${gameId}`,
    });
    await freshReport(gameId);
    const handle = env.client.workflow.getHandle(`minutes-recalc:tagged-${gameId}`);
    const description = await handle.describe();
    expect(description.type).toBe('recalculateMinutesWorkflow');
    expect(description.searchAttributes).toMatchObject({
      FulltimeTrigger: ['substitution.created'],
      FulltimeGameId: [gameId],
      FulltimeRequestId: [`tagged-${gameId}`],
    });
    expect(description.memo).toMatchObject({ gameId, requestId: `tagged-${gameId}`, eventsVersion: 1 });
    const listed = await waitFor(
      async () => {
        const ids: string[] = [];
        for await (const wf of env.client.workflow.list({ query: `FulltimeGameId = "${gameId}"` }))
          ids.push(wf.workflowId);
        return ids.length === 2 ? ids.sort() : null; // game.created + substitution.created
      },
      10_000,
      'visibility to list both workflows',
    );
    expect(listed).toContain(`minutes-recalc:tagged-${gameId}`);
  });

  it('refuses a write that makes the timeline impossible, and changes nothing', async () => {
    const { gameId, s1, b1, b2 } = await newGame();
    await http('POST', `/api/games/${gameId}/substitutions`, { body: { minute: 60, playerOutId: s1, playerInId: b1 } });
    await freshReport(gameId);
    const offTwice = await http('POST', `/api/games/${gameId}/substitutions`, {
      body: { minute: 70, playerOutId: s1, playerInId: b2 },
    });
    expect(offTwice.status).toBe(409);
    expect(offTwice.body.error.code).toBe('impossible_timeline');
    expect(offTwice.body.error.message).toMatch(/already substituted off at minute 60/);
    const benchRed = await http('POST', `/api/games/${gameId}/disciplinary-actions`, {
      body: { playerId: b2, cardType: 'red', minute: 10 },
    });
    expect(benchRed.status).toBe(409);
    expect((await http('GET', `/api/games/${gameId}`)).body.eventsVersion).toBe(1);
    expect(await api.prisma.substitution.count({ where: { gameId } })).toBe(1);
    expect(await api.prisma.disciplinaryAction.count({ where: { gameId } })).toBe(0);
  });

  it('marks the report invalid for an impossible stored timeline, keeps the last good minutes, and recovers', async () => {
    const { gameId, s1, s2, b1, b2 } = await newGame();
    await http('POST', `/api/games/${gameId}/substitutions`, { body: { minute: 60, playerOutId: s1, playerInId: b1 } });
    const good = await freshReport(gameId);
    // An event that did not come through the API (a provider import, a manual fix): s1 off twice.
    await api.prisma.substitution.create({
      data: { id: `bad-${gameId}`, gameId, minute: 80, playerOutId: s1, playerInId: b2 },
    });
    // Any later change triggers a recalculation, which finds the impossible timeline.
    const later = await http('POST', `/api/games/${gameId}/disciplinary-actions`, {
      body: { playerId: s2, cardType: 'red', minute: 85 },
    });
    expect(later.status).toBe(201);
    const invalid = await freshReport(gameId, 'invalid');
    expect(invalid.error).toMatch(
      new RegExp(`substitution bad-${gameId} \\(minute 80\\): player ${s1} was already substituted off`),
    );
    expect(invalid.eventsVersion).toBe(2);
    expect(invalid.calculatedVersion).toBe(good.calculatedVersion);
    expect(invalid.players).toEqual(good.players);

    // Whichever recalculation first sees version 2 fails (non-retryably); any other one is superseded.
    const failedIds = await waitFor(
      async () => {
        const ids: string[] = [];
        for await (const wf of env.client.workflow.list({
          query: `FulltimeGameId = "${gameId}" AND ExecutionStatus = "Failed"`,
        }))
          ids.push(wf.workflowId);
        return ids.length > 0 ? ids : null;
      },
      10_000,
      'the failed recalculation to be visible',
    );
    expect(failedIds).toHaveLength(1);
    const failed = env.client.workflow.getHandle(failedIds[0]!);
    await expect(failed.result()).rejects.toThrow('Workflow execution failed');
    // Non-retryable: one attempt (one local-activity marker) and no backoff timer.
    const history = (await failed.fetchHistory()).events!;
    expect(history.filter((e) => e.markerRecordedEventAttributes)).toHaveLength(1);
    expect(history.filter((e) => e.timerStartedEventAttributes)).toHaveLength(0);

    const repaired = await http('DELETE', `/api/games/${gameId}/substitutions/bad-${gameId}`);
    expect(repaired.status).toBe(200);
    const fresh = await freshReport(gameId);
    expect(fresh.calculatedVersion).toBe(3);
    expect(minutesOf(fresh)).toMatchObject({ [s1]: 60, [b1]: 30, [s2]: 85, [b2]: 0 });
  });
});
