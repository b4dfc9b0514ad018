// The jobs API over Temporal itself: listing is a visibility query (paged with Temporal's own page
// token), one job is `describe` plus its input and its result or failure, counts are grouped
// visibility counts, and retry, cancel and terminate act on the run. No shadow table: the Web UI,
// the CLI, the console and this API see the same runs.
import {
  WorkflowFailedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowExecutionInfo,
} from '@temporalio/client';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers.js';
import { ApplicationFailure, defaultPayloadConverter } from '@temporalio/common';
import { loadDataConverter } from '@temporalio/common/lib/internal-non-workflow/data-converter-helpers.js';
import type { WorkflowName } from '../contracts/catalog.ts';
import { RequestedBy, retryWorkflowId, SearchAttributeNames, type RunMemo, type Trigger } from '../contracts/common.ts';
import { ConflictError, InvalidInputError, NotFoundError } from '../domain/errors.ts';
import { runStatuses, runStatusOf, visibilityStatus, type RunStatus } from '../temporal/run-status.ts';
import { workflowStart, type AnyWorkflowStart } from '../temporal/start-workflow.ts';
import type { WriteScope } from './write.ts';

/** Job types and the workflows they are. */
export const jobTypes = {
  'minutes-recalculation': 'recalculateMinutesWorkflow',
  stats: 'statsWorkflow',
  settlement: 'settleGameWorkflow',
  'scoreboard-rebuild': 'rebuildScoreboardWorkflow',
  'match-verification': 'matchVerificationWorkflow',
  export: 'exportWorkflow',
  reconciliation: 'reconcileWorkflow',
  'reconciliation-repair': 'repairReconciliationWorkflow',
} as const satisfies Record<string, WorkflowName>;
export type JobType = keyof typeof jobTypes;

export const jobStatuses = runStatuses;
export type JobStatus = RunStatus;

/** The statuses a job can be retried from. */
export const retryableStatuses: readonly JobStatus[] = ['failed', 'terminated', 'timed_out', 'canceled'];
/** The most a bulk retry starts in one request. */
export const MAX_BULK_RETRY = 500;

export interface Job {
  workflowId: string;
  runId: string;
  type: JobType;
  triggeredBy: string | null;
  /** Who asked for it (memo `requestedBy`); runs from before it was recorded count as `system`. */
  requestedBy: string;
  status: JobStatus;
  startedAt: string;
  closedAt: string | null;
  durationMs: number | null;
  /** Its priority key, 1 first … 5 last (contracts/priorities.ts); a run started without one has the server's default, 3. */
  priority: number;
  gameId?: string;
}

export interface JobFilter {
  type?: JobType;
  status?: JobStatus;
  trigger?: string;
  gameId?: string;
  requestId?: string;
  /** Started (or, with a status that has closed, closed) at or after this time. */
  since?: Date;
}

export interface JobDetail extends Job {
  /** The run's arguments as it was started with them. */
  input: unknown[];
  /** The most attempts any of its activities needed (the one still retrying, for a running job). */
  attempts: number | null;
  memo: Record<string, unknown>;
  result?: unknown;
  error?: { type: string | null; message: string; details?: unknown[] };
}

const typeOf = (workflowType: string) =>
  (Object.entries(jobTypes).find(([, wf]) => wf === workflowType)?.[0] ?? null) as JobType | null;
const quoted = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const firstOf = (value: unknown) => (Array.isArray(value) ? (value[0] as unknown) : value);
const dataConverter = loadDataConverter();

/** The server's default priority key (the middle of 1 … 5), for runs started without one. */
const DEFAULT_PRIORITY_KEY = 3;

function jobOf(info: Omit<WorkflowExecutionInfo, 'raw'>, type: JobType): Job {
  const attributes = info.searchAttributes ?? {};
  const memo = (info.memo ?? {}) as Partial<RunMemo>;
  // A child run (a post-match run's recalculation) carries these in its memo only.
  const trigger = firstOf(attributes[SearchAttributeNames.trigger]) ?? memo.trigger;
  const gameId = firstOf(attributes[SearchAttributeNames.gameId]) ?? memo.gameId;
  const closedAt = info.closeTime ?? null;
  return {
    workflowId: info.workflowId,
    runId: info.runId,
    type,
    triggeredBy: typeof trigger === 'string' ? trigger : null,
    requestedBy: typeof memo.requestedBy === 'string' ? memo.requestedBy : RequestedBy.system,
    status: runStatusOf(info.status.name),
    startedAt: info.startTime.toISOString(),
    closedAt: closedAt?.toISOString() ?? null,
    durationMs: closedAt ? closedAt.getTime() - info.startTime.getTime() : null,
    priority: info.priority?.priorityKey || DEFAULT_PRIORITY_KEY,
    ...(typeof gameId === 'string' ? { gameId } : {}),
  };
}

