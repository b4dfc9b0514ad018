// The jobs API over Temporal itself: listing is a visibility query, one job is `describe` plus its
// result or failure, and a retry starts a new run with the failed one's input. No shadow table: the
// Web UI, the CLI and this API see the same runs.
import { WorkflowFailedError, WorkflowNotFoundError, type Client, type WorkflowExecutionDescription, type WorkflowExecutionInfo } from '@temporalio/client';
import { ApplicationFailure, defaultPayloadConverter } from '@temporalio/common';
import { ConflictError, NotFoundError } from '../domain/errors.ts';
import type { WorkflowName } from '../contracts/catalog.ts';
import { RequestedBy, retryWorkflowId, SearchAttributeNames, type RunMemo, type Trigger } from '../contracts/common.ts';
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
} as const satisfies Record<string, WorkflowName>;
export type JobType = keyof typeof jobTypes;

export const jobStatuses = runStatuses;
export type JobStatus = RunStatus;

const retryable: JobStatus[] = ['failed', 'terminated', 'timed_out', 'canceled'];

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
  gameId?: string;
}

const typeOf = (workflowType: string) => (Object.entries(jobTypes).find(([, wf]) => wf === workflowType)?.[0] ?? null) as JobType | null;
const quoted = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const firstOf = (value: unknown) => (Array.isArray(value) ? (value[0] as unknown) : value);

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
    ...(typeof gameId === 'string' ? { gameId } : {}),
  };
}

export function createJobsService(temporal: Client) {
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

  return {
    /** Jobs newest first, as Temporal's visibility orders them (running ones, then by closing time). */
    async list(filter: { type?: JobType; status?: JobStatus; trigger?: string; gameId?: string; requestId?: string; limit: number }): Promise<Job[]> {
      const workflowTypes = filter.type ? [jobTypes[filter.type]] : Object.values(jobTypes);
      const clauses = [`WorkflowType IN (${workflowTypes.map(quoted).join(', ')})`];
      if (filter.status) clauses.push(`ExecutionStatus = ${quoted(visibilityStatus[filter.status])}`);
      if (filter.trigger) clauses.push(`${SearchAttributeNames.trigger} = ${quoted(filter.trigger)}`);
      if (filter.gameId) clauses.push(`${SearchAttributeNames.gameId} = ${quoted(filter.gameId)}`);
      if (filter.requestId) clauses.push(`${SearchAttributeNames.requestId} = ${quoted(filter.requestId)}`);
      const jobs: Job[] = [];
      for await (const info of temporal.workflow.list({ query: clauses.join(' AND '), pageSize: filter.limit })) {
        const type = typeOf(info.type);
        if (type) jobs.push(jobOf(info, type));
        if (jobs.length >= filter.limit) break;
      }
      return jobs;
    },

    /** One job with its result (completed) or error (failed, terminated, timed out, canceled). */
    async get(workflowId: string): Promise<Job & { result?: unknown; error?: { type: string | null; message: string; details?: unknown[] } }> {
      const { job } = await describeJob(workflowId);
      if (job.status === 'running') return job;
      try {
        const result: unknown = await temporal.workflow.getHandle(workflowId, job.runId).result();
        return { ...job, result };
      } catch (err) {
        if (!(err instanceof WorkflowFailedError)) throw err;
        const cause = err.cause;
        return {
          ...job,
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
      if (!retryable.includes(job.status)) {
        throw new ConflictError('not_retryable', `job ${workflowId} is ${job.status}; only a failed, terminated, timed-out or canceled job can be retried`);
      }
      const history = await temporal.workflow.getHandle(workflowId, job.runId).fetchHistory();
      const payloads = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
      const args = payloads.map((payload) => defaultPayloadConverter.fromPayload(payload));
      const memo = (description.memo ?? {}) as Partial<RunMemo>;
      const start = workflowStart(jobTypes[job.type], {
        workflowId: retryWorkflowId(workflowId, scope.requestId),
        taskQueue: description.taskQueue,
        args: args as never,
        searchAttributes: {
          trigger: (job.triggeredBy ?? 'retry') as Trigger,
          requestId: scope.requestId,
          ...(job.gameId ? { gameId: job.gameId } : {}),
        },
        memo: { ...memo, requestedBy: scope.requestedBy, retryOf: { workflowId, runId: job.runId } },
      }) as AnyWorkflowStart;
      return scope.startNow(start);
    },
  };
}

export type JobsService = ReturnType<typeof createJobsService>;
