// The schedule registry against a real Temporal dev server (createLocal): sync, the routes, the pinned
// `temporal` CLI as a client of what sync created, and scheduler health. Each test has a namespace of
// its own: sync deletes the project's schedules that its registry lacks, so tests must not share one.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  httpClient,
  startApi,
  startLocalTemporal,
  startWorkers,
  testConfig,
  waitFor,
  type RunningWorker,
  type TestApi,
} from '../../../test/harness.ts';
import type { Config } from '../../config.ts';
import { registerSearchAttributes } from '../../temporal/register-search-attributes.ts';
import { temporalCliPath } from '../../temporal/binaries.ts';
import { assessSchedule } from './operations.ts';
import { scheduleRegistry, type ScheduleEntry } from './registry.ts';
import { syncSchedules } from './sync.ts';

const run = promisify(execFile);
let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await startLocalTemporal();
});

afterAll(async () => {
  await env?.teardown();
});

/** A fresh namespace with the project's search attributes, its client, and a config pointing at it. */
async function namespace(): Promise<{ client: Client; config: Config; registry: ScheduleEntry[] }> {
  const name = `ns-${randomUUID().slice(0, 8)}`;
  await env.connection.workflowService.registerNamespace({
    namespace: name,
    workflowExecutionRetentionPeriod: { seconds: 86_400 as never },
  }); // the proto takes a plain number too
  await waitFor(
    async () => {
      await env.connection.workflowService.describeNamespace({ namespace: name });
      return true;
    },
    20_000,
    `namespace ${name}`,
  );
  await registerSearchAttributes(env.connection, name);
  const config = testConfig({ TEMPORAL_ADDRESS: env.address, TEMPORAL_NAMESPACE: name });
  return {
    client: new Client({ connection: env.connection, namespace: name }),
    config,
    registry: scheduleRegistry(config),
  };
}

const ids = (registry: ScheduleEntry[]) => registry.map((e) => e.jobKey).sort();

async function scheduleIds(client: Client): Promise<string[]> {
  const found: string[] = [];
  for await (const s of client.schedule.list()) found.push(s.scheduleId);
  return found.sort();
}

