// The audit log: every action through the admin API or the console, newest first.
import { listAudit } from '../../../services/audit.ts';
import * as pages from '../pages.ts';
import { consolePage, type ConsoleContext, type ConsoleRoute } from '../route.ts';

export function auditSection({ prisma }: ConsoleContext): ConsoleRoute[] {
  return [
    consolePage({
      path: '/audit',
      render: async (_input, viewer) => pages.auditPage(viewer, await listAudit(prisma, 200)),
    }),
  ];
}
