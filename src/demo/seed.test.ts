// The demo data `npm run dev` writes, including the failed job it leaves for the console: the run
// fails, a retry succeeds with the minutes worked out below, and seeding again adds nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, waitFor, type TestStack } from '../../test/harness.ts';
import { seedFailedJob } from './failed-job.ts';
import { seedDemoData, type DemoData } from './seed.ts';

let stack: TestStack;
let demo: DemoData;
const seedFailure = () =>
  seedFailedJob({
    baseUrl: stack.api.baseUrl, token: stack.config.API_TOKEN, prisma: stack.api.prisma,
    gameId: demo.games[2]!.id, starterId: demo.playerIds[0]!, unusedSubstituteId: demo.playerIds[14]!,
  });

beforeAll(async () => {
  stack = await startStack();
  demo = await seedDemoData({ baseUrl: stack.api.baseUrl, token: stack.config.API_TOKEN });
}, 120_000);
afterAll(() => stack?.stop());

describe('the demo data', () => {
  it('leaves one failed recalculation that a retry turns into the right minutes, and only once', async () => {
    const workflowId = await seedFailure();
    expect(workflowId).toBeDefined();
    const failed = await stack.http('GET', `/api/admin/jobs?status=failed&gameId=${demo.games[2]!.id}`);
    expect(failed.body.jobs.map((job: { workflowId: string }) => job.workflowId)).toEqual([workflowId]);
    // The impossible row is gone again: the game's stored events are the demo's plus the red card.
    expect(await stack.api.prisma.substitution.count({ where: { gameId: demo.games[2]!.id } })).toBe(2);

    const retried = await stack.http('POST', `/api/admin/jobs/${encodeURIComponent(workflowId!)}/retry`, { body: {} });
    expect(retried.status).toBe(202);
    const report = await waitFor(async () => {
      const res = await stack.http('GET', `/api/games/${demo.games[2]!.id}/report`);
      return res.body.status === 'calculated' ? res.body : undefined;
    }, 30_000, 'the retried recalculation');
    const minutes = Object.fromEntries(report.players.map((p: { playerId: string; minutesPlayed: number }) => [p.playerId, p.minutesPlayed]));
    // 120 minutes: sent off at 64; off at 91; on at 91 and off at 105; on at 105; never on.
    expect(minutes[demo.playerIds[0]!]).toBe(64);
    expect(minutes[demo.playerIds[9]!]).toBe(91);
    expect(minutes[demo.playerIds[13]!]).toBe(14);
    expect(minutes[demo.playerIds[12]!]).toBe(15);
    expect(minutes[demo.playerIds[14]!]).toBe(0);
    expect(minutes[demo.playerIds[1]!]).toBe(120);

    expect(await seedFailure()).toBeUndefined();
    const after = await stack.http('GET', `/api/admin/jobs?status=failed&gameId=${demo.games[2]!.id}`);
    expect(after.body.jobs).toHaveLength(1); // the same one: no second failure
  }, 120_000);
});
