// Reconciliation: start one (a workflow), read the runs and their mismatches, repair a completed run's
// mismatches through the paths that own them. And the explanations: where a number came from.
import { z } from 'zod';
import type { Config } from '../../config.ts';
import { reconciliationChecks } from '../../contracts/reconciliation.ts';
import type { PrismaClient } from '../../db/client.ts';
import {
  getReconciliation,
  listMismatches,
  listReconciliations,
  startReconciliation,
  startRepair,
} from '../../services/reconciliation/runs.ts';
import { explainPlayerSeason, explainReport, explainUser } from '../../services/reconciliation/explain.ts';
import { readRoute, writeRoute, type Route } from '../route.ts';
import { GameParams, Id, QueryInt, Text } from '../schemas.ts';

export const ReconciliationCheck = z.enum(reconciliationChecks);
const Checks = z
  .array(ReconciliationCheck)
  .min(1)
  .max(reconciliationChecks.length)
  .refine((checks) => new Set(checks).size === checks.length, 'a check is named twice')
  .meta({ description: 'The checks to run (all of them when absent).' });
export const ReconciliationScope = z
  .strictObject({ tournamentId: Id.optional(), gameId: Id.optional(), season: Text(50).optional() })
  .meta({ id: 'ReconciliationScope', description: 'What to reconcile; everything when empty or absent.' });
export const ReconciliationBody = z.strictObject({ scope: ReconciliationScope.optional(), checks: Checks.optional() });
export const ReconciliationParams = z.object({ reconciliationId: Id });
export const RepairBody = z.strictObject({ checks: Checks.optional() });
export const MismatchQuery = z.object({
  check: ReconciliationCheck.optional(),
  limit: QueryInt(1, 1000).default(100),
  pageToken: z
    .string()
    .regex(/^\d{1,18}$/, 'must be a nextPageToken from an earlier page')
    .optional(),
});

const Counts = z.partialRecord(ReconciliationCheck, z.number().int()).meta({ description: 'By check.' });
export const ReconciliationView = z
  .strictObject({
    reconciliationId: z.string(),
    workflowId: z.string(),
    status: z.enum(['running', 'completed', 'failed']),
    scope: ReconciliationScope,
    checks: z.array(ReconciliationCheck),
    requestedBy: z.string().meta({ description: '`token`, `operator:<username>` or `schedule:reconcile-nightly`.' }),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    checked: Counts.meta({ description: 'Numbers compared, by check (a check appears once it ran).' }),
    mismatches: Counts.meta({ description: 'Numbers that differ, by check.' }),
    error: z.string().optional().meta({ description: 'When failed: why.' }),
  })
  .meta({ id: 'Reconciliation' });
const Mismatch = z
  .strictObject({
    check: ReconciliationCheck,
    subject: z.record(z.string(), z.unknown()).meta({
      description:
        'The IDs that name the number: `tournamentId`, `userId`, `leagueId`, `gameId`, `playerId`, `season`, `table`, as they apply.',
    }),
    expected: z.unknown().meta({ description: 'What the sources give (null: the number should not exist).' }),
    actual: z.unknown().meta({ description: 'What is stored (null: it is missing).' }),
  })
  .meta({ id: 'Mismatch' });

const Score = { homeGoals: z.number().int(), awayGoals: z.number().int() };
export const UserExplanation = z
  .strictObject({
    tournamentId: z.string(),
    userId: z.string(),
    points: z.number().int().meta({ description: "The stored total; the games' points add up to it." }),
    exactCount: z.number().int(),
    rank: z.number().int().nullable().meta({ description: 'On the tournament board (null: not on it yet).' }),
    games: z.array(
      z.strictObject({
        gameId: z.string(),
        homeTeam: z.string(),
        awayTeam: z.string(),
        kickoffAt: z.string(),
        prediction: z.strictObject(Score),
        result: z
          .strictObject({ ...Score, resultHash: z.string(), source: z.string() })
          .nullable()
          .meta({ description: 'The result its settlement applied (null: none yet).' }),
        rule: z.enum(['exact', 'outcome', 'miss', 'not_settled']).meta({
          description: 'Exact score 3 points, right outcome 1, else 0; not settled yet: 0.',
        }),
        points: z.number().int(),
        settlement: z
          .strictObject({ workflowId: z.string(), ledgerStatus: z.string(), appliedAt: z.string() })
          .nullable(),
        replaced: z
          .array(
            z.strictObject({
              resultHash: z.string(),
              ...Score,
              status: z.string().meta({ description: '`applied` (earlier), `skipped` or `not_settled`.' }),
              appliedAt: z.string().nullable(),
            }),
          )
          .meta({ description: "The game's other results, newest first: those the applied one replaced." }),
      }),
    ),
  })
  .meta({ id: 'UserExplanation' });
const Way = (by: [string, ...string[]]) =>
  z.strictObject({ minute: z.number().int(), by: z.enum(by), eventId: z.string().optional() }).nullable();
export const ReportExplanation = z
  .strictObject({
    gameId: z.string(),
    eventsVersion: z.number().int(),
    calculatedVersion: z.number().int().nullable(),
    calculatedBy: z.strictObject({ workflowId: z.string() }).nullable(),
    players: z.array(
      z.strictObject({
        playerId: z.string(),
        minutesPlayed: z.number().int(),
        entered: Way(['starter', 'substitution']),
        left: Way(['substitution', 'red', 'second-yellow', 'full-time']),
      }),
    ),
  })
  .meta({ id: 'ReportExplanation' });
