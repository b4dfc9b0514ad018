// Jobs: the list with its filter (the JSON API's query schema), one job, retrying one or every failed
// one matching a filter, canceling and terminating.
import { z } from 'zod';
import { jobsQuery, MAX_BULK_RETRY } from '../../../services/jobs.ts';
import { JobFilterFields, JobListQuery, JobParams, Reason } from '../../routes/jobs.ts';
import { QueryInt } from '../../schemas.ts';
import * as pages from '../pages.ts';
import { consoleAction, consolePage, type ConsoleContext, type ConsoleRoute, type Notice } from '../route.ts';
import { DoneQuery, noticeOf } from '../schemas.ts';

const BulkRetryQuery = z.object(JobFilterFields);
const BulkRetryForm = z.object({ ...JobFilterFields, max: QueryInt(1, MAX_BULK_RETRY) });
const toJob = (done: Notice) => (_input: unknown, result: { workflowId: string }) => ({
  redirect: `/admin/jobs/${encodeURIComponent(result.workflowId)}?done=${done}`,
});

export function jobsSection({ config, temporal, jobs }: ConsoleContext): ConsoleRoute[] {
  return [
    consolePage({
      path: '/jobs',
      query: JobListQuery,
      async render({ query }, viewer) {
        const { limit: _limit, pageToken, ...filter } = query;
        const { jobs: list, nextPageToken } = await jobs.page(filter, 50, pageToken);
        return pages.jobsPage(viewer, { filter, jobs: list, nextPageToken });
      },
    }),
    consolePage({
      path: '/jobs/retry',
      query: BulkRetryQuery,
      async render({ query }, viewer) {
        const filter = { ...query, status: 'failed' as const };
        const { count } = await temporal.workflow.count(jobsQuery(filter));
        return pages.bulkRetryConfirmPage(viewer, { filter, matched: count, max: MAX_BULK_RETRY });
      },
    }),
    consoleAction({
      path: '/jobs/retry',
      form: BulkRetryForm,
      audit: {
        action: 'jobs.retry',
        target: ({ body }) =>
          JSON.stringify({ type: body.type, trigger: body.trigger, gameId: body.gameId, max: body.max }),
      },
      act: ({ body: { max, ...filter } }, scope) => jobs.retryMatching(scope, { ...filter, status: 'failed' }, max),
      then: (_input, result, viewer) => ({ page: pages.bulkRetryDonePage(viewer, result) }),
    }),
    consolePage({
      path: '/jobs/:workflowId',
      params: JobParams,
      query: DoneQuery,
      async render({ params, query }, viewer) {
        const job = await jobs.get(params.workflowId);
        const temporalUi = config.TEMPORAL_UI_URL
          ? `${config.TEMPORAL_UI_URL.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(config.TEMPORAL_NAMESPACE)}/workflows/${encodeURIComponent(job.workflowId)}/${encodeURIComponent(job.runId)}/history`
          : null;
        return pages.jobPage(viewer, { job, temporalUi, notice: noticeOf(query) });
      },
    }),
    consoleAction({
      path: '/jobs/:workflowId/retry',
      params: JobParams,
      audit: { action: 'job.retry', target: ({ params }) => params.workflowId },
      act: ({ params }, scope) => jobs.retry(scope, params.workflowId),
      then: toJob('retried'),
    }),
    consoleAction({
      path: '/jobs/:workflowId/cancel',
      params: JobParams,
      form: Reason,
      audit: { action: 'job.cancel', target: ({ params }) => params.workflowId },
      act: ({ params }) => jobs.cancel(params.workflowId),
      then: toJob('canceled'),
    }),
    consoleAction({
      path: '/jobs/:workflowId/terminate',
      params: JobParams,
      form: Reason,
      audit: { action: 'job.terminate', target: ({ params }) => params.workflowId },
      act: ({ params, body }) => jobs.terminate(params.workflowId, body.reason),
      then: toJob('terminated'),
    }),
  ];
}
