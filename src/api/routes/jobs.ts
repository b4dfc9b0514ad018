// The jobs API: every kind of run, from Temporal's visibility and `describe`; counts; retrying one job
// or every failed one matching a filter; canceling and terminating running ones.
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { Config } from '../../config.ts';
import { createJobsService, jobStatuses, jobTypes, MAX_BULK_RETRY, type JobDetail } from '../../services/jobs.ts';
import { readRoute, writeRoute, type Route } from '../route.ts';
import { Id, IsoTime, QueryInt, Text } from '../schemas.ts';
import { StartedRun } from './stats.ts';

export const JobType = z.enum(Object.keys(jobTypes) as [keyof typeof jobTypes]);
export const JobStatus = z.enum(jobStatuses);
export const Trigger = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,100}$/, 'letters, digits, dot, underscore or dash')
  .meta({ description: 'What started it: `post-match`, `admin`, `cron`, `substitution.created`, …' });

const jobFields = {
  workflowId: z.string(),
  runId: z.string(),
  type: JobType,
  triggeredBy: z.string().nullable().meta({
    description: 'What started it (its FulltimeTrigger): `post-match`, `admin`, `cron`, `substitution.created`, …',
  }),
  requestedBy: z.string().meta({
    description:
      'Who asked for it: `token` (the bearer token), `operator:<username>`, `schedule:<jobKey>`, `verification` or `system`.',
  }),
  status: JobStatus,
  startedAt: z.string(),
  closedAt: z.string().nullable(),
  durationMs: z.number().int().nullable().meta({ description: 'Null while running.' }),
  priority: z.number().int().min(1).max(5).meta({
    description:
      "Its priority key, 1 first … 5 last: settlement and verification 1, live recalculations 2, post-match stats 3, operators' runs 4, backfills, nightly runs, exports and reconciliation 5.",
  }),
  gameId: z.string().optional(),
};
const Job = z.strictObject(jobFields).meta({ id: 'Job' });
const JobDetailSchema = z
  .strictObject({
    ...jobFields,
    result: z.unknown().optional().meta({ description: 'What a completed run returned (a stats run: its summary).' }),
    error: z
      .strictObject({ type: z.string().nullable(), message: z.string(), details: z.array(z.unknown()).optional() })
      .optional()
      .meta({ description: 'Why a run did not complete; a failed stats run carries its summary in `details`.' }),
  })
  .meta({ id: 'JobDetail' });
export const JobParams = z.object({ workflowId: Id });
export const Reason = z.object({
  reason: Text(500).meta({ description: "Why, for the audit log and the run's history." }),
});
/** The filter fields every job listing and bulk retry shares (the console's too). */
export const JobFilterFields = {
  type: JobType.optional(),
  trigger: Trigger.optional(),
  gameId: Id.optional().meta({ description: 'Runs about this game (its FulltimeGameId).' }),
};
/** A page of jobs: the filter, a limit and the token of the page. */
export const JobListQuery = z.object({
  ...JobFilterFields,
  status: JobStatus.optional(),
  requestId: Id.optional().meta({
    description: 'Runs this request started (its FulltimeRequestId: the Idempotency-Key).',
  }),
  limit: QueryInt(1, 500).default(50),
  pageToken: z
    .string()
    .min(1)
    .max(4000)
    .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'a token from nextPageToken')
    .optional(),
});
const tags = ['Jobs'];

/** The contract's fields of a job's detail (the console shows the rest the service gives). */
const detailView = ({ input: _input, attempts: _attempts, memo: _memo, ...job }: JobDetail) => job;

