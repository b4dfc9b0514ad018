// A game's settlement (results, ledger, verification decisions, the boards' versions), and rebuilding
// its tournament's Redis boards.
import { z } from 'zod';
import { startRebuild } from '../../../services/settlement/rebuild.ts';
import { settlementDetail } from '../../../services/settlement/status.ts';
import { Id } from '../../schemas.ts';
import * as pages from '../pages.ts';
import { consoleAction, consolePage, type ConsoleContext, type ConsoleRoute } from '../route.ts';
import { DoneQuery, noticeOf } from '../schemas.ts';

export function settlementSection({ config, prisma, redis }: ConsoleContext): ConsoleRoute[] {
  return [
    consolePage({
      path: '/games/:gameId/settlement',
      params: z.object({ gameId: Id }),
      query: DoneQuery,
      render: async ({ params, query }, viewer) =>
        pages.settlementPage(viewer, {
          ...(await settlementDetail(prisma, redis, params.gameId)),
          notice: noticeOf(query),
        }),
    }),
    consoleAction({
      path: '/tournaments/:tournamentId/rebuild',
      params: z.object({ tournamentId: Id }),
      // The game whose page asked, to go back to.
      form: z.object({ gameId: Id.optional() }),
      audit: { action: 'scoreboard.rebuild', target: ({ params }) => params.tournamentId },
      act: ({ params }, scope) => startRebuild(scope, config.taskQueues.settlement, params.tournamentId),
      then: ({ body }) => ({
        redirect: body.gameId ? `/admin/games/${encodeURIComponent(body.gameId)}/settlement?done=rebuilding` : '/admin',
      }),
    }),
  ];
}
