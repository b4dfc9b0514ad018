// Match events (substitutions, cards, goals) and the minutes report they feed.
import { z } from 'zod';
import type { Config } from '../../config.ts';
import type { PrismaClient } from '../../db/client.ts';
import { createMatchEventService } from '../../services/minutes/match-events.ts';
import { MAX_DURATION_MINUTES } from '../../domain/minutes/timeline.ts';
import { getReport } from '../../services/minutes/reports.ts';
import { readRoute, writeRoute, type Route } from '../route.ts';
import { definedOnly, GameParams, Id, OptionalId, orNull, somethingToChange, WorkflowRef } from '../schemas.ts';

const minute = z
  .number()
  .int()
  .min(0)
  .max(MAX_DURATION_MINUTES)
  .meta({ description: "0 to the game's durationMinutes." });

const differentPlayers = (s: { playerOutId?: string; playerInId?: string }) =>
  s.playerInId === undefined || s.playerInId !== s.playerOutId;
const differentPlayersIssue = { message: 'playerInId must differ from playerOutId', path: ['playerInId'] };

const SubstitutionBody = z
  .object({ minute, playerOutId: Id, playerInId: Id })
  .refine(differentPlayers, differentPlayersIssue);
const SubstitutionPatch = z
  .object({ minute: minute.optional(), playerOutId: Id.optional(), playerInId: Id.optional() })
  .refine(differentPlayers, differentPlayersIssue)
  .refine(...somethingToChange);

const CardType = z.enum(['yellow', 'second-yellow', 'red']);
const CardBody = z.object({ playerId: Id, cardType: CardType, minute });
const CardPatch = z
  .object({ playerId: Id.optional(), cardType: CardType.optional(), minute: minute.optional() })
  .refine(...somethingToChange);

const notOwnAssist = [
  (g: { scorerId?: string; assistId?: string | null }) =>
    g.assistId == null || g.scorerId === undefined || g.assistId !== g.scorerId,
  { message: 'assistId must differ from scorerId', path: ['assistId'] as string[] },
] as const;
const GoalBody = z
  .object({ scorerId: Id, assistId: OptionalId, minute, ownGoal: z.boolean().default(false) })
  .refine(...notOwnAssist);
const GoalPatch = z
  .object({
    scorerId: Id.optional(),
    assistId: Id.nullable().optional().meta({ description: '`null` removes the assist.' }),
    minute: minute.optional(),
    ownGoal: z.boolean().optional(),
  })
  .refine(...notOwnAssist)
  .refine(...somethingToChange);

const SubstitutionParams = GameParams.extend({ substitutionId: Id });
const ActionParams = GameParams.extend({ actionId: Id });
const GoalParams = GameParams.extend({ goalId: Id });

const Substitution = z
  .strictObject({ id: z.string(), minute: z.number().int(), playerOutId: z.string(), playerInId: z.string() })
  .meta({ id: 'Substitution' });
const SubstitutionWritten = z
  .strictObject({ substitution: Substitution, recalculation: WorkflowRef })
  .meta({ id: 'SubstitutionWritten' });
const Recalculation = z
  .strictObject({ recalculation: orNull(WorkflowRef) })
  .meta({ id: 'RecalculationStarted', description: '`recalculation` is null when the change cannot affect minutes.' });
const Card = z
  .strictObject({ id: z.string(), playerId: z.string(), cardType: CardType, minute: z.number().int() })
  .meta({ id: 'DisciplinaryAction' });
const CardWritten = z
  .strictObject({ action: Card, recalculation: orNull(WorkflowRef) })
  .meta({ id: 'DisciplinaryActionWritten', description: 'Only red and second-yellow cards start a recalculation.' });
const Goal = z
  .strictObject({
    id: z.string(),
    scorerId: z.string(),
    assistId: z.string().nullable(),
    minute: z.number().int(),
    ownGoal: z.boolean(),
  })
  .meta({ id: 'Goal' });

const GoalWritten = z.strictObject({ goal: Goal }).meta({ id: 'GoalWritten' });

/** What every event route says about corrections after the result. */
const correctionNote =
  'Once the game has ended this is a correction: it also starts the post-match stats run `stats:<request id>` (coalesced with other stats runs; none while the post-match trigger is switched off). The settlement depends on the posted result only.';

const Report = z
  .strictObject({
    gameId: z.string(),
    eventsVersion: z.number().int(),
    calculatedVersion: z
      .number()
      .int()
      .nullable()
      .meta({ description: 'The events version the minutes were computed at; null before the first calculation.' }),
    status: z.enum(['pending', 'calculated', 'invalid']),
    error: z.string().optional().meta({ description: 'When `invalid`: the event that makes the timeline impossible.' }),
    errorEventId: z.string().nullable().optional(),
    players: z.array(
      z.strictObject({
        playerId: z.string(),
        starter: z.boolean(),
        minutesPlayed: z.number().int().nullable(),
        minutesCalculationMethod: z.string().nullable(),
      }),
    ),
  })
  .meta({ id: 'MinutesReport' });

