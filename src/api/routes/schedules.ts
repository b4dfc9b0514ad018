// Operating the schedule registry: list, run now, pause, unpause, backfill.
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { Config } from '../../config.ts';
import { createScheduleOperations } from '../../services/schedules/operations.ts';
import { scheduleRegistry } from '../../services/schedules/registry.ts';
import { readRoute, writeRoute, type Route } from '../route.ts';
import { IsoTime, Text } from '../schemas.ts';

const Run = z.strictObject({
  workflowId: z.string(),
  runId: z.string(),
  status: z.string(),
  startedAt: z.string(),
  closedAt: z.string().nullable(),
});
const CronJob = z
  .strictObject({
    jobKey: z.string(),
    description: z.string(),
    owner: z.string(),
    spec: z.string().meta({ description: 'The spec in words: `every 5 minutes`, `daily at 03:00 (UTC)`.' }),
    timeZone: z.string(),
    exists: z
      .boolean()
      .meta({ description: 'False until `npm run schedules:sync` (or a worker starting) created it.' }),
    paused: z.boolean().nullable(),
    note: z.string().nullable().meta({ description: "The schedule's note: why it was paused, by whom." }),
    nextRunAt: z.string().nullable(),
    nextRunTimes: z.array(z.string()),
    lastRun: z.strictObject({ workflowId: z.string(), startedAt: z.string(), status: z.string() }).nullable(),
    recentRuns: z.array(Run).meta({ description: 'Newest first, with their outcome (from Temporal visibility).' }),
  })
  .meta({ id: 'CronJob' });
export const JobKeyParams = z.object({ jobKey: z.string().min(1).max(100) });
export const NoteBody = z.object({ note: Text(500).optional() });
export const BackfillBody = z.object({ from: IsoTime, to: IsoTime });
const tags = ['Schedules'];

export function scheduleRoutes({ config, temporal }: { config: Config; temporal: Client }): Route[] {
  const schedules = createScheduleOperations(temporal, scheduleRegistry(config));
  return [
    readRoute({
      method: 'get',
      path: '/api/v2/admin/cron',
      summary: 'Every scheduled job',
      tags,
      response: {
        status: 200,
        description: "The registry, with each schedule's state and runs.",
        schema: z.strictObject({ jobs: z.array(CronJob) }).meta({ id: 'CronJobList' }),
      },
      errors: [503],
      handle: async () => ({ jobs: await schedules.list() }),
    }),
    writeRoute({
      method: 'post',
      path: '/api/v2/admin/cron/{jobKey}/run',
      summary: 'Run a job now',
      description:
        'Starts its workflow at once, outside its spec: `scheduled:<jobKey>:run-now:<request id>`, with its job key in search attributes and memo.',
      tags,
      params: JobKeyParams,
      response: {
        status: 202,
        description: 'The run.',
        schema: z.strictObject({ workflowId: z.string() }).meta({ id: 'CronRunStarted' }),
      },
      audit: { action: 'schedule.run', target: ({ params }) => params.jobKey },
      write: ({ params }, scope) => schedules.runNow(scope, params.jobKey),
    }),
    writeRoute({
      method: 'post',
      path: '/api/v2/admin/cron/{jobKey}/pause',
      summary: 'Pause a job',
      description:
        'A pause survives `schedules:sync`. The note says why (shown in the Web UI and `temporal schedule describe`).',
      tags,
      params: JobKeyParams,
      body: NoteBody,
      response: { status: 200, description: 'The job, paused.', schema: CronJob },
      audit: { action: 'schedule.pause', target: ({ params }) => params.jobKey },
      write: ({ params, body }) => schedules.pause(params.jobKey, body.note),
    }),
    writeRoute({
      method: 'post',
      path: '/api/v2/admin/cron/{jobKey}/unpause',
      summary: 'Unpause a job',
      tags,
      params: JobKeyParams,
      body: NoteBody,
      response: { status: 200, description: 'The job, running on its spec again.', schema: CronJob },
      audit: { action: 'schedule.unpause', target: ({ params }) => params.jobKey },
      write: ({ params, body }) => schedules.unpause(params.jobKey, body.note),
    }),
    writeRoute({
      method: 'post',
      path: '/api/v2/admin/cron/{jobKey}/backfill',
      summary: 'Catch up a missed window',
      description:
        'Runs every action the spec had from `from` to `to`, one after another. At most 31 days, not in the future.',
      tags,
      params: JobKeyParams,
      body: BackfillBody,
      response: {
        status: 202,
        description: 'The backfill, accepted.',
        schema: z.strictObject({ jobKey: z.string(), from: z.string(), to: z.string() }).meta({ id: 'CronBackfill' }),
      },
      audit: { action: 'schedule.backfill', target: ({ params }) => params.jobKey },
      write: ({ params, body }) => schedules.backfill(params.jobKey, new Date(body.from), new Date(body.to)),
    }),
  ];
}
