// Transactional outbox for workflow starts. A write stores "start workflow W" in the same PostgreSQL
// transaction as the data that needs it; right after commit the API starts W, and the relay starts
// whatever is still undispatched (Temporal was down, the process died between commit and start).
// Starts use REJECT_DUPLICATE, so however often a row is dispatched, W runs once.
import type { Client } from '@temporalio/client';
import type { PrismaClient, Tx } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import { metrics } from '../telemetry/metrics.ts';
import { currentTraceCarrier, withTraceCarrier } from '../telemetry/tracing.ts';
import { errorChain, isTemporalUnreachable } from '../temporal/errors.ts';
import { startWorkflowOnce, type AnyWorkflowStart } from '../temporal/start-workflow.ts';

/** A start waiting in the outbox: the typed start exactly as the write built it, plus bookkeeping. */
export interface OutboxEntry {
  id: bigint;
  requestId: string;
  start: AnyWorkflowStart;
  /** The writing request's trace context: the start joins its trace, however late it goes out. */
  traceContext: Record<string, string> | null;
  /** Relay attempts so far (0 for a start dispatched straight after its commit). */
  attempts: number;
}

/**
 * How long a start may take before it counts as failed (the relay then retries it). Starts go out
 * after the response; 10 s was tried and slowed the relay's recovery after an outage (each pass's
 * starts wait out the deadline on a channel still reconnecting).
 */
const START_DEADLINE_MS = 3000;
/**
 * How long the relay leaves a fresh row to the API that wrote it: past the API's own start deadline,
 * so a relay never races a start still in flight (it would retry starts that are about to succeed).
 */
const API_DISPATCH_GRACE_SECONDS = START_DEADLINE_MS / 1000 + 2;
/** How soon the relay takes a row whose start from the API failed. */
const RELAY_AFTER_API_FAILURE_SECONDS = 2;
/** How long a claimed row is hidden from other relays while one tries to start it. */
const CLAIM_LEASE_SECONDS = 30;

/**
 * Records `start` in the write's transaction (serialised once, as it is) with the active trace
 * context; returns the entry as the write can dispatch it after commit.
 */
export async function enqueueWorkflowStart(
  tx: Tx,
  requestId: string,
  start: AnyWorkflowStart,
): Promise<Omit<OutboxEntry, 'attempts'>> {
  const traceContext = currentTraceCarrier();
  const [row] = await tx.$queryRaw<{ id: bigint }[]>`INSERT INTO workflow_outbox
      (request_id, workflow_id, start, trace_context, next_attempt_at)
    VALUES (${requestId}, ${start.workflowId}, ${JSON.stringify(start)}::jsonb, ${traceContext ? JSON.stringify(traceContext) : null}::jsonb,
      now() + make_interval(secs => ${API_DISPATCH_GRACE_SECONDS}))
    RETURNING id`;
  return { id: row!.id, requestId, start, traceContext };
}

type OutboxRow = {
  id: bigint;
  request_id: string;
  start: AnyWorkflowStart;
  trace_context: Record<string, string> | null;
  attempts: number;
};

/** Reads outbox rows back into entries (the start column is the typed start, rebuilt once). */
function toEntries(rows: OutboxRow[]): OutboxEntry[] {
  return rows.map((row) => ({
    id: row.id,
    requestId: row.request_id,
    start: row.start,
    traceContext: row.trace_context,
    attempts: row.attempts,
  }));
}

export interface DispatchResult {
  started: number;
  alreadyStarted: number;
  failed: number;
}

/** When Temporal is unreachable, the API leaves new rows to the relay for this long instead of trying each. */
const START_BREAKER_MS = 5000;

/** Started rows are marked dispatched in one UPDATE per this interval instead of one per row. */
const MARK_DISPATCHED_EVERY_MS = 50;

export class WorkflowStarter {
  private startsPausedUntil = 0;
  /** Set when a start found Temporal unreachable; the relay then probes it every pass. */
  private temporalUnreachable = false;
  private toMark: bigint[] = [];
  private markTimer: NodeJS.Timeout | undefined;
  private marking: Promise<void> = Promise.resolve();
  private readonly inflight = new Set<Promise<boolean>>();