const tags = ['Match events and minutes played'];

export function minutesRoutes({ prisma, config }: { prisma: PrismaClient; config: Config }): Route[] {
  const events = createMatchEventService(config.taskQueues);
  return [
    writeRoute({
      method: 'post',
      path: '/api/games/{gameId}/substitutions',
      summary: 'Record a substitution',
      description: `Starts a minutes recalculation, \`minutes-recalc:<request id>\`. ${correctionNote}`,
      tags,
      params: GameParams,
      body: SubstitutionBody,
      response: { status: 201, description: 'The substitution and its recalculation.', schema: SubstitutionWritten },
      errors: [409],
      write: ({ params, body }, scope) => events.createSubstitution(scope, params.gameId, body),
    }),
    writeRoute({
      method: 'put',
      path: '/api/games/{gameId}/substitutions/{substitutionId}',
      summary: 'Change a substitution',
      description: correctionNote,
      tags,
      params: SubstitutionParams,
      body: SubstitutionPatch,
      response: {
        status: 200,
        description: 'The changed substitution and its recalculation.',
        schema: SubstitutionWritten,
      },
      errors: [409],
      write: ({ params, body }, scope) =>
        events.updateSubstitution(scope, params.gameId, params.substitutionId, definedOnly(body)),
    }),
    writeRoute({
      method: 'delete',
      path: '/api/games/{gameId}/substitutions/{substitutionId}',
      summary: 'Delete a substitution',
      description: correctionNote,
      tags,
      params: SubstitutionParams,
      response: { status: 200, description: 'The recalculation the deletion starts.', schema: Recalculation },
      errors: [409],
      write: ({ params }, scope) => events.deleteSubstitution(scope, params.gameId, params.substitutionId),
    }),
    writeRoute({
      method: 'post',
      path: '/api/games/{gameId}/disciplinary-actions',
      summary: 'Record a card',
      description: correctionNote,
      tags,
      params: GameParams,
      body: CardBody,
      response: {
        status: 201,
        description: 'The card, and its recalculation for red and second-yellow cards.',
        schema: CardWritten,
      },
      errors: [409],
      write: ({ params, body }, scope) => events.createCard(scope, params.gameId, body),
    }),
    writeRoute({
      method: 'put',
      path: '/api/games/{gameId}/disciplinary-actions/{actionId}',
      summary: 'Change a card',
      description: `Recalculates when the card, before or after the change, is red or second-yellow. ${correctionNote}`,
      tags,
      params: ActionParams,
      body: CardPatch,
      response: { status: 200, description: 'The changed card and its recalculation, if any.', schema: CardWritten },
      errors: [409],
      write: ({ params, body }, scope) => events.updateCard(scope, params.gameId, params.actionId, definedOnly(body)),
    }),
    writeRoute({
      method: 'delete',
      path: '/api/games/{gameId}/disciplinary-actions/{actionId}',
      summary: 'Delete a card',
      description: correctionNote,
      tags,
      params: ActionParams,
      response: {
        status: 200,
        description: 'The recalculation, if the card was red or second-yellow.',
        schema: Recalculation,
      },
      errors: [409],
      write: ({ params }, scope) => events.deleteCard(scope, params.gameId, params.actionId),
    }),
    writeRoute({
      method: 'post',
      path: '/api/games/{gameId}/goals',
      summary: 'Record a goal',
      description: `Goals do not change minutes played; they feed the stats. ${correctionNote}`,
      tags,
      params: GameParams,
      body: GoalBody,
      response: { status: 201, description: 'The goal.', schema: GoalWritten },
      write: ({ params, body }, scope) => events.createGoal(scope, params.gameId, body),
    }),
    writeRoute({
      method: 'put',
      path: '/api/games/{gameId}/goals/{goalId}',
      summary: 'Change a goal',
      description: `Any part of it; \`assistId: null\` removes the assist. ${correctionNote}`,
      tags,
      params: GoalParams,
      body: GoalPatch,
      response: { status: 200, description: 'The changed goal.', schema: GoalWritten },
      write: ({ params, body }, scope) => events.updateGoal(scope, params.gameId, params.goalId, definedOnly(body)),
    }),
    writeRoute({
      method: 'delete',
      path: '/api/games/{gameId}/goals/{goalId}',
      summary: 'Delete a goal',
      description: correctionNote,
      tags,
      params: GoalParams,
      response: {
        status: 200,
        description: 'The goal is gone.',
        schema: z.strictObject({}).meta({ id: 'GoalDeleted' }),
      },
      write: ({ params }, scope) => events.deleteGoal(scope, params.gameId, params.goalId),
    }),
    readRoute({
      method: 'get',
      path: '/api/games/{gameId}/report',
      summary: "The game's minutes report",
      description:
        '`pending` until a recalculation has seen the current eventsVersion; `invalid` when the events are impossible (the last good minutes stay).',
      tags,
      params: GameParams,
      response: { status: 200, description: 'The report.', schema: Report },
      handle: ({ params }) => getReport(prisma, params.gameId),
    }),
  ];
}
