// The jobs API: minutes recalculations and stats runs, from Temporal's visibility and `describe`.
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { createJobsService, jobStatuses, jobTypes } from '../../services/jobs.ts';
import { readRoute, writeRoute, type Route } from '../route.ts';
import { Id, QueryInt } from '../schemas.ts';
import { StartedRun } from './stats.ts';

const jobFields = {
  workflowId: z.string(),
  runId: z.string(),
  type: z.enum(Object.keys(jobTypes) as [keyof typeof jobTypes]),
  triggeredBy: z.string().nullable().meta({ description: 'What started it (its FulltimeTrigger): `post-match`, `admin`, `cron`, `substitution.created`, …' }),
  requestedBy: z.string().meta({ description: 'Who asked for it: `token` (the bearer token), `operator:<username>`, `schedule:<jobKey>`, `verification` or `system`.' }),
  status: z.enum(jobStatuses),
  startedAt: z.string(),
  closedAt: z.string().nullable(),
  durationMs: z.number().int().nullable().meta({ description: 'Null while running.' }),
  gameId: z.string().optional(),
};
const Job = z.strictObject(jobFields).meta({ id: 'Job' });
const JobDetail = z
  .strictObject({
    ...jobFields,
    result: z.unknown().optional().meta({ description: 'What a completed run returned (a stats run: its summary).' }),
    error: z
      .strictObject({ type: z.string().nullable(), message: z.string(), details: z.array(z.unknown()).optional() })
      .optional()
      .meta({ description: 'Why a run did not complete; a failed stats run carries its summary in `details`.' }),
  })
  .meta({ id: 'JobDetail' });
const JobParams = z.object({ workflowId: Id });
const tags = ['Jobs'];

export function jobsRoutes({ temporal }: { temporal: Client }): Route[] {
  const jobs = createJobsService(temporal);
  return [
    readRoute({
      method: 'get',
      path: '/api/admin/jobs',
      summary: 'Minutes recalculations and stats runs',
      description: "Newest first, as Temporal's visibility orders them: running jobs, then the most recently closed.",
      tags,
      query: z.object({
        type: z.enum(Object.keys(jobTypes) as [keyof typeof jobTypes]).optional(),
        status: z.enum(jobStatuses).optional(),
        trigger: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'letters, digits, dot, underscore or dash').optional()
          .meta({ description: 'What started it: `post-match`, `admin`, `cron`, `substitution.created`, …' }),
        gameId: Id.optional().meta({ description: 'Runs about this game (its FulltimeGameId).' }),
        requestId: Id.optional().meta({ description: 'Runs this request started (its FulltimeRequestId: the Idempotency-Key).' }),
        limit: QueryInt(1, 500).default(50),
      }),
      response: { status: 200, description: 'The jobs.', schema: z.strictObject({ jobs: z.array(Job) }).meta({ id: 'JobList' }) },
      errors: [503],
      handle: async ({ query }) => ({ jobs: await jobs.list(query) }),
    }),
    readRoute({
      method: 'get',
      path: '/api/admin/jobs/{workflowId}',
      summary: 'One job, with its result or error',
      tags,
      params: JobParams,
      response: { status: 200, description: 'The job.', schema: JobDetail },
      errors: [503],
      handle: ({ params }) => jobs.get(params.workflowId),
    }),
    writeRoute({
      method: 'post',
      path: '/api/admin/jobs/{workflowId}/retry',
      summary: 'Run a failed job again',
      description: 'A new run with the same input, `<workflowId>:retry:<request id>`, whose memo names the run it retries (`retryOf`).',
      tags,
      params: JobParams,
      response: { status: 202, description: 'The new run.', schema: StartedRun },
      errors: [409],
      write: ({ params }, scope) => jobs.retry(scope, params.workflowId),
    }),
  ];
}
