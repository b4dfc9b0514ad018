// The unit of every write: one PostgreSQL transaction holding the request's Idempotency-Key record,
// its data and its outbox rows, so a request is applied once or not at all, and the work it starts
// is never lost.
import type { Client } from '@temporalio/client';
import type { RequestedBy } from '../contracts/common.ts';
import type { PrismaClient, Tx } from '../db/client.ts';
import { ConflictError, DependencyUnavailableError } from '../domain/errors.ts';
import type { Logger } from '../logger.ts';
import { enqueueWorkflowStart, type OutboxEntry, type WorkflowStarter } from '../outbox/outbox.ts';
import { startWorkflowNow, type AnyWorkflowStart } from '../temporal/start-workflow.ts';

/** What a write's work gets: its transaction, its request ID, and the outbox. */
export interface WriteScope {
  tx: Tx;
  requestId: string;
  /** Who asked: goes into the memo of every workflow the write starts. */
  requestedBy: RequestedBy;
  /** Records a workflow start that commits (or rolls back) with the rest of the write. */
  enqueue(start: AnyWorkflowStart): Promise<void>;
  /**
   * Starts a workflow before the write commits, for a request that must answer with the run ID and
   * saves nothing else. A repeat (same workflow ID) finds the same run; Temporal down is a 503 and the
   * write rolls back, so the client's retry starts it.
   */
  startNow(start: AnyWorkflowStart): Promise<{ workflowId: string; runId: string }>;
}

/** The request as the write runner needs it; the HTTP layer builds it. */
export interface WriteRequest {
  requestId: string;
  requestedBy: RequestedBy;
  /** The client's Idempotency-Key, or null when it sent none (then nothing is stored for replays). */
  idempotencyKey: string | null;
  /** Identifies "the same request" for a key: method, path and body, in a stable form. */
  fingerprint: string;
  method: string;
  path: string;
}

export interface WriteResponse {
  status: number;
  body: unknown;
}

export type WriteRunner = (
  request: WriteRequest,
  work: (scope: WriteScope) => Promise<WriteResponse>,
) => Promise<WriteResponse & { replayed: boolean }>;

/**
 * Runs a write in one transaction together with its Idempotency-Key record and its outbox rows.
 *
 * The key row is inserted first, so a concurrent repeat blocks on the unique index until this
 * transaction ends, then finds the stored response (same status, same ids) and creates nothing. A
 * write that fails rolls back everything, key included: a rejected request writes nothing. After
 * commit the request's workflows are started at once, without holding the response; failures are
 * left to the outbox relay.
 */
export function createWriteRunner(deps: {
  prisma: PrismaClient;
  starter: WorkflowStarter;
  temporal: Client;
  logger: Logger;
}): WriteRunner {
  return async (request, work) => {
    const { requestId, requestedBy, idempotencyKey, fingerprint } = request;
    const enqueued: Omit<OutboxEntry, 'attempts'>[] = [];

    const result = await deps.prisma.$transaction(
      async (tx) => {
        if (idempotencyKey) {
          const inserted = await tx.$executeRaw`INSERT INTO idempotency_keys
              (key, fingerprint, method, path, response_status, response_body)
            VALUES (${idempotencyKey}, ${fingerprint}, ${request.method}, ${request.path}, 0, 'null'::json)
            ON CONFLICT (key) DO NOTHING`;
          if (inserted === 0) {
            const [stored] = await tx.$queryRaw<
              { fingerprint: string; response_status: number; response_body: unknown }[]
            >`
              SELECT fingerprint, response_status, response_body FROM idempotency_keys WHERE key = ${idempotencyKey}`;
            if (!stored || stored.fingerprint !== fingerprint) {
              throw new ConflictError(
                'idempotency_key_reused',
                'this Idempotency-Key was already used for a different request (method, path or body)',
              );
            }
            return { status: stored.response_status, body: stored.response_body, replayed: true };
          }
        }
        const response = await work({
          tx,
          requestId,
          requestedBy,
          enqueue: async (start) => {
            enqueued.push(await enqueueWorkflowStart(tx, requestId, start));
          },
          startNow: async (start) => {
            try {
              return await startWorkflowNow(deps.temporal, start);
            } catch (err) {
              throw new DependencyUnavailableError(
                'temporal',
                `Temporal did not accept the workflow start (${(err as Error).message}); nothing was saved, retry the request`,
              );
            }
          },
        });
        // Store (and answer with) the JSON form, so a replay is byte-for-byte the first response.
        const body = JSON.parse(JSON.stringify(response.body ?? null)) as unknown;
        if (idempotencyKey) {
          await tx.$executeRaw`UPDATE idempotency_keys
            SET response_status = ${response.status}, response_body = ${JSON.stringify(body)}::json
            WHERE key = ${idempotencyKey}`;
        }
        return { status: response.status, body, replayed: false };
      },
      { maxWait: 10_000, timeout: 20_000 },
    );

    // The commit made the request durable, so the response does not wait for Temporal: the
    // workflows start right away in the background, and the relay retries any start that fails.
    // A replay also nudges its workflows, in case the first attempt's start never happened.
    if (enqueued.length > 0 || result.replayed) {
      const dispatch = result.replayed
        ? deps.starter.dispatchRequest(requestId)
        : deps.starter.dispatchCommitted(enqueued);
      dispatch.catch((err: unknown) => {
        deps.logger.warn({ err, requestId }, 'could not dispatch workflows now; the outbox relay will');
      });
    }
    return result;
  };
}
