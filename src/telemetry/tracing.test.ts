// One trace per write: the HTTP request's span, the workflow start it makes, the workflow, its
// activity and the activity's transaction, collected by an in-memory exporter in place of OTLP. Also
// when the start was made later by the outbox relay (Temporal was unreachable when the write
// committed): the row carries the request's trace context.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createScratchDatabase,
  gameWithBench,
  httpClient,
  startApi,
  startLocalTemporal,
  startWorkers,
  testConfig,
  waitFor,
  type RunningWorker,
  type TestApi,
} from '../../test/harness.ts';
import { createLogger } from '../logger.ts';
import { WorkflowStarter } from '../outbox/outbox.ts';
import { createTemporalClient } from '../temporal/connection.ts';
import { startTracing, type Tracing } from './tracing.ts';

const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let env: TestWorkflowEnvironment;
let database: Awaited<ReturnType<typeof createScratchDatabase>>;
let config: ReturnType<typeof testConfig>;
let api: TestApi;
let workers: RunningWorker[];
let tracedClient: ReturnType<typeof createTemporalClient>;

beforeAll(async () => {
  tracing = startTracing(
    { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' },
    'fulltime-test',
    new SimpleSpanProcessor(exporter),
  );
  [env, database] = await Promise.all([startLocalTemporal(), createScratchDatabase()]);
  config = testConfig({ TEMPORAL_ADDRESS: env.address, DATABASE_URL: database.url });
  api = await startApi(config, { tracing: true });
  tracedClient = createTemporalClient(config, { tracing: true });
  workers = await startWorkers(
    env.nativeConnection,
    config,
    { prisma: api.prisma, redis: api.redis, temporal: tracedClient },
    tracing,
  );
});

afterAll(async () => {
  await Promise.all((workers ?? []).map((w) => w.stop()));
  await api?.close();
  await tracedClient?.connection.close();
  await env?.teardown();
  await database?.drop();
  await tracing?.shutdown();
});

/**
 * The spans of the trace a request started, once it is whole: the activity's transaction (exported
 * when it ends) and the workflow's run (exported through the workers' sink when the run completes).
 */
async function traceOf(
  requestSpan: (s: ReadableSpan) => boolean,
): Promise<{ root: ReadableSpan; spans: ReadableSpan[] }> {
  return waitFor(
    async () => {
      const all = exporter.getFinishedSpans();
      const root = all.find(requestSpan);
      if (!root) return null;
      const spans = all.filter((s) => s.spanContext().traceId === root.spanContext().traceId);
      const names = new Set(spans.map((s) => s.name));
      return names.has('db.transaction recalculate minutes') && names.has('RunWorkflow:recalculateMinutesWorkflow')
        ? { root, spans }
        : null;
    },
    30_000,
    'the trace to hold the workflow run and the activity transaction',
  );
}

/** Each span's parent's name (the root's is absent): the shape of the trace. */
function parents(spans: ReadableSpan[]): Record<string, string | undefined> {
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  return Object.fromEntries(
    spans.map((s) => [s.name, s.parentSpanId ? (byId.get(s.parentSpanId)?.name ?? 'elsewhere') : undefined]),
  );
}

describe('one trace per write', () => {
  it('runs from POST …/substitutions through the workflow to the activity transaction', async () => {
    const http = httpClient(api.baseUrl);
    const { gameId, starter, bench } = await gameWithBench(http);
    const key = `traced-${gameId}`;
    expect(
      (
        await http('POST', `/api/games/${gameId}/substitutions`, {
          body: { minute: 45, playerOutId: starter, playerInId: bench },
          key,
        })
      ).status,
    ).toBe(201);

    const { root, spans } = await traceOf(
      (s) => s.name === 'POST /api/games/:gameId/substitutions' && s.attributes['fulltime.request_id'] === key,
    );
    expect(root.attributes['http.response.status_code']).toBe(201);
    expect(parents(spans)).toMatchObject({
      'POST /api/games/:gameId/substitutions': undefined,
      'StartWorkflow:recalculateMinutesWorkflow': 'POST /api/games/:gameId/substitutions',
      'RunWorkflow:recalculateMinutesWorkflow': 'StartWorkflow:recalculateMinutesWorkflow',
      'StartActivity:recalculateGameMinutes': 'RunWorkflow:recalculateMinutesWorkflow',
      'RunActivity:recalculateGameMinutes': 'StartActivity:recalculateGameMinutes',
      'db.transaction recalculate minutes': 'RunActivity:recalculateGameMinutes',
    });
  });

  it('keeps the request in the trace when the outbox relay makes the start after an outage', async () => {
    // An API that cannot reach Temporal: the write commits, its start waits in the outbox.
    const offline = await startApi(
      testConfig({
        TEMPORAL_ADDRESS: '127.0.0.1:1',
        DATABASE_URL: database.url,
        TASK_QUEUE_MINUTES: config.taskQueues.minutes,
      }),
      { tracing: true },
    );
    try {
      const http = httpClient(offline.baseUrl);
      const { gameId, starter, bench } = await gameWithBench(http);
      const key = `relayed-${gameId}`;
      expect(
        (
          await http('POST', `/api/games/${gameId}/substitutions`, {
            body: { minute: 50, playerOutId: starter, playerInId: bench },
            key,
          })
        ).status,
      ).toBe(201);
      const row = await offline.prisma.workflowOutbox.findUniqueOrThrow({
        where: { workflowId: `minutes-recalc:${key}` },
      });
      expect(row.dispatchedAt).toBeNull();
      expect(row.traceContext).toEqual({ traceparent: expect.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/) });

      // Temporal is "back": a relay with a live client starts it, later, in another async context.
      await offline.prisma.workflowOutbox.updateMany({
        where: { dispatchedAt: null },
        data: { nextAttemptAt: new Date(0) },
      });
      const relay = new WorkflowStarter({
        prisma: offline.prisma,
        temporal: tracedClient,
        logger: createLogger('relay', 'silent'),
      });
      expect((await relay.relayOnce()).started).toBeGreaterThanOrEqual(1);

      const { root, spans } = await traceOf(
        (s) => s.name === 'POST /api/games/:gameId/substitutions' && s.attributes['fulltime.request_id'] === key,
      );
      expect(root.spanContext().traceId).toBe((row.traceContext as { traceparent: string }).traceparent.split('-')[1]);
      expect(parents(spans)).toMatchObject({
        'StartWorkflow:recalculateMinutesWorkflow': 'POST /api/games/:gameId/substitutions',
        'RunWorkflow:recalculateMinutesWorkflow': 'StartWorkflow:recalculateMinutesWorkflow',
        'RunActivity:recalculateGameMinutes': 'StartActivity:recalculateGameMinutes',
        'db.transaction recalculate minutes': 'RunActivity:recalculateGameMinutes',
      });
    } finally {
      await offline.close();
    }
  });
});
