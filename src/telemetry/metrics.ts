// The project's own Prometheus metrics (prom-client), one registry per process. Every label is
// bounded: route templates, workflow types, triggers, outcomes, task queues, job keys; never a game,
// user or request ID (src/telemetry/metrics.test.ts holds the page to that).
//
// prom-client rather than the Temporal SDK's metric meter: its gauges can be computed when Prometheus
// scrapes (the outbox backlog, scoreboard lag), the API and the workers share one way of defining
// metrics, and the API has no SDK runtime to meter with. The SDK's own metrics (temporal_*) come from
// its Prometheus exporter and are served on the same page (metrics-server.ts).
import client from 'prom-client';

export { Registry } from 'prom-client';

export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry });

/** fulltime_process_errors_total's kinds (telemetry/process-errors.ts). */
export const ProcessErrorKinds = {
  unhandledRejection: 'unhandled_rejection',
  uncaughtException: 'uncaught_exception',
} as const;

const seconds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export const metrics = {
  httpRequests: new client.Counter({
    name: 'fulltime_http_requests_total',
    help: 'HTTP requests answered, by route template (`unmatched` for none), method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  }),
  httpDuration: new client.Histogram({
    name: 'fulltime_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by route template, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: seconds,
    registers: [registry],
  }),
  outboxDispatches: new client.Counter({
    name: 'fulltime_outbox_dispatches_total',
    help: 'Workflow starts tried from the outbox: right after the commit (source=api) or by the relay (source=relay); outcome started, already_started or failed.',
    labelNames: ['source', 'outcome'] as const,
    registers: [registry],
  }),
  workflowsStarted: new client.Counter({
    name: 'fulltime_workflows_started_total',
    help: 'Workflows this process started, by workflow type and trigger (schedules start theirs on the server).',
    labelNames: ['workflow_type', 'trigger'] as const,
    registers: [registry],
  }),
  scoreboardReads: new client.Counter({
    name: 'fulltime_scoreboard_reads_total',
    help: 'Scoreboard and rank reads, by board (tournament, league, rank) and the store that answered (redis, or the postgres fallback).',
    labelNames: ['board', 'source'] as const,
    registers: [registry],
  }),
  cacheRequests: new client.Counter({
    name: 'fulltime_cache_requests_total',
    help: 'Cached reads, by what is cached (the key kind: player-stats, hall-of-fame, …) and outcome (hit, miss, error).',
    labelNames: ['cache', 'outcome'] as const,
    registers: [registry],
  }),
  authFailures: new client.Counter({
    name: 'fulltime_auth_failures_total',
    help: 'Failed authentication: outcome rejected (a wrong credential, 401) or blocked (a client past its limit, 429).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  }),
  settlements: new client.Counter({
    name: 'fulltime_settlements_total',
    help: 'Settlements of a result, by outcome: applied, already (a repeat), skipped (a newer result came first), failed (for good).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  }),
  settlementDuration: new client.Histogram({
    name: 'fulltime_settlement_duration_seconds',
    help: "A settlement's PostgreSQL transaction, by outcome.",
    labelNames: ['outcome'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120],
    registers: [registry],
  }),
  predictionsSettled: new client.Counter({
    name: 'fulltime_predictions_settled_total',
    help: 'Predictions scored by applied settlements.',
    registers: [registry],
  }),
  verificationDecisions: new client.Counter({
    name: 'fulltime_verification_decisions_total',
    help: 'Match verification decisions, by decision: noop, retry, ended.',
    labelNames: ['decision'] as const,
    registers: [registry],
  }),
  processErrors: new client.Counter({
    name: 'fulltime_process_errors_total',
    help: 'Errors nobody handled, by kind: unhandled_rejection (logged; the process carries on) or uncaught_exception (logged; the process stops gracefully and exits 1).',
    labelNames: ['kind'] as const,
    registers: [registry],
  }),
  gaugeFailures: new client.Counter({
    name: 'fulltime_gauge_refresh_failures_total',
    help: 'Scrape-time gauges whose query failed or missed its deadline (the gauge is then absent from that scrape).',
    labelNames: ['gauge'] as const,
    registers: [registry],
  }),
};

/** Runs `work` with a deadline; rejects when it is missed. */
export async function withDeadline<T>(ms: number, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A source of scrape-time gauge values: `read` runs once per scrape (gauges of one source share it)
 * with a deadline. When it fails, its gauges are left out of that scrape (absent, so an alert on them
 * sees no data rather than a stale value) and the failure is counted; the scrape itself never fails.
 */
export function scrapeSource<T>(name: string, deadlineMs: number, read: () => Promise<T>) {
  let current: { at: number; value: Promise<T | undefined> } | undefined;
  return {
    /** The value for this scrape (one call of `read` serves every gauge of a scrape). */
    value(): Promise<T | undefined> {
      if (!current || Date.now() - current.at > 1000) {
        current = {
          at: Date.now(),
          value: withDeadline(deadlineMs, read).catch(() => {
            metrics.gaugeFailures.inc({ gauge: name });
            return undefined;
          }),
        };
      }
      return current.value;
    },
  };
}

/**
 * A gauge set from a scrape source when Prometheus scrapes; `set` writes its series, or none. It goes
 * in `register`, a registry of the component that owns the source (an API instance), not the process's.
 */
export function scrapeGauge<L extends string, T>(
  register: client.Registry,
  options: { name: string; help: string; labelNames?: readonly L[] },
  source: ReturnType<typeof scrapeSource<T>>,
  set: (gauge: client.Gauge<L>, value: T) => void,
): client.Gauge<L> {
  return new client.Gauge<L>({
    ...options,
    labelNames: options.labelNames ?? [],
    registers: [register],
    async collect() {
      this.reset();
      const value = await source.value();
      if (value !== undefined) set(this, value);
    },
  });
}

/** The key kind of a cache key (`player-stats:<id>` -> `player-stats`): a bounded label. */
export function cacheKind(key: string): string {
  return key.split(':', 1)[0]!;
}

/**
 * Known label values start at 0, so rates, alerts and dashboards have a series before the first
 * event (Prometheus's advice for counters with a bounded set of labels).
 */
export function initializeMetrics(process: 'api' | 'worker'): void {
  for (const kind of Object.values(ProcessErrorKinds)) metrics.processErrors.inc({ kind }, 0);
  for (const source of ['api', 'relay'])
    for (const outcome of ['started', 'already_started', 'failed'])
      metrics.outboxDispatches.inc({ source, outcome }, 0);
  if (process === 'api') {
    for (const outcome of ['rejected', 'blocked']) metrics.authFailures.inc({ outcome }, 0);
    for (const board of ['tournament', 'league', 'rank'])
      for (const source of ['redis', 'postgres']) metrics.scoreboardReads.inc({ board, source }, 0);
    for (const gauge of ['outbox', 'scoreboards', 'schedules', 'task_queue_pollers', 'dependencies'])
      metrics.gaugeFailures.inc({ gauge }, 0);
  } else {
    for (const outcome of ['applied', 'already', 'skipped', 'failed']) metrics.settlements.inc({ outcome }, 0);
    for (const decision of ['noop', 'retry', 'ended']) metrics.verificationDecisions.inc({ decision }, 0);
  }
}