/** The visibility query for a filter (every job type unless it names one). */
export function jobsQuery(filter: JobFilter): string {
  const workflowTypes = filter.type ? [jobTypes[filter.type]] : Object.values(jobTypes);
  const clauses = [`WorkflowType IN (${workflowTypes.map(quoted).join(', ')})`];
  if (filter.status) clauses.push(`ExecutionStatus = ${quoted(visibilityStatus[filter.status])}`);
  if (filter.trigger) clauses.push(`${SearchAttributeNames.trigger} = ${quoted(filter.trigger)}`);
  if (filter.gameId) clauses.push(`${SearchAttributeNames.gameId} = ${quoted(filter.gameId)}`);
  if (filter.requestId) clauses.push(`${SearchAttributeNames.requestId} = ${quoted(filter.requestId)}`);
  if (filter.since)
    clauses.push(
      `${filter.status && filter.status !== 'running' ? 'CloseTime' : 'StartTime'} >= ${quoted(filter.since.toISOString())}`,
    );
  return clauses.join(' AND ');
}

/**
 * Page tokens are Temporal's, signed (HMAC with `secret`) together with the query they page: a token
 * this API did not give, or one given for another filter, is 400, never passed to the server (which
 * answers a malformed one with an internal error).
 */
function pageTokens(secret: string) {
  const mac = (token: Buffer, query: string) =>
    createHmac('sha256', secret).update(query).update('\n').update(token).digest().subarray(0, 16);
  return {
    sign(token: Uint8Array, query: string): string {
      const bytes = Buffer.from(token);
      return `${bytes.toString('base64url')}.${mac(bytes, query).toString('base64url')}`;
    },
    open(signed: string, query: string): Buffer {
      const [token, signature] = signed.split('.');
      const bytes = Buffer.from(token ?? '', 'base64url');
      const given = Buffer.from(signature ?? '', 'base64url');
      const expected = mac(bytes, query);
      if (bytes.length === 0 || given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw InvalidInputError.of([{ path: 'pageToken', message: 'not a page token this API gave for this filter' }]);
      }
      return bytes;
    },
  };
}