describe('schedules:sync', () => {
  it('creates the registry, and a second sync changes nothing', async () => {
    const { client, registry } = await namespace();
    const lines: string[] = [];
    expect(await syncSchedules(client, registry, (l) => lines.push(l))).toEqual({
      created: ids(registry).sort(
        (a, b) => registry.findIndex((e) => e.jobKey === a) - registry.findIndex((e) => e.jobKey === b),
      ),
      updated: [],
      deleted: [],
      unchanged: [],
      conflicts: [],
    });
    expect(
      await waitFor(async () => ((await scheduleIds(client)).length === registry.length ? scheduleIds(client) : null)),
    ).toEqual(ids(registry));

    lines.length = 0;
    const second = await syncSchedules(client, registry, (l) => lines.push(l));
    expect(second).toMatchObject({ created: [], updated: [], deleted: [], conflicts: [] });
    expect(second.unchanged.sort()).toEqual(ids(registry));
    expect(lines).toEqual([`schedules match the registry (${registry.length} unchanged); nothing to do`]);

    // What sync created is what the registry says.
    const nightly = await client.schedule.getHandle('stats-nightly').describe();
    expect(nightly.memo).toMatchObject({ managedBy: 'fulltime', jobKey: 'stats-nightly' });
    expect(nightly.policies).toEqual({ overlap: 'SKIP', catchupWindow: 6 * 3600_000, pauseOnFailure: false });
    expect(nightly.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: 'statsWorkflow',
      workflowId: 'scheduled:stats-nightly',
      memo: { jobKey: 'stats-nightly' },
    });
    expect(nightly.spec.timezone).toBe('UTC');
  });

  it("updates a schedule whose spec changed, keeping an operator's pause and note", async () => {
    const { client, registry } = await namespace();
    await syncSchedules(client, registry);
    await client.schedule.getHandle('views-hourly').pause('paused by ops during incident 42');

    const changed = registry.map((e) =>
      e.jobKey === 'views-hourly' ? { ...e, spec: { ...e.spec, intervals: [{ every: '2 hours' }] } } : e,
    );
    const lines: string[] = [];
    const result = await syncSchedules(client, changed, (l) => lines.push(l));
    expect(result.updated).toEqual(['views-hourly']);
    expect(lines).toEqual(['updated schedule views-hourly: spec']);
    const described = await client.schedule.getHandle('views-hourly').describe();
    expect(described.spec.intervals?.map((i) => i.every)).toEqual([2 * 3600_000]);
    expect(described.state).toMatchObject({ paused: true, note: 'paused by ops during incident 42' });
    expect((await syncSchedules(client, changed)).updated).toEqual([]);

    // Changed arguments (a new retention) are an update too.
    const retention = changed.map((e) =>
      e.jobKey === 'maintenance-daily'
        ? {
            ...e,
            workflow: {
              ...e.workflow,
              args: [{ idempotencyKeyRetentionDays: 30, outboxRetentionDays: 7, batchSize: 1000 }],
            } as ScheduleEntry['workflow'],
          }
        : e,
    );
    expect((await syncSchedules(client, retention)).updated).toEqual(['maintenance-daily']);
  });

  it("deletes only its own schedules that left the registry, and never touches other teams' schedules", async () => {
    const { client, registry } = await namespace();
    // Another team's schedules on the same namespace: one with an unrelated ID, one with an ID the
    // registry uses.
    const foreign = {
      spec: { intervals: [{ every: '1 day' }] },
      action: { type: 'startWorkflow' as const, workflowType: 'theirWorkflow', taskQueue: 'theirs' },
    };
    await client.schedule.create({ scheduleId: 'other-team-report', ...foreign });
    await client.schedule.create({ scheduleId: 'views-hourly', ...foreign, memo: { team: 'analytics' } });

    const first = await syncSchedules(client, registry);
    expect(first.conflicts).toEqual(['views-hourly']);
    expect(first.created.sort()).toEqual([
      'maintenance-daily',
      'match-verification',
      'reconcile-nightly',
      'stats-nightly',
    ]);

    const withoutNightly = registry.filter((e) => e.jobKey !== 'stats-nightly');
    const second = await syncSchedules(client, withoutNightly);
    expect(second.deleted).toEqual(['stats-nightly']);
    expect(second.conflicts).toEqual(['views-hourly']);
    const remaining = await waitFor(async () => {
      const found = await scheduleIds(client);
      return found.includes('stats-nightly') ? null : found;
    });
    expect(remaining).toEqual([
      'maintenance-daily',
      'match-verification',
      'other-team-report',
      'reconcile-nightly',
      'views-hourly',
    ]);
    expect((await client.schedule.getHandle('views-hourly').describe()).action).toMatchObject({
      workflowType: 'theirWorkflow',
    });
  });

  it('is safe when two workers sync at the same moment', async () => {
    const { client, registry } = await namespace();
    const results = await Promise.all([
      syncSchedules(client, registry),
      syncSchedules(client, registry),
      syncSchedules(client, registry),
    ]);
    expect(results.flatMap((r) => r.created).sort()).toEqual(ids(registry));
    expect(results.flatMap((r) => [...r.updated, ...r.deleted, ...r.conflicts])).toEqual([]);
    expect((await syncSchedules(client, registry)).unchanged).toHaveLength(5);
  });
});

