// An outage as the alerts see it: with Temporal cut off from the API (a TCP fault proxy), accepted
// writes wait in the outbox; on what a real Prometheus scrapes from the API, the outbox gauges rise
// and the expressions of FulltimeOutboxBacklog and FulltimeTemporalUnreachable become true. Once
// Temporal is reachable again the relay starts everything and both fall back.
import fs from 'node:fs';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { FaultProxy } from '../../test/fault-proxy.ts';
import {
  createScratchDatabase,
  gameWithBench,
  httpClient,
  projectRoot,
  startApi,
  startLocalTemporal,
  startWorkers,
  taskQueueVariables,
  testConfig,
  waitFor,
  type RunningWorker,
  type TestApi,
} from '../../test/harness.ts';
import { startPrometheus, type TestPrometheus } from '../../test/prometheus.ts';

let env: TestWorkflowEnvironment;
let database: Awaited<ReturnType<typeof createScratchDatabase>>;
let proxy: FaultProxy;
let api: TestApi;
let workers: RunningWorker[];
let stopRelay: () => Promise<void>;
let prometheus: TestPrometheus;

/** An alert's expression, as deploy/prometheus/alerts.yml has it. */
function alertExpression(name: string): string {
  const { groups } = parse(fs.readFileSync(path.join(projectRoot, 'deploy', 'prometheus', 'alerts.yml'), 'utf8')) as {
    groups: { rules: { alert: string; expr: string }[] }[];
  };
  return groups.flatMap((g) => g.rules).find((r) => r.alert === name)!.expr;
}

beforeAll(async () => {
  [env, database] = await Promise.all([startLocalTemporal(), createScratchDatabase()]);
  const base = testConfig({ TEMPORAL_ADDRESS: env.address, DATABASE_URL: database.url });
  const [host, port] = env.address.split(':') as [string, string];
  proxy = await FaultProxy.start({ host, port: Number(port) });
  api = await startApi(
    testConfig({
      ...taskQueueVariables(base.taskQueues),
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: proxy.address,
      API_TEMPORAL_TIMEOUT_MS: '2000',
    }),
    { metrics: true },
  );
  stopRelay = api.starter.startRelay(200);
  workers = await startWorkers(env.nativeConnection, base, {
    prisma: api.prisma,
    redis: api.redis,
    temporal: env.client,
  });
  prometheus = await startPrometheus({ 'fulltime-api': [api.metricsUrl!.replace('http://', '')] });
}, 120_000);

afterAll(async () => {
  proxy?.restore();
  await prometheus?.stop();
  await stopRelay?.();
  await Promise.all((workers ?? []).map((w) => w.stop()));
  await api?.close();
  await proxy?.close();
  await env?.teardown();
  await database?.drop();
});

describe('Temporal cut off from the API', () => {
  it('raises the outbox gauges until the backlog alert holds, and both fall back once it is reachable', async () => {
    const http = httpClient(api.baseUrl);
    const backlog = alertExpression('FulltimeOutboxBacklog');
    const unreachable = alertExpression('FulltimeTemporalUnreachable');
    const { gameId, starter, bench } = await gameWithBench(http);
    await waitFor(
      async () => (await prometheus.value('max(fulltime_outbox_pending_rows)')) === 0,
      30_000,
      'an empty outbox before the cut',
    );
    expect(await prometheus.query(backlog)).toEqual([]);

    proxy.cut();
    const written = await http('POST', `/api/games/${gameId}/substitutions`, {
      body: { minute: 30, playerOutId: starter, playerInId: bench },
    });
    expect(written.status).toBe(201);
    await waitFor(
      async () => ((await prometheus.value('max(fulltime_outbox_pending_rows)')) ?? 0) >= 1,
      30_000,
      'the pending start to show',
    );
    await waitFor(
      async () => ((await prometheus.value('max(fulltime_outbox_failing_rows)')) ?? 0) >= 1,
      30_000,
      'its failed attempt to show',
    );
    await waitFor(
      async () => (await prometheus.query(unreachable)).length > 0,
      30_000,
      'FulltimeTemporalUnreachable to hold',
    );
    // The backlog alert holds once the oldest start has waited a minute.
    await waitFor(async () => (await prometheus.query(backlog)).length > 0, 90_000, 'FulltimeOutboxBacklog to hold');
    expect(await prometheus.value('max(fulltime_outbox_oldest_pending_age_seconds)')).toBeGreaterThan(60);

    proxy.restore();
    await waitFor(
      async () => (await prometheus.value('max(fulltime_outbox_pending_rows)')) === 0,
      90_000,
      'the relay to start what waited',
    );
    await waitFor(
      async () => (await prometheus.query(backlog)).length === 0 && (await prometheus.query(unreachable)).length === 0,
      30_000,
      'both alerts to clear',
    );
    expect(await prometheus.value('max(fulltime_outbox_oldest_pending_age_seconds)')).toBe(0);
    const report = await waitFor(
      async () => {
        const res = await http('GET', `/api/games/${gameId}/report`);
        return res.body.status === 'calculated' && res.body.calculatedVersion === 1 ? res.body : null;
      },
      30_000,
      'the recalculation that waited',
    );
    expect(report.players.map((p: { minutesPlayed: number }) => p.minutesPlayed).sort()).toEqual([30, 60]);
  }, 240_000);
});
