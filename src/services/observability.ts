// The API's scrape-time gauges: what an operator must see that only a query can tell (the outbox
// backlog, scoreboards behind PostgreSQL, schedules late or missing, task queues no worker polls,
// dependencies down). Each source is read once per scrape with a deadline; one that fails or is slow
// leaves its gauges out of that scrape instead of failing it (telemetry/metrics.ts).
import type { Client } from '@temporalio/client';
import protos from '@temporalio/proto';
import type { TaskQueues } from '../contracts/task-queues.ts';
import type { PrismaClient } from '../db/client.ts';
import { outboxBacklog } from '../outbox/outbox.ts';
import type { Redis } from '../redis.ts';
import { Registry, scrapeGauge, scrapeSource } from '../telemetry/metrics.ts';
import { check } from './health.ts';
import { reconciliationHealth } from './reconciliation/runs.ts';
import type { ScheduleHealth } from './schedules/operations.ts';
import { boardVersionKey } from './settlement/scoreboards/keys.ts';

const { TaskQueueType } = protos.temporal.api.enums.v1;

/** How long each source may take; Prometheus's own scrape timeout is 10 s by default. */
const DEADLINE_MS = 3000;
/** Scoreboards changed within this window are checked for lag (older ones were caught up long ago or rebuilt). */
const BOARD_WINDOW_DAYS = 7;
/** A poller seen within this long counts as polling (Temporal keeps a poller listed for a few minutes). */
const POLLER_FRESH_MS = 60_000;

