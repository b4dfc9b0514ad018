import { z } from 'zod';
import type { Config } from '../../config.ts';
import type { PrismaClient } from '../../db/client.ts';
import { createGame, getGame } from '../../services/games.ts';
import { readRoute, writeRoute, type Route } from '../route.ts';
import { DEFAULT_DURATION_MINUTES, MAX_DURATION_MINUTES } from '../../domain/minutes/timeline.ts';
import { GameParams, Id, IsoTime, Name, OptionalId, Text, WorkflowRef } from '../schemas.ts';

const LineupEntry = z.object({ playerId: Id, starter: z.boolean() });

export const CreateGameBody = z
  .object({
    homeTeam: Name,
    awayTeam: Name,
    kickoffAt: IsoTime,
    durationMinutes: z.number().int().min(1).max(MAX_DURATION_MINUTES).default(DEFAULT_DURATION_MINUTES),
    season: Text(50)
      .nullish()
      .transform((v) => v ?? undefined)
      .meta({ description: 'Defaults to the kickoff year.' }),
    tournamentId: OptionalId,
    providerGameId: OptionalId.meta({ description: "The match provider's ID for this game; unique." }),
    lineup: z.array(LineupEntry).max(100).default([]).meta({ description: 'Each player once.' }),
  })
  .superRefine((game, ctx) => {
    const seen = new Set<string>();
    game.lineup.forEach((entry, index) => {
      if (seen.has(entry.playerId)) {
        ctx.addIssue({
          code: 'custom',
          path: ['lineup', index, 'playerId'],
          message: `player ${entry.playerId} is listed twice`,
        });
      }
      seen.add(entry.playerId);
    });
  });

const gameFields = {
  id: z.string(),
  status: z.enum(['scheduled', 'live', 'ended', 'postponed', 'cancelled']),
  homeTeam: z.string(),
  awayTeam: z.string(),
  kickoffAt: z.string(),
  durationMinutes: z.number().int(),
  season: z.string(),
  tournamentId: z.string().nullable(),
  providerGameId: z.string().nullable(),
  homeGoals: z.number().int().nullable(),
  awayGoals: z.number().int().nullable(),
  eventsVersion: z.number().int().meta({ description: 'Counts changes that can affect minutes played.' }),
  lineup: z.array(z.strictObject({ playerId: z.string(), starter: z.boolean() })),
};
export const Game = z.strictObject(gameFields).meta({ id: 'Game' });
const CreatedGame = z
  .strictObject({ ...gameFields, recalculation: WorkflowRef })
  .meta({ id: 'CreatedGame', description: 'The game, and the recalculation that computes its first report.' });

export function gameRoutes({ prisma, config }: { prisma: PrismaClient; config: Config }): Route[] {
  return [
    writeRoute({
      method: 'post',
      path: '/api/games',
      summary: 'Create a game',
      tags: ['Games'],
      body: CreateGameBody,
      response: { status: 201, description: 'The new game (status `scheduled`).', schema: CreatedGame },
      errors: [409],
      write: ({ body }, scope) => createGame(scope, config.taskQueues.minutes, body),
    }),
    readRoute({
      method: 'get',
      path: '/api/games/{gameId}',
      summary: 'Get a game',
      tags: ['Games'],
      params: GameParams,
      response: { status: 200, description: 'The game with its status, score and events version.', schema: Game },
      handle: ({ params }) => getGame(prisma, params.gameId),
    }),
  ];
}
