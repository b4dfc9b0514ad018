// Metrics as an operator sees them: a real Prometheus scrapes the API's and a worker process's metrics
// listeners while the test posts a substitution and a result; PromQL over what it scraped shows the
// started workflows, the settlement and an empty outbox, and every query of the dashboards returns a
// series (so a renamed metric breaks this test, not a dashboard in production).
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createScratchDatabase,
  gameWithBench,
  httpClient,
  postCreated,
  projectRoot,
  runProcess,
  startApi,
  startLocalTemporal,
  testConfig,
  waitFor,
  type RunningProcess,
  type TestApi,
} from '../../test/harness.ts';
import { startPrometheus, workerMetricsAddress, type TestPrometheus } from '../../test/prometheus.ts';

let env: TestWorkflowEnvironment;
let database: Awaited<ReturnType<typeof createScratchDatabase>>;
let api: TestApi;
let worker: RunningProcess;
let workerMetrics: string;
let prometheus: TestPrometheus;
let config: ReturnType<typeof testConfig>;

beforeAll(async () => {
  [env, database] = await Promise.all([startLocalTemporal(), createScratchDatabase()]);
  config = testConfig({ TEMPORAL_ADDRESS: env.address, DATABASE_URL: database.url });
  api = await startApi(config, { temporal: env.client, metrics: true });
  // A worker process for every task queue, as deployed: the SDK's metrics and ours on one page.
  worker = runProcess(process.execPath, ['--import', 'tsx', 'src/workers/worker.ts'], config);
  workerMetrics = await waitFor(async () => workerMetricsAddress(worker.output()), 90_000, 'the worker to start');
  prometheus = await startPrometheus({
    'fulltime-api': [api.metricsUrl!.replace('http://', '')],
    'fulltime-worker': [workerMetrics],
  });
}, 180_000);

afterAll(async () => {
  await prometheus?.stop();
  if (worker) {
    worker.child.kill('SIGTERM');
    await worker.exited;
  }
  await api?.close();
  await env?.teardown();
  await database?.drop();
});

/** Waits until `promql` over what Prometheus scraped gives a value for which `ok` holds. */
async function eventually(promql: string, ok: (value: number) => boolean, what: string): Promise<number> {
  return waitFor(
    async () => {
      const value = await prometheus.value(promql);
      return value !== null && ok(value) ? { value } : null;
    },
    60_000,
    `${what} (${promql})`,
  ).then((r) => r.value);
}