const Totals = {
  minutesPlayed: z.number().int(),
  goals: z.number().int(),
  assists: z.number().int(),
  yellowCards: z.number().int(),
  redCards: z.number().int(),
};
export const PlayerSeasonExplanation = z
  .strictObject({
    playerId: z.string(),
    season: z.string(),
    totals: z.strictObject({ appearances: z.number().int(), ...Totals }),
    games: z.array(z.strictObject({ gameId: z.string(), kickoffAt: z.string(), appearance: z.boolean(), ...Totals })),
  })
  .meta({ id: 'PlayerSeasonExplanation' });
export const UserExplainParams = z.object({ tournamentId: Id, userId: Id });
export const PlayerExplainParams = z.object({ playerId: Id });
export const SeasonQuery = z.object({ season: Text(50) });

const tags = ['Reconciliation'];

export function reconciliationRoutes({ prisma, config }: { prisma: PrismaClient; config: Config }): Route[] {
  return [
    writeRoute({
      method: 'post',
      path: '/api/admin/reconciliations',
      summary: 'Reconcile: recompute derived numbers from their sources and record what differs',
      description:
        'A workflow (`reconcile:<request id>`) runs the checks (`ledger`, `points`, `totals`, `boards`, `minutes`, `stats`) over the scope. A scope naming a tournament or game that does not exist is a 400.',
      tags,
      body: ReconciliationBody,
      response: {
        status: 202,
        description: 'The reconciliation, started.',
        schema: z
          .strictObject({ reconciliationId: z.string(), workflowId: z.string() })
          .meta({ id: 'ReconciliationStarted' }),
      },
      audit: {
        action: 'reconciliation.start',
        target: ({ body }) =>
          Object.entries(body.scope ?? {})
            .map(([k, v]) => `${k} ${v}`)
            .join(', ') || 'everything',
      },
      write: ({ body }, scope) => startReconciliation(scope, config.taskQueues.maintenance, body),
    }),
    readRoute({
      method: 'get',
      path: '/api/admin/reconciliations',
      summary: 'Reconciliations, newest first',
      tags,
      query: z.object({ limit: QueryInt(1, 200).default(20) }),
      response: {
        status: 200,
        description: 'The runs.',
        schema: z.strictObject({ reconciliations: z.array(ReconciliationView) }).meta({ id: 'Reconciliations' }),
      },
      handle: async ({ query }) => ({ reconciliations: await listReconciliations(prisma, query.limit) }),
    }),
    readRoute({
      method: 'get',
      path: '/api/admin/reconciliations/{reconciliationId}',
      summary: 'A reconciliation: its checks and their counts',
      tags,
      params: ReconciliationParams,
      response: { status: 200, description: 'The run.', schema: ReconciliationView },
      errors: [404],
      handle: ({ params }) => getReconciliation(prisma, params.reconciliationId),
    }),
    readRoute({
      method: 'get',
      path: '/api/admin/reconciliations/{reconciliationId}/mismatches',
      summary: "A reconciliation's mismatches, a page at a time",
      description: 'In the order found. At most 10,000 of one check are listed; the counts have them all.',
      tags,
      params: ReconciliationParams,
      query: MismatchQuery,
      response: {
        status: 200,
        description: 'A page.',
        schema: z
          .strictObject({ mismatches: z.array(Mismatch), nextPageToken: z.string().nullable() })
          .meta({ id: 'Mismatches' }),
      },
      errors: [404],
      handle: ({ params, query }) => listMismatches(prisma, params.reconciliationId, query),
    }),
    writeRoute({
      method: 'post',
      path: '/api/admin/reconciliations/{reconciliationId}/repair',
      summary: "Repair a completed reconciliation's mismatches through the paths that own them",
      description:
        "A workflow re-derives each mismatch: the game re-settled through its ledger, the users' totals recounted, the board rebuilt, the report recalculated, the stats refreshed. Never writes an expected value. 409 `reconciliation_not_completed` while it runs or when it failed.",
      tags,
      params: ReconciliationParams,
      body: RepairBody,
      response: {
        status: 202,
        description: 'The repair, started.',
        schema: z.strictObject({ workflowId: z.string() }),
      },
      errors: [404, 409],
      audit: { action: 'reconciliation.repair', target: ({ params }) => `reconciliation ${params.reconciliationId}` },
      write: async ({ params, body }, scope) => {
        const { workflowId } = await startRepair(
          scope,
          config.taskQueues.maintenance,
          params.reconciliationId,
          body.checks,
        );
        return { workflowId };
      },
    }),
    readRoute({
      method: 'get',
      path: '/api/tournaments/{tournamentId}/users/{userId}/explain',
      summary: "Explain a user's points in a tournament, game by game",
      tags,
      params: UserExplainParams,
      response: { status: 200, description: 'The explanation.', schema: UserExplanation },
      errors: [404],
      handle: ({ params }) => explainUser(prisma, params.tournamentId, params.userId),
    }),
    readRoute({
      method: 'get',
      path: '/api/games/{gameId}/report/explain',
      summary: "Explain a game report's minutes: when and by which event each player came on and went off",
      tags,
      params: GameParams,
      response: { status: 200, description: 'The explanation.', schema: ReportExplanation },
      errors: [404],
      handle: ({ params }) => explainReport(prisma, params.gameId),
    }),
    readRoute({
      method: 'get',
      path: '/api/players/{playerId}/stats/explain',
      summary: "Explain a player's season stats, game by game",
      tags,
      params: PlayerExplainParams,
      query: SeasonQuery,
      response: { status: 200, description: 'The explanation.', schema: PlayerSeasonExplanation },
      errors: [404],
      handle: ({ params, query }) => explainPlayerSeason(prisma, params.playerId, query.season),
    }),
  ];
}