  constructor(
    private readonly deps: { prisma: PrismaClient; temporal: Client; logger: Logger; startTimeoutMs?: number },
  ) {}

  /** Starts the request's undispatched workflows now; what fails is left to the relay. */
  async dispatchRequest(requestId: string): Promise<DispatchResult> {
    if (Date.now() < this.startsPausedUntil) return { started: 0, alreadyStarted: 0, failed: 0 };
    const rows = await this.deps.prisma.$queryRaw<OutboxRow[]>`
      SELECT id, request_id, start, trace_context, attempts FROM workflow_outbox
      WHERE request_id = ${requestId} AND dispatched_at IS NULL ORDER BY id`;
    return this.dispatch(toEntries(rows), { fromRelay: false });
  }

  /** Starts entries a request has just committed, from memory (no need to read them back). */
  async dispatchCommitted(entries: Omit<OutboxEntry, 'attempts'>[]): Promise<DispatchResult> {
    if (Date.now() < this.startsPausedUntil) return { started: 0, alreadyStarted: 0, failed: 0 };
    return this.dispatch(
      entries.map((entry) => ({ ...entry, attempts: 0 })),
      { fromRelay: false },
    );
  }

  /** One relay pass: claims due rows (SKIP LOCKED, so many relays can run) and starts them. */
  async relayOnce(batchSize = 100): Promise<DispatchResult> {
    const rows = await this.deps.prisma.$queryRaw<OutboxRow[]>`
      UPDATE workflow_outbox SET attempts = attempts + 1,
        next_attempt_at = now() + make_interval(secs => ${CLAIM_LEASE_SECONDS})
      WHERE id IN (
        SELECT id FROM workflow_outbox
        WHERE dispatched_at IS NULL AND next_attempt_at <= now()
        ORDER BY next_attempt_at LIMIT ${batchSize} FOR UPDATE SKIP LOCKED)
      RETURNING id, request_id, start, trace_context, attempts`;
    return this.dispatch(toEntries(rows), { fromRelay: true });
  }