export function createApiGauges(deps: {
  prisma: PrismaClient;
  redis: Redis;
  temporal: Client;
  namespace: string;
  taskQueues: TaskQueues;
  scheduleHealth: () => Promise<ScheduleHealth[]>;
}): Registry {
  const { prisma, redis, temporal } = deps;
  const register = new Registry();

  const outbox = scrapeSource('outbox', DEADLINE_MS, () => outboxBacklog(prisma));
  scrapeGauge(
    register,
    {
      name: 'fulltime_outbox_pending_rows',
      help: 'Workflow starts committed but not yet made (dispatched_at IS NULL).',
    },
    outbox,
    (g, v) => g.set(v.pending),
  );
  scrapeGauge(
    register,
    {
      name: 'fulltime_outbox_failing_rows',
      help: 'Pending workflow starts whose last attempt failed (Temporal unreachable, …).',
    },
    outbox,
    (g, v) => g.set(v.failing),
  );
  scrapeGauge(
    register,
    {
      name: 'fulltime_outbox_oldest_pending_age_seconds',
      help: 'Age of the oldest pending workflow start (0 when none waits).',
    },
    outbox,
    (g, v) => g.set(v.oldestSeconds),
  );

  const boards = scrapeSource('scoreboards', DEADLINE_MS, async () => {
    const rows = await prisma.$queryRaw<{ id: string; version: bigint; age: number }[]>`
      SELECT id, scoreboard_version AS version, extract(epoch FROM now() - scoreboard_changed_at)::float8 AS age
      FROM tournaments
      WHERE scoreboard_version > 0 AND scoreboard_changed_at > now() - make_interval(days => ${BOARD_WINDOW_DAYS})`;
    const projected = rows.length > 0 ? await redis.mget(...rows.map((r) => boardVersionKey(r.id))) : [];
    let behind = 0;
    let lagVersions = 0;
    let lagSeconds = 0;
    rows.forEach((row, i) => {
      const lag = Number(row.version) - Number(projected[i] ?? -1);
      if (lag <= 0) return;
      behind++;
      lagVersions = Math.max(lagVersions, lag);
      lagSeconds = Math.max(lagSeconds, row.age);
    });
    return { behind, lagVersions, lagSeconds };
  });
  scrapeGauge(
    register,
    {
      name: 'fulltime_scoreboards_behind',
      help: 'Tournaments whose Redis boards reflect an older version than PostgreSQL (changed in the last 7 days).',
    },
    boards,
    (g, v) => g.set(v.behind),
  );
  scrapeGauge(
    register,
    {
      name: 'fulltime_scoreboard_lag_versions',
      help: "The most versions any tournament's Redis boards are behind PostgreSQL.",
    },
    boards,
    (g, v) => g.set(v.lagVersions),
  );
  scrapeGauge(
    register,
    {
      name: 'fulltime_scoreboard_lag_seconds',
      help: 'How long the longest-behind tournament has waited since PostgreSQL changed (0 when none is behind).',
    },
    boards,
    (g, v) => g.set(v.lagSeconds),
  );

  const reconciliation = scrapeSource('reconciliation', DEADLINE_MS, () => reconciliationHealth(prisma));
  scrapeGauge(
    register,
    {
      name: 'fulltime_reconciliation_mismatches',
      help: 'Derived numbers that differ from their sources, by check, in the latest complete reconciliation over everything.',
      labelNames: ['check'] as const,
    },
    reconciliation,
    (g, v) => {
      for (const [name, count] of Object.entries(v.mismatches ?? {})) g.set({ check: name }, count);
    },
  );
  scrapeGauge(
    register,
    {
      name: 'fulltime_reconciliation_last_success_timestamp_seconds',
      help: 'When the latest complete reconciliation over everything finished (absent: none yet).',
    },
    reconciliation,
    (g, v) => {
      if (v.lastCompleteAt) g.set(v.lastCompleteAt.getTime() / 1000);
    },
  );

  const schedules = scrapeSource('schedules', DEADLINE_MS, deps.scheduleHealth);
  scrapeGauge(
    register,
    {
      name: 'fulltime_schedule_status',
      help: 'Each registry schedule: 1 for its status (ok, paused, missing, late).',
      labelNames: ['job_key', 'status'] as const,
    },
    schedules,
    (g, list) => {
      for (const h of list) g.set({ job_key: h.jobKey, status: h.status }, 1);
    },
  );
  scrapeGauge(
    register,
    {
      name: 'fulltime_schedule_late_seconds',
      help: "How long ago a late schedule's missed run was due (0 when on time).",
      labelNames: ['job_key'] as const,
    },
    schedules,
    (g, list) => {
      for (const h of list) g.set({ job_key: h.jobKey }, h.lateSeconds ?? 0);
    },
  );

  const pollers = scrapeSource('task_queue_pollers', DEADLINE_MS, async () => {
    const types = {
      workflow: TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      activity: TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    } as const;
    const now = Date.now();
    return Promise.all(
      Object.values(deps.taskQueues).flatMap((taskQueue) =>
        Object.entries(types).map(async ([type, taskQueueType]) => {
          const described = await temporal.workflowService.describeTaskQueue({
            namespace: deps.namespace,
            taskQueue: { name: taskQueue },
            taskQueueType,
          });
          const fresh = (described.pollers ?? []).filter((p) => {
            const seen = p.lastAccessTime?.seconds;
            return seen != null && now - Number(seen) * 1000 < POLLER_FRESH_MS;
          });
          return { taskQueue, type, pollers: fresh.length };
        }),
      ),
    );
  });
  scrapeGauge(
    register,
    {
      name: 'fulltime_task_queue_pollers',
      help: 'Workers seen polling each task queue in the last minute, by task type (workflow, activity), as the Temporal server reports.',
      labelNames: ['task_queue', 'type'] as const,
    },
    pollers,
    (g, list) => {
      for (const p of list) g.set({ task_queue: p.taskQueue, type: p.type }, p.pollers);
    },
  );

  const dependencies = scrapeSource('dependencies', DEADLINE_MS, async () => {
    const [postgres, redisUp, temporalUp] = await Promise.all([
      check(() => prisma.$queryRaw`SELECT 1`),
      check(() => redis.ping()),
      check(() =>
        temporal.connection.withDeadline(Date.now() + 2000, () => temporal.workflowService.getSystemInfo({})),
      ),
    ]);
    return { postgres, redis: redisUp, temporal: temporalUp };
  });
  scrapeGauge(
    register,
    {
      name: 'fulltime_dependency_up',
      help: 'Whether the API reaches each dependency (postgres, redis, temporal): 1 up, 0 down.',
      labelNames: ['dependency'] as const,
    },
    dependencies,
    (g, checks) => {
      for (const [dependency, result] of Object.entries(checks)) g.set({ dependency }, result.status === 'up' ? 1 : 0);
    },
  );

  return register;
}