export function jobsRoutes({ temporal, config }: { temporal: Client; config: Config }): Route[] {
  const jobs = createJobsService(temporal, { pageTokenSecret: config.SESSION_SECRET });
  const target = ({ params }: { params: { workflowId: string } }) => params.workflowId;
  return [
    readRoute({
      method: 'get',
      path: '/api/admin/jobs',
      summary: 'Every kind of job: recalculations, stats runs, settlements, rebuilds, verifications, exports',
      description:
        "Newest first, as Temporal's visibility orders them: running jobs, then the most recently closed. `nextPageToken` (null on the last page) asks for the next page.",
      tags,
      query: JobListQuery,
      response: {
        status: 200,
        description: 'One page of jobs.',
        schema: z.strictObject({ jobs: z.array(Job), nextPageToken: z.string().nullable() }).meta({ id: 'JobList' }),
      },
      errors: [503],
      handle: ({ query }) => jobs.page(query, query.limit, query.pageToken),
    }),
    readRoute({
      method: 'get',
      path: '/api/admin/jobs/counts',
      summary: 'Jobs by type and status since a time',
      tags,
      query: z.object({ since: IsoTime.optional().meta({ description: 'Default: 24 hours ago.' }) }),
      response: {
        status: 200,
        description: 'For every job type, how many runs started since `since` are in each status.',
        schema: z
          .strictObject({ since: z.string(), counts: z.record(JobType, z.record(JobStatus, z.number().int())) })
          .meta({ id: 'JobCounts' }),
      },
      errors: [503],
      handle: async ({ query }) => {
        const since = query.since ? new Date(query.since) : new Date(Date.now() - 24 * 3600_000);
        return { since: since.toISOString(), counts: await jobs.counts(since) };
      },
    }),
    readRoute({
      method: 'get',
      path: '/api/admin/jobs/{workflowId}',
      summary: 'One job, with its result or error',
      tags,
      params: JobParams,
      response: { status: 200, description: 'The job.', schema: JobDetailSchema },
      errors: [503],
      handle: async ({ params }) => detailView(await jobs.get(params.workflowId)),
    }),
    writeRoute({
      method: 'post',
      path: '/api/admin/jobs/retry',
      summary: 'Retry every failed job matching a filter, up to `max`',
      description:
        'Newest first. Each new run is `<workflowId>:retry:<request id>`, so a repeat with the same Idempotency-Key retries nothing more.',
      tags,
      body: z.object({
        ...JobFilterFields,
        status: z.literal('failed'),
        since: IsoTime.optional().meta({ description: 'Failed (closed) at or after this time.' }),
        max: z.number().int().min(1).max(MAX_BULK_RETRY),
      }),
      response: {
        status: 202,
        description: 'How many matched, and the runs retried.',
        schema: z
          .strictObject({
            matched: z.number().int(),
            retried: z.array(z.strictObject({ workflowId: z.string(), newWorkflowId: z.string() })),
          })
          .meta({ id: 'BulkRetry' }),
      },
      errors: [503],
      audit: {
        action: 'jobs.retry',
        target: ({ body }) =>
          JSON.stringify({
            type: body.type,
            trigger: body.trigger,
            gameId: body.gameId,
            since: body.since,
            max: body.max,
          }),
      },
      write: ({ body }, scope) =>
        jobs.retryMatching(scope, { ...body, since: body.since ? new Date(body.since) : undefined }, body.max),
    }),
    writeRoute({
      method: 'post',
      path: '/api/admin/jobs/{workflowId}/retry',
      summary: 'Run a failed job again',
      description:
        'A new run with the same input, `<workflowId>:retry:<request id>`, whose memo names the run it retries (`retryOf`).',
      tags,
      params: JobParams,
      response: { status: 202, description: 'The new run.', schema: StartedRun },
      errors: [409, 503],
      audit: { action: 'job.retry', target },
      write: ({ params }, scope) => jobs.retry(scope, params.workflowId),
    }),
    writeRoute({
      method: 'post',
      path: '/api/admin/jobs/{workflowId}/cancel',
      summary: 'Ask a running job to cancel',
      description:
        'The run is asked to stop and may clean up first; 409 when it is not running. The reason is kept in the audit log.',
      tags,
      params: JobParams,
      body: Reason,
      response: { status: 202, description: 'The run asked to cancel.', schema: StartedRun },
      errors: [409, 503],
      audit: { action: 'job.cancel', target },
      write: ({ params }) => jobs.cancel(params.workflowId),
    }),
    writeRoute({
      method: 'post',
      path: '/api/admin/jobs/{workflowId}/terminate',
      summary: 'End a running job at once',
      description: 'The run ends now, with the reason in its history; 409 when it is not running.',
      tags,
      params: JobParams,
      body: Reason,
      response: { status: 202, description: 'The terminated run.', schema: StartedRun },
      errors: [409, 503],
      audit: { action: 'job.terminate', target },
      write: ({ params, body }) => jobs.terminate(params.workflowId, body.reason),
    }),
  ];
}
