// Schedules: each registry schedule with its recent runs; run now, pause, unpause, backfill.
import { BackfillBody, JobKeyParams, NoteBody } from '../../routes/schedules.ts';
import * as pages from '../pages.ts';
import { consoleAction, consolePage, type ConsoleContext, type ConsoleRoute, type Notice } from '../route.ts';
import { DoneQuery, noticeOf } from '../schemas.ts';

const toSchedules = (done: Notice) => () => ({ redirect: `/admin/schedules?done=${done}` });

export function schedulesSection({ schedules }: ConsoleContext): ConsoleRoute[] {
  return [
    consolePage({
      path: '/schedules',
      query: DoneQuery,
      render: async ({ query }, viewer) =>
        pages.schedulesPage(viewer, { jobs: await schedules.list(), notice: noticeOf(query) }),
    }),
    consoleAction({
      path: '/schedules/:jobKey/run',
      params: JobKeyParams,
      audit: { action: 'schedule.run', target: ({ params }) => params.jobKey },
      act: ({ params }, scope) => schedules.runNow(scope, params.jobKey),
      then: toSchedules('ran'),
    }),
    consoleAction({
      path: '/schedules/:jobKey/pause',
      params: JobKeyParams,
      form: NoteBody,
      audit: { action: 'schedule.pause', target: ({ params }) => params.jobKey },
      act: ({ params, body }) => schedules.pause(params.jobKey, body.note),
      then: toSchedules('paused'),
    }),
    consoleAction({
      path: '/schedules/:jobKey/unpause',
      params: JobKeyParams,
      form: NoteBody,
      audit: { action: 'schedule.unpause', target: ({ params }) => params.jobKey },
      act: ({ params, body }) => schedules.unpause(params.jobKey, body.note),
      then: toSchedules('unpaused'),
    }),
    consoleAction({
      path: '/schedules/:jobKey/backfill',
      params: JobKeyParams,
      form: BackfillBody,
      audit: { action: 'schedule.backfill', target: ({ params }) => params.jobKey },
      act: ({ params, body }) => schedules.backfill(params.jobKey, new Date(body.from), new Date(body.to)),
      then: toSchedules('backfilled'),
    }),
  ];
}
