// `npm run histories:record`: runs every workflow type on a real stack (the dev server, the API, the
// workers) and writes one history per type (its longest closed run) to test/histories/<type>.json.
// Commit them: src/workflows/replay.test.ts replays the committed files against the current workflow
// code, so a change that would break a running workflow fails CI. Only the types without a history are
// written (a new workflow); HISTORIES_RECORD_ALL=1 writes every one again, for a version deliberately
// retired (no run uses it any more), never to make the replay test pass. Not part of `npm test` (this
// file is not a *.test.ts).
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { seedDemoData } from '../../src/demo/seed.ts';
import { seedFailedJob } from '../../src/demo/failed-job.ts';
import { scheduleRegistry } from '../../src/services/schedules/registry.ts';
import { syncSchedules } from '../../src/services/schedules/sync.ts';
import { temporalCliPath } from '../../src/temporal/binaries.ts';
import { startStack, waitFor, type TestStack } from '../harness.ts';
import { historiesDir, historyFile, recordedRunsFile, workflowTypes, type RecordedRun } from './catalogue.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack();
}, 180_000);
afterAll(() => stack?.stop());

it('records a history of every workflow type', async () => {
  const { http } = stack;
  await syncSchedules(stack.env.client, scheduleRegistry(stack.config));
  const demo = await seedDemoData({ baseUrl: stack.api.baseUrl, token: stack.config.API_TOKEN });
  await seedFailedJob({
    baseUrl: stack.api.baseUrl,
    token: stack.config.API_TOKEN,
    prisma: stack.api.prisma,
    gameId: demo.games[2]!.id,
    starterId: demo.playerIds[0]!,
    unusedSubstituteId: demo.playerIds[14]!,
  });
  // Settlement, projection, a rebuild, an export, an admin stats run, and each scheduled job run now.
  expect(
    (await http('POST', `/api/games/${demo.upcomingGameId}/result`, { body: { homeGoals: 2, awayGoals: 1 } })).status,
  ).toBe(202);
  expect(
    (await http('POST', `/api/admin/tournaments/${demo.tournamentId}/scoreboard/rebuild`, { body: {} })).status,
  ).toBe(202);
  expect(
    (
      await http('POST', '/api/admin/exports', {
        body: { kind: 'tournament-scoreboard', tournamentId: demo.tournamentId },
      })
    ).status,
  ).toBe(202);
  expect((await http('POST', '/api/admin/stats-jobs', { body: {} })).status).toBe(202);
  // A reconciliation that finds a total off by seven, and its repair.
  await stack.api.prisma.userTournamentTotal.updateMany({
    where: { tournamentId: demo.tournamentId },
    data: { points: { increment: 7 } },
  });
  const reconciliation = await http('POST', '/api/admin/reconciliations', {
    body: { scope: { tournamentId: demo.tournamentId } },
  });
  expect(reconciliation.status).toBe(202);
  await waitFor(
    async () =>
      (await http('GET', `/api/admin/reconciliations/${reconciliation.body.reconciliationId}`)).body.status ===
        'completed' || null,
    60_000,
    'the reconciliation to complete',
  );
  expect(
    (await http('POST', `/api/admin/reconciliations/${reconciliation.body.reconciliationId}/repair`, { body: {} }))
      .status,
  ).toBe(202);
  for (const jobKey of ['match-verification', 'views-hourly', 'maintenance-daily', 'reconcile-nightly']) {
    expect((await http('POST', `/api/v2/admin/cron/${jobKey}/run`, { body: {} })).status).toBe(202);
  }
  await stack.env.client.workflow.execute('pingWorkflow', {
    taskQueue: stack.config.taskQueues.minutes,
    workflowId: 'ping-for-history',
    args: ['hello'],
  });

  fs.mkdirSync(historiesDir, { recursive: true });
  const all = process.env.HISTORIES_RECORD_ALL === '1';
  const index: Record<string, RecordedRun> =
    !all && fs.existsSync(recordedRunsFile) ? JSON.parse(fs.readFileSync(recordedRunsFile, 'utf8')) : {};
  for (const type of workflowTypes.filter((t) => all || !fs.existsSync(historyFile(t)))) {
    // The longest closed run of the type: the most events, the most the replay checks. The stats
    // coordinator stays open between batches (it ends after 10 idle minutes): its open history will do.
    const openIsFine = type === 'statsCoordinatorWorkflow';
    const closed = await waitFor(
      async () => {
        const runs = [];
        for await (const run of stack.env.client.workflow.list({
          query: `WorkflowType = '${type}'${openIsFine ? '' : " AND ExecutionStatus != 'Running'"}`,
        }))
          runs.push(run);
        return runs.sort((a, b) => (b.historyLength ?? 0) - (a.historyLength ?? 0))[0];
      },
      60_000,
      `a closed ${type} run`,
    );
    // The history as the CLI and the Web UI download it (proto JSON), the form replays read.
    const shown = spawnSync(
      temporalCliPath()!,
      [
        'workflow',
        'show',
        '--workflow-id',
        closed.workflowId,
        '--run-id',
        closed.runId,
        '--address',
        stack.env.address,
        '--namespace',
        stack.config.TEMPORAL_NAMESPACE,
        '--output',
        'json',
      ],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    expect(shown.status, shown.stderr).toBe(0);
    const history = JSON.parse(shown.stdout) as { events: unknown[] };
    const file = historyFile(type);
    fs.writeFileSync(file, `${JSON.stringify(history, null, 1)}\n`);
    // Replays need the run's workflow ID too (a workflow may derive its children's IDs from it).
    index[type] = { workflowId: closed.workflowId, runId: closed.runId, status: closed.status.name };
    console.log(
      `recorded ${type} (${closed.status.name}, ${history.events.length} events) -> ${path.relative(process.cwd(), file)}`,
    );
  }
  fs.writeFileSync(recordedRunsFile, `${JSON.stringify(index, null, 2)}\n`);
}, 300_000);
