// Exports: the list, starting one (the JSON API's body schema), downloading one that is ready.
import { createExport, exportFileName, listExports, readyExport, streamExport } from '../../../services/exports.ts';
import { ExportBody, ExportParams } from '../../routes/operations.ts';
import * as pages from '../pages.ts';
import { consoleAction, consolePage, type ConsoleContext, type ConsoleRoute } from '../route.ts';
import { DoneQuery, noticeOf } from '../schemas.ts';

export function exportsSection({ config, prisma }: ConsoleContext): ConsoleRoute[] {
  return [
    consolePage({
      path: '/exports',
      query: DoneQuery,
      render: async ({ query }, viewer) =>
        pages.exportsPage(viewer, { exports: await listExports(prisma, 50), notice: noticeOf(query) }),
    }),
    consoleAction({
      path: '/exports',
      form: ExportBody,
      audit: {
        action: 'export.create',
        target: ({ body }) => `${body.kind} ${'season' in body ? body.season : body.tournamentId}`,
      },
      act: ({ body }, scope) => createExport(scope, config.taskQueues.maintenance, body),
      then: () => ({ redirect: '/admin/exports?done=exporting' }),
    }),
    consolePage({
      path: '/exports/:exportId/download',
      params: ExportParams,
      async render({ params }) {
        const view = await readyExport(prisma, params.exportId);
        return {
          headers: {
            'Content-Type': 'text/csv; charset=utf-8',
            'Content-Disposition': `attachment; filename="${exportFileName(view)}"`,
          },
          stream: (write) => streamExport(prisma, view.exportId, write),
        };
      },
    }),
  ];
}
