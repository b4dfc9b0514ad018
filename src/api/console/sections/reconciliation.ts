// Reconciliation and explanations: the runs (start one), a run (its mismatches, repair), Explain.
// Forms and queries are the JSON API's schemas, with a form's empty fields taken as absent.
import { z } from 'zod';
import { explainPlayerSeason, explainReport, explainUser } from '../../../services/reconciliation/explain.ts';
import {
  getReconciliation,
  listMismatches,
  listReconciliations,
  startReconciliation,
  startRepair,
} from '../../../services/reconciliation/runs.ts';
import {
  MismatchQuery,
  ReconciliationCheck,
  ReconciliationParams,
  ReconciliationScope,
} from '../../routes/reconciliation.ts';
import { Id, Text } from '../../schemas.ts';
import { explainPage, reconciliationPage, reconciliationsPage, type Explanation } from '../reconciliation-pages.ts';
import { consoleAction, consolePage, type ConsoleContext, type ConsoleRoute } from '../route.ts';
import { DoneQuery, noticeOf } from '../schemas.ts';

/** A form's or a query's empty field is one left blank: absent. */
const blankAsAbsent = <S extends z.ZodType>(schema: S) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

const ReconcileForm = z.object({
  tournamentId: blankAsAbsent(Id),
  gameId: blankAsAbsent(Id),
  season: blankAsAbsent(Text(50)),
  // One ticked box is one value, several an array; none ticked: all checks.
  checks: z.preprocess(
    (value) => (typeof value === 'string' ? [value] : value),
    z
      .array(ReconciliationCheck)
      .max(ReconciliationCheck.options.length)
      .refine((c) => new Set(c).size === c.length, 'a check is named twice')
      .optional(),
  ),
});

const ExplainQuery = z
  .object({
    tournamentId: blankAsAbsent(Id),
    userId: blankAsAbsent(Id),
    gameId: blankAsAbsent(Id),
    playerId: blankAsAbsent(Id),
    season: blankAsAbsent(Text(50)),
  })
  .superRefine((q, ctx) => {
    const pairs: [keyof typeof q, keyof typeof q][] = [
      ['tournamentId', 'userId'],
      ['playerId', 'season'],
    ];
    for (const [a, b] of pairs) {
      if (Boolean(q[a]) !== Boolean(q[b])) {
        ctx.addIssue({ code: 'custom', path: [q[a] ? b : a], message: `${a} and ${b} go together` });
      }
    }
  });

export function reconciliationSection({ config, prisma }: ConsoleContext): ConsoleRoute[] {
  return [
    consolePage({
      path: '/reconciliations',
      query: DoneQuery,
      render: async ({ query }, viewer) =>
        reconciliationsPage(viewer, { runs: await listReconciliations(prisma, 50), notice: noticeOf(query) }),
    }),
    consoleAction({
      path: '/reconciliations',
      form: ReconcileForm,
      audit: {
        action: 'reconciliation.start',
        target: ({ body }) =>
          [
            body.tournamentId && `tournamentId ${body.tournamentId}`,
            body.gameId && `gameId ${body.gameId}`,
            body.season && `season ${body.season}`,
          ]
            .filter(Boolean)
            .join(', ') || 'everything',
      },
      act: ({ body }, scope) => {
        const { checks, ...fields } = body;
        return startReconciliation(scope, config.taskQueues.maintenance, {
          scope: ReconciliationScope.parse(
            Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)),
          ),
          checks,
        });
      },
      then: (_input, started) => ({
        redirect: `/admin/reconciliations/${encodeURIComponent(started.reconciliationId)}?done=reconciling`,
      }),
    }),
    consolePage({
      path: '/reconciliations/:reconciliationId',
      params: ReconciliationParams,
      query: MismatchQuery.extend(DoneQuery.shape),
      render: async ({ params, query }, viewer) => {
        const run = await getReconciliation(prisma, params.reconciliationId);
        const page = await listMismatches(prisma, run.reconciliationId, query);
        return reconciliationPage(viewer, { run, ...page, check: query.check, notice: noticeOf(query) });
      },
    }),
    consoleAction({
      path: '/reconciliations/:reconciliationId/repair',
      params: ReconciliationParams,
      audit: { action: 'reconciliation.repair', target: ({ params }) => `reconciliation ${params.reconciliationId}` },
      act: ({ params }, scope) => startRepair(scope, config.taskQueues.maintenance, params.reconciliationId),
      then: ({ params }) => ({
        redirect: `/admin/reconciliations/${encodeURIComponent(params.reconciliationId)}?done=repairing`,
      }),
    }),
    consolePage({
      path: '/explain',
      query: ExplainQuery,
      render: async ({ query }, viewer) => {
        let explanation: Explanation = { kind: 'none' };
        if (query.tournamentId && query.userId) {
          explanation = { kind: 'user', value: await explainUser(prisma, query.tournamentId, query.userId) };
        } else if (query.gameId) {
          explanation = { kind: 'report', value: await explainReport(prisma, query.gameId) };
        } else if (query.playerId && query.season) {
          explanation = { kind: 'player', value: await explainPlayerSeason(prisma, query.playerId, query.season) };
        }
        return explainPage(viewer, explanation);
      },
    }),
  ];
}