describe('metrics, scraped by Prometheus', () => {
  it('show the workflows a substitution and a result start, the settlement, and an empty outbox', async () => {
    const http = httpClient(api.baseUrl);
    const tournament = await postCreated(http, '/api/tournaments', { name: 'Metrics Cup' });
    const users = await Promise.all(['ann', 'bob'].map((name) => postCreated(http, '/api/users', { name })));
    const { gameId, starter, bench } = await gameWithBench(http, {
      kickoffAt: new Date(Date.now() + 3600_000).toISOString(),
      tournamentId: tournament.id,
    });
    await postCreated(http, `/api/games/${gameId}/predictions`, { userId: users[0].id, homeGoals: 2, awayGoals: 1 });
    await postCreated(http, `/api/games/${gameId}/predictions`, { userId: users[1].id, homeGoals: 0, awayGoals: 0 });
    await postCreated(http, `/api/games/${gameId}/substitutions`, {
      minute: 60,
      playerOutId: starter,
      playerInId: bench,
    });
    expect((await http('POST', `/api/games/${gameId}/result`, { body: { homeGoals: 2, awayGoals: 1 } })).status).toBe(
      202,
    );
    await waitFor(
      async () => (await http('GET', `/api/games/${gameId}/settlement`)).body.status === 'applied',
      60_000,
      'the settlement',
    );

    // The API started them (game.created and substitution.created recalculations, the settlement, the stats run).
    expect(
      await eventually(
        'sum(fulltime_workflows_started_total{workflow_type="recalculateMinutesWorkflow"})',
        (v) => v >= 2,
        'two recalculations started',
      ),
    ).toBeGreaterThanOrEqual(2);
    await eventually(
      'sum(fulltime_workflows_started_total{workflow_type="settleGameWorkflow", trigger="post-match"})',
      (v) => v === 1,
      'one settlement started',
    );
    await eventually(
      'sum(fulltime_workflows_started_total{workflow_type="statsWorkflow", trigger="post-match"})',
      (v) => v === 1,
      'one stats run started',
    );
    // The worker settled it: two predictions, and its SDK counted the run completed.
    await eventually('sum(fulltime_settlements_total{outcome="applied"})', (v) => v === 1, 'the settlement applied');
    await eventually('sum(fulltime_predictions_settled_total)', (v) => v === 2, 'two predictions settled');
    await eventually(
      'sum(temporal_workflow_completed{workflow_type="settleGameWorkflow"})',
      (v) => v >= 1,
      'the settlement run completed',
    );
    // Every start went out: nothing waits in the outbox.
    await eventually('max(fulltime_outbox_pending_rows)', (v) => v === 0, 'an empty outbox');
    expect(await prometheus.value('max(fulltime_outbox_oldest_pending_age_seconds)')).toBe(0);
    expect(await prometheus.value('sum(fulltime_outbox_dispatches_total{outcome="failed"})')).toBe(0);
    // Labels are templates: the route, never the game in the path.
    const routes = (await prometheus.query('sum by (route) (fulltime_http_requests_total)')).map((r) => r.metric.route);
    expect(routes).toContain('/api/games/:gameId/substitutions');
    expect(routes.some((route) => route?.includes(gameId))).toBe(false);
  });

  it('give every query of the dashboards a series', async () => {
    // What the panels need to have happened at least once: runs that fail (a recalculation and a
    // settlement of a game that does not exist), a cached read, a board read, a wrong token.
    const http = httpClient(api.baseUrl);
    const failing = [
      env.client.workflow.execute('recalculateMinutesWorkflow', {
        taskQueue: config.taskQueues.minutes,
        workflowId: `ghost-recalc-${randomUUID()}`,
        args: [{ gameId: 'ghost', requestId: 'ghost', trigger: 'backfill' }],
      }),
      env.client.workflow.execute('settleGameWorkflow', {
        taskQueue: config.taskQueues.settlement,
        workflowId: `ghost-settle-${randomUUID()}`,
        args: [{ gameId: 'ghost', resultHash: 'none' }],
      }),
    ];
    for (const run of await Promise.allSettled(failing))
      expect(run.status === 'rejected' && run.reason instanceof WorkflowFailedError).toBe(true);
    const tournament = await postCreated(http, '/api/tournaments', { name: 'Dashboard Cup' });
    const { starter } = await gameWithBench(http, { tournamentId: tournament.id });
    for (let i = 0; i < 2; i++) expect((await http('GET', `/api/players/${starter}/stats`)).status).toBe(200); // a miss, then a hit
    expect((await http('GET', `/api/tournaments/${tournament.id}/scoreboard`)).status).toBe(200);
    expect((await http('POST', '/api/players', { body: { name: 'x' }, token: 'wrong' })).status).toBe(401);

    const dashboards = ['fulltime.json', 'temporal-sdk.json'].map((file) => ({
      file,
      panels: (
        JSON.parse(fs.readFileSync(path.join(projectRoot, 'deploy', 'grafana', 'dashboards', file), 'utf8')) as {
          panels: { title: string; targets?: { expr: string }[] }[];
        }
      ).panels,
    }));
    const queries = dashboards.flatMap(({ file, panels }) =>
      panels.flatMap((panel) => (panel.targets ?? []).map((t) => ({ where: `${file}: ${panel.title}`, expr: t.expr }))),
    );
    expect(queries.length).toBeGreaterThan(30);
    const empty: string[] = [];
    await Promise.all(
      queries.map(async ({ where, expr }) => {
        // Grafana's interval variable, as a range long enough for two scrapes.
        const promql = expr.replaceAll('$__rate_interval', '1m');
        try {
          await waitFor(async () => (await prometheus.query(promql)).length > 0, 30_000, where);
        } catch {
          empty.push(`${where}: ${promql}`);
        }
      }),
    );
    expect(empty).toEqual([]);
  });
});