  /** Runs relay passes every `intervalMs` until the returned function is called. */
  startRelay(intervalMs: number): () => Promise<void> {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<unknown> = Promise.resolve();
    const tick = () => {
      running = this.resumeIfTemporalBack()
        .then(() => this.relayOnce())
        .then((result) => {
          if (result.started + result.alreadyStarted + result.failed > 0) {
            this.deps.logger.info(result, 'outbox relay pass');
          }
        })
        .catch((err) => this.deps.logger.warn({ err }, 'outbox relay pass failed'))
        .finally(() => {
          if (!stopped) timer = setTimeout(tick, intervalMs);
        });
    };
    timer = setTimeout(tick, intervalMs);
    return async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
      await this.drain();
    };
  }

  /**
   * After an outage, rows wait out their backoff (up to 60 s) before their next attempt. A cheap
   * probe each pass notices Temporal is back, and makes them due at once.
   */
  private async resumeIfTemporalBack(): Promise<void> {
    if (!this.temporalUnreachable) return;
    try {
      await this.deps.temporal.connection.withDeadline(Date.now() + 1000, () =>
        this.deps.temporal.workflowService.getSystemInfo({}),
      );
    } catch {
      return;
    }
    this.temporalUnreachable = false;
    this.startsPausedUntil = 0;
    const due = await this.deps.prisma.$executeRaw`UPDATE workflow_outbox SET next_attempt_at = now()
      WHERE dispatched_at IS NULL AND last_error IS NOT NULL AND next_attempt_at > now()`;
    this.deps.logger.info({ rows: due }, 'Temporal is reachable again: retrying the starts that were backing off');
  }

  /**
   * Waits for in-flight starts (each bounded by its deadline) and writes pending marks. Call before
   * closing the Temporal connection, so no start is still retrying on a closed channel.
   */
  async drain(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
    await this.flushMarks();
  }

  private dispatch(rows: OutboxEntry[], options: { fromRelay: boolean }): Promise<DispatchResult> {
    const work = this.dispatchRows(rows, options);
    // Tracked for drain() as a promise that cannot reject: the caller handles `work`'s failure.
    const tracked: Promise<boolean> = work.then(
      () => this.inflight.delete(tracked),
      () => this.inflight.delete(tracked),
    );
    this.inflight.add(tracked);
    return work;
  }

  private async dispatchRows(rows: OutboxEntry[], { fromRelay }: { fromRelay: boolean }): Promise<DispatchResult> {
    const result: DispatchResult = { started: 0, alreadyStarted: 0, failed: 0 };
    await Promise.all(
      rows.map(async (row) => {
        const log = this.deps.logger.child({ requestId: row.requestId, workflowId: row.start.workflowId });
        const source = fromRelay ? 'relay' : 'api';
        try {
          const { outcome } = await withTraceCarrier(row.traceContext, () =>
            startWorkflowOnce(this.deps.temporal, row.start, this.deps.startTimeoutMs ?? START_DEADLINE_MS),
          );
          metrics.outboxDispatches.inc({ source, outcome: outcome === 'started' ? 'started' : 'already_started' });
          result[outcome]++;
          this.startsPausedUntil = 0;
          // A row left unmarked by a crash is dispatched again later: harmless (REJECT_DUPLICATE).
          if (fromRelay) await this.markDispatched([row.id]);
          else this.markDispatchedSoon(row.id);
          log.debug({ outcome, fromRelay }, 'workflow dispatched');
        } catch (err) {
          metrics.outboxDispatches.inc({ source, outcome: 'failed' });
          result.failed++;
          if (isTemporalUnreachable(err)) {
            this.startsPausedUntil = Date.now() + START_BREAKER_MS;
            this.temporalUnreachable = true;
          }
          const message = errorChain(err);
          log.warn({ err: message, fromRelay }, 'workflow start failed; the outbox relay will retry');
          // Back off exponentially (1 s .. 60 s) between relay attempts.
          const delay = Math.min(60, 2 ** Math.min(row.attempts, 6));
          await this.deps.prisma.$executeRaw`UPDATE workflow_outbox SET last_error = ${message},
              next_attempt_at = now() + make_interval(secs => ${fromRelay ? delay : RELAY_AFTER_API_FAILURE_SECONDS})
            WHERE id = ${row.id} AND dispatched_at IS NULL`.catch(() => {});
        }
      }),
    );
    return result;
  }

  private markDispatched(ids: bigint[]): Promise<number> {
    return this.deps.prisma.$executeRaw`UPDATE workflow_outbox
      SET dispatched_at = now(), next_attempt_at = 'infinity', last_error = NULL WHERE id = ANY(${ids})`;
  }

  private markDispatchedSoon(id: bigint): void {
    this.toMark.push(id);
    // flushMarks() logs a failed mark itself (the relay rechecks those rows); it does not reject.
    this.markTimer ??= setTimeout(() => {
      this.flushMarks().catch(() => {});
    }, MARK_DISPATCHED_EVERY_MS);
  }

  /** Writes pending dispatched-marks now; `startRelay`'s stop function and tests call it. */
  async flushMarks(): Promise<void> {
    clearTimeout(this.markTimer);
    this.markTimer = undefined;
    const ids = this.toMark.splice(0);
    if (ids.length > 0) {
      this.marking = this.marking.then(() =>
        this.markDispatched(ids).then(
          () => undefined,
          (err) =>
            this.deps.logger.warn(
              { err, rows: ids.length },
              'could not mark outbox rows dispatched; the relay will recheck them',
            ),
        ),
      );
    }
    await this.marking;
  }
}

export interface OutboxBacklog {
  /** Workflow starts committed but not yet made. */
  pending: number;
  /** Pending ones whose last attempt failed. */
  failing: number;
  /** The oldest pending start's age (0 when none waits). */
  oldestSeconds: number;
}

/** What waits in the outbox now (the metrics' gauges and the console's overview). */
export async function outboxBacklog(prisma: PrismaClient): Promise<OutboxBacklog> {
  const [row] = await prisma.$queryRaw<{ pending: bigint; failing: bigint; oldest: number | null }[]>`
    SELECT count(*) AS pending, count(*) FILTER (WHERE last_error IS NOT NULL) AS failing,
           extract(epoch FROM now() - min(created_at))::float8 AS oldest
    FROM workflow_outbox WHERE dispatched_at IS NULL`;
  return { pending: Number(row!.pending), failing: Number(row!.failing), oldestSeconds: row!.oldest ?? 0 };
}