describe('operating the schedules', () => {
  let api: TestApi;
  let workers: RunningWorker[];
  let client: Client;
  let config: Config;
  let http: ReturnType<typeof httpClient>;
  let registry: ScheduleEntry[];

  beforeAll(async () => {
    ({ client, config, registry } = await namespace());
    api = await startApi(config, { temporal: client });
    workers = await startWorkers(env.nativeConnection, config, {
      prisma: api.prisma,
      redis: api.redis,
      temporal: client,
    });
    http = httpClient(api.baseUrl);
    await syncSchedules(client, registry);
  });

  afterAll(async () => {
    await Promise.all((workers ?? []).map((w) => w.stop()));
    await api?.close();
  });

  it('lists every job with its spec, state, next runs and recent runs', async () => {
    const res = await http('GET', '/api/v2/admin/cron');
    expect(res.status).toBe(200);
    expect(res.body.jobs.map((j: { jobKey: string }) => j.jobKey)).toEqual([
      'match-verification',
      'stats-nightly',
      'views-hourly',
      'maintenance-daily',
      'reconcile-nightly',
    ]);
    const nightly = res.body.jobs.find((j: { jobKey: string }) => j.jobKey === 'stats-nightly');
    expect(nightly).toMatchObject({
      exists: true,
      paused: false,
      spec: 'daily at 03:00 (UTC)',
      timeZone: 'UTC',
      owner: 'stats',
    });
    expect(nightly.nextRunTimes).toHaveLength(5);
    // Next runs are at 03:00 UTC, a day apart.
    expect(new Date(nightly.nextRunAt).getUTCHours()).toBe(3);
    expect(Date.parse(nightly.nextRunTimes[1]) - Date.parse(nightly.nextRunTimes[0])).toBe(24 * 3600_000);
    expect((await http('GET', '/api/v2/admin/cron', { token: null })).status).toBe(401);
  });

  it("runs a job now: the right workflow, tagged with its job key, and it shows in the job's runs", async () => {
    const key = `run-now-${randomUUID()}`;
    const res = await http('POST', '/api/v2/admin/cron/maintenance-daily/run', { body: {}, key });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ workflowId: `scheduled:maintenance-daily:run-now:${key}` });
    const handle = client.workflow.getHandle(res.body.workflowId);
    const description = await handle.describe();
    expect(description.type).toBe('maintenanceWorkflow');
    expect(description.searchAttributes).toMatchObject({
      FulltimeJobKey: ['maintenance-daily'],
      FulltimeTrigger: ['schedule'],
      FulltimeRequestId: [key],
    });
    expect(description.memo).toMatchObject({ jobKey: 'maintenance-daily', runNow: true });
    const report = await handle.result();
    expect(report.pruned.map((p: { table: string }) => p.table)).toEqual([
      'idempotency_keys',
      'workflow_outbox',
      'exports',
    ]);
    const job = await waitFor(
      async () => {
        const list = await http('GET', '/api/v2/admin/cron');
        const found = list.body.jobs.find((j: { jobKey: string }) => j.jobKey === 'maintenance-daily');
        return found.lastRun?.status === 'completed' ? found : null;
      },
      20_000,
      "the run in the job's recent runs",
    );
    expect(job.lastRun.workflowId).toBe(res.body.workflowId);
    expect((await http('POST', '/api/v2/admin/cron/no-such-job/run', { body: {} })).status).toBe(404);
  });

  it('pauses and unpauses with a note, which the CLI sees', async () => {
    const paused = await http('POST', '/api/v2/admin/cron/match-verification/pause', {
      body: { note: 'provider outage, see runbook' },
    });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({
      jobKey: 'match-verification',
      paused: true,
      note: 'provider outage, see runbook',
    });
    const cli = temporalCliPath()!;
    const { stdout } = await run(cli, [
      'schedule',
      'describe',
      '--address',
      env.address,
      '--namespace',
      config.TEMPORAL_NAMESPACE,
      '--schedule-id',
      'match-verification',
      '-o',
      'json',
    ]);
    expect(JSON.parse(stdout).schedule.state).toMatchObject({ paused: true, notes: 'provider outage, see runbook' });
    const unpaused = await http('POST', '/api/v2/admin/cron/match-verification/unpause', { body: {} });
    expect(unpaused.body).toMatchObject({ paused: false, note: 'unpaused through the API' });
  });

  it('backfills a missed window, one run per action the spec had', async () => {
    const now = Date.now();
    const from = new Date(Math.floor(now / 3600_000) * 3600_000 - 3 * 3600_000); // three whole hours back
    const to = new Date(from.getTime() + 3 * 3600_000 - 1000);
    const res = await http('POST', '/api/v2/admin/cron/views-hourly/backfill', {
      body: { from: from.toISOString(), to: to.toISOString() },
    });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ jobKey: 'views-hourly', from: from.toISOString(), to: to.toISOString() });
    // Hourly on the hour: from, from + 1 h, from + 2 h.
    const runs = await waitFor(
      async () => {
        const { count } = await client.workflow.count(
          `FulltimeJobKey = 'views-hourly' AND ExecutionStatus = 'Completed'`,
        );
        return count >= 3 ? count : null;
      },
      30_000,
      'three backfilled runs',
    );
    expect(runs).toBe(3);

    for (const [body, field] of [
      [{ from: to.toISOString(), to: from.toISOString() }, 'to'],
      [{ from: from.toISOString(), to: new Date(now + 3600_000).toISOString() }, 'to'],
      [{ from: new Date(now - 40 * 86_400_000).toISOString(), to: from.toISOString() }, 'from'],
      [{ from: 'yesterday', to: from.toISOString() }, 'from'],
    ] as const) {
      const bad = await http('POST', '/api/v2/admin/cron/views-hourly/backfill', { body });
      expect(bad.status).toBe(400);
      expect(bad.body.error.details.map((d: { path: string }) => d.path)).toContain(field);
    }
    expect(
      (
        await http('POST', '/api/v2/admin/cron/nope/backfill', {
          body: { from: from.toISOString(), to: to.toISOString() },
        })
      ).status,
    ).toBe(404);
  });

  it('is a real schedule for the pinned CLI: list and trigger start the registered workflow with its job key', async () => {
    const cli = temporalCliPath()!;
    const args = ['--address', env.address, '--namespace', config.TEMPORAL_NAMESPACE];
    // `schedule list` reads visibility, which follows creation by a moment.
    const listed = await waitFor(
      async () => {
        const { stdout } = await run(cli, ['schedule', 'list', ...args, '-o', 'json']);
        const found = (JSON.parse(stdout) as { scheduleId: string }[]).map((s) => s.scheduleId).sort();
        return found.length === registry.length ? found : null;
      },
      20_000,
      'the CLI to list every schedule',
    );
    expect(listed).toEqual(ids(registry));

    await run(cli, ['schedule', 'trigger', ...args, '--schedule-id', 'stats-nightly']);
    const started = await waitFor(
      async () => {
        for await (const wf of client.workflow.list({ query: `FulltimeJobKey = 'stats-nightly'` })) return wf;
        return null;
      },
      20_000,
      'the triggered run',
    );
    expect(started.type).toBe('statsWorkflow');
    expect(started.workflowId).toMatch(/^scheduled:stats-nightly-/);
    expect(started.searchAttributes).toMatchObject({ FulltimeTrigger: ['cron'] });
    const summary = await client.workflow.getHandle(started.workflowId).result();
    expect(summary).toMatchObject({ status: 'completed', triggeredBy: 'cron', requestId: started.workflowId });
    // The jobs API shows the nightly run as a cron-triggered stats job.
    const jobs = await http('GET', '/api/admin/jobs?type=stats&trigger=cron');
    expect(jobs.body.jobs.map((j: { workflowId: string }) => j.workflowId)).toContain(started.workflowId);
  });

  it('reports in /readyz when a schedule is missing, naming it, and operating it is 409, not a server error', async () => {
    const ready = await http('GET', '/readyz');
    expect(ready.body.checks.schedules).toMatchObject({ status: 'up' });
    await client.schedule.getHandle('maintenance-daily').delete();
    try {
      const missing = await waitFor(
        async () => {
          const res = await http('GET', '/readyz');
          return res.status === 503 ? res : null;
        },
        10_000,
        'readiness to notice',
      );
      expect(missing.body.checks.schedules.status).toBe('down');
      expect(missing.body.checks.schedules.error).toMatch(/maintenance-daily does not exist/);
      expect(missing.body.checks.postgres.status).toBe('up');
      // Found by the fuzz pass: these were 503 "a dependency is down".
      for (const [action, body] of [
        ['pause', {}],
        ['unpause', {}],
        ['backfill', { from: '2026-01-01T00:00:00Z', to: '2026-01-01T01:00:00Z' }],
      ] as const) {
        const res = await http('POST', `/api/v2/admin/cron/maintenance-daily/${action}`, { body });
        expect([res.status, res.body.error.code]).toEqual([409, 'schedule_not_created']);
      }
    } finally {
      await syncSchedules(client, registry);
    }
    expect((await http('GET', '/readyz')).status).toBe(200);
  });
});