export function createJobsService(temporal: Client, options: { pageTokenSecret: string }) {
  const namespace = temporal.options.namespace;
  const tokens = pageTokens(options.pageTokenSecret);

  async function describeJob(workflowId: string): Promise<{ description: WorkflowExecutionDescription; job: Job }> {
    try {
      const description = await temporal.workflow.getHandle(workflowId).describe();
      const type = typeOf(description.type);
      if (type) return { description, job: jobOf(description, type) };
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    throw new NotFoundError('job', workflowId);
  }

  /** One page of jobs, newest first as Temporal's visibility orders them; the token asks for the next. */
  async function page(
    filter: JobFilter,
    limit: number,
    pageToken?: string,
  ): Promise<{ jobs: Job[]; nextPageToken: string | null }> {
    const query = jobsQuery(filter);
    const token = pageToken ? tokens.open(pageToken, query) : undefined;
    const response = await temporal.workflowService.listWorkflowExecutions({
      namespace,
      pageSize: limit,
      nextPageToken: token,
      query,
    });
    const jobs: Job[] = [];
    for (const raw of response.executions ?? []) {
      const info = await executionInfoFromRaw(raw, dataConverter, raw, namespace);
      const type = typeOf(info.type);
      if (type) jobs.push(jobOf(info, type));
    }
    const next =
      response.nextPageToken && response.nextPageToken.length > 0 ? tokens.sign(response.nextPageToken, query) : null;
    return { jobs, nextPageToken: next };
  }

  /** Starts a new run of a job that did not complete, with its input; the memo names the run it retries. */
  async function retryOne(
    scope: WriteScope,
    description: WorkflowExecutionDescription,
    job: Job,
  ): Promise<{ workflowId: string; runId: string }> {
    const history = await temporal.workflow.getHandle(job.workflowId, job.runId).fetchHistory();
    const payloads = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
    const args = payloads.map((payload) => defaultPayloadConverter.fromPayload(payload));
    const memo = (description.memo ?? {}) as Partial<RunMemo>;
    const start = workflowStart(jobTypes[job.type], {
      workflowId: retryWorkflowId(job.workflowId, scope.requestId),
      taskQueue: description.taskQueue,
      args: args as never,
      searchAttributes: {
        trigger: (job.triggeredBy ?? 'retry') as Trigger,
        requestId: scope.requestId,
        ...(job.gameId ? { gameId: job.gameId } : {}),
      },
      memo: { ...memo, requestedBy: scope.requestedBy, retryOf: { workflowId: job.workflowId, runId: job.runId } },
    }) as AnyWorkflowStart;
    return scope.startNow(start);
  }

  return {
    page,

    /** Every job of a filter up to `limit` (for callers that want a list, not a page). */
    async list(filter: JobFilter & { limit: number }): Promise<Job[]> {
      return (await page(filter, filter.limit)).jobs;
    },

    /** Jobs by type and status since `since`: one grouped count per type. */
    async counts(since: Date): Promise<Record<JobType, Record<JobStatus, number>>> {
      const entries = await Promise.all(
        (Object.keys(jobTypes) as JobType[]).map(async (type) => {
          const counted = await temporal.workflow.count(
            `${jobsQuery({ type })} AND StartTime >= ${quoted(since.toISOString())} GROUP BY ExecutionStatus`,
          );
          const byStatus = Object.fromEntries(jobStatuses.map((s) => [s, 0])) as Record<JobStatus, number>;
          for (const group of counted.groups) {
            const name = String(firstOf(group.groupValues) ?? '');
            const status = (Object.entries(visibilityStatus).find(([, v]) => v === name)?.[0] ??
              (name === 'ContinuedAsNew' ? 'completed' : null)) as JobStatus | null;
            if (status) byStatus[status] += group.count;
          }
          return [type, byStatus] as const;
        }),
      );
      return Object.fromEntries(entries) as Record<JobType, Record<JobStatus, number>>;
    },

    /** One job with its input, attempts, memo, and its result (completed) or error. */
    async get(workflowId: string): Promise<JobDetail> {
      const { description, job } = await describeJob(workflowId);
      const handle = temporal.workflow.getHandle(workflowId, job.runId);
      const history = await handle.fetchHistory();
      const events = history.events ?? [];
      const input = (events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? []).map((p) =>
        defaultPayloadConverter.fromPayload(p),
      );
      const attempts = Math.max(
        0,
        ...events.map((e) => e.activityTaskStartedEventAttributes?.attempt ?? 0),
        ...(description.raw.pendingActivities ?? []).map((a) => a.attempt ?? 0),
      );
      const base: JobDetail = {
        ...job,
        input,
        attempts: attempts > 0 ? attempts : null,
        memo: (description.memo ?? {}) as Record<string, unknown>,
      };
      if (job.status === 'running') return base;
      try {
        return { ...base, result: await handle.result() };
      } catch (err) {
        if (!(err instanceof WorkflowFailedError)) throw err;
        const cause = err.cause;
        return {
          ...base,
          error: {
            type: cause instanceof ApplicationFailure ? (cause.type ?? null) : (cause?.name ?? null),
            message: cause?.message ?? err.message,
            ...(cause instanceof ApplicationFailure && cause.details?.length ? { details: [...cause.details] } : {}),
          },
        };
      }
    },

    /**
     * Starts a new run of a failed (or terminated, timed-out, canceled) job with the same input, its
     * ID `<job>:retry:<request id>` and its memo naming the run it retries.
     */
    async retry(scope: WriteScope, workflowId: string): Promise<{ workflowId: string; runId: string }> {
      const { description, job } = await describeJob(workflowId);
      if (!retryableStatuses.includes(job.status)) {
        throw new ConflictError(
          'not_retryable',
          `job ${workflowId} is ${job.status}; only a failed, terminated, timed-out or canceled job can be retried`,
        );
      }
      return retryOne(scope, description, job);
    },

    /**
     * Retries up to `max` jobs of a filter (failed ones), newest first. Each new run's ID comes from
     * the job and the request, so the same request again (its Idempotency-Key) starts nothing more.
     */
    async retryMatching(scope: WriteScope, filter: JobFilter & { status: 'failed' }, max: number) {
      const { count: matched } = await temporal.workflow.count(jobsQuery(filter));
      const retried: { workflowId: string; newWorkflowId: string }[] = [];
      let token: string | undefined;
      do {
        const { jobs, nextPageToken } = await page(filter, Math.min(100, max), token);
        for (const job of jobs) {
          if (retried.length >= max) break;
          const { description } = await describeJob(job.workflowId);
          const started = await retryOne(scope, description, job);
          retried.push({ workflowId: job.workflowId, newWorkflowId: started.workflowId });
        }
        token = nextPageToken ?? undefined;
      } while (token && retried.length < max);
      return { matched, retried };
    },

    /** Asks a running job to cancel (it may clean up); `reason` is recorded in the audit log and the memo of nothing else. */
    async cancel(workflowId: string): Promise<{ workflowId: string; runId: string }> {
      const { job } = await describeJob(workflowId);
      if (job.status !== 'running')
        throw new ConflictError(
          'not_running',
          `job ${workflowId} is ${job.status}; only a running job can be canceled`,
        );
      await temporal.workflow.getHandle(workflowId, job.runId).cancel();
      return { workflowId, runId: job.runId };
    },

    /** Ends a running job at once, with the reason in its history. */
    async terminate(workflowId: string, reason: string): Promise<{ workflowId: string; runId: string }> {
      const { job } = await describeJob(workflowId);
      if (job.status !== 'running')
        throw new ConflictError(
          'not_running',
          `job ${workflowId} is ${job.status}; only a running job can be terminated`,
        );
      await temporal.workflow.getHandle(workflowId, job.runId).terminate(reason);
      return { workflowId, runId: job.runId };
    },
  };
}

export type JobsService = ReturnType<typeof createJobsService>;