describe('scheduler health', () => {
  it('calls a schedule late once a due run is older than its catch-up window, paused never', async () => {
    const { client, registry } = await namespace();
    await syncSchedules(client, registry);
    const entry = registry.find((e) => e.jobKey === 'stats-nightly')!;
    const description = await client.schedule.getHandle('stats-nightly').describe();
    const [next] = description.info.nextActionTimes as [Date];
    // Just after the next 03:00 the scheduler has not fired yet: fine within the 6 h window...
    expect(assessSchedule(entry, description, new Date(next.getTime() + 24 * 3600_000 + 5 * 3600_000)).status).toBe(
      'ok',
    );
    // ...a described state where that 03:00 passed 7 h ago with no run is late, and says which run.
    const stale = {
      ...description,
      info: {
        ...description.info,
        nextActionTimes: description.info.nextActionTimes.map((t) => new Date(t.getTime() + 24 * 3600_000)),
      },
    };
    const late = assessSchedule(entry, stale, new Date(next.getTime() + 24 * 3600_000 + 7 * 3600_000));
    expect(late.status).toBe('late');
    expect(late.detail).toContain(`stats-nightly missed its run due at ${next.toISOString()}`);
    expect(
      assessSchedule(
        entry,
        { ...stale, state: { ...stale.state, paused: true } },
        new Date(next.getTime() + 30 * 3600_000),
      ).status,
    ).toBe('paused');
    expect(assessSchedule(entry, undefined, new Date()).status).toBe('missing');
  });

  it('is not made late by a backfill of an old window, nor by a run due before it existed', async () => {
    const { client, registry } = await namespace();
    await syncSchedules(client, registry);
    const entry = registry.find((e) => e.jobKey === 'stats-nightly')!;
    const handle = client.schedule.getHandle('stats-nightly');
    await handle.backfill({
      start: new Date('2000-01-01T00:00:00Z'),
      end: new Date('2000-01-02T00:00:00Z'),
      overlap: 'BUFFER_ALL',
    });
    const description = await waitFor(
      async () => {
        const d = await handle.describe();
        return d.info.recentActions.length > 0 ? d : null;
      },
      20_000,
      'the backfilled run to be recorded',
    );
    expect(description.info.recentActions.at(-1)!.scheduledAt.toISOString()).toBe('2000-01-01T03:00:00.000Z');
    // Seven hours after the 03:00 before its creation (past the 6 h catch-up window): that run was
    // due before the schedule existed, so it was not missed.
    const [next] = description.info.nextActionTimes as [Date];
    expect(assessSchedule(entry, description, new Date(next.getTime() - 24 * 3600_000 + 7 * 3600_000)).status).toBe(
      'ok',
    );
  });
});
