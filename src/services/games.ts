import { randomUUID } from 'node:crypto';
import type { PrismaClient, Tx } from '../db/client.ts';
import { ConflictError, InvalidInputError, NotFoundError } from '../domain/errors.ts';
import { Triggers } from '../contracts/common.ts';
import { enqueueRecalculation } from './minutes/recalculation.ts';
import type { WriteScope } from './write.ts';

export interface CreateGameInput {
  homeTeam: string;
  awayTeam: string;
  kickoffAt: string;
  durationMinutes: number;
  season?: string;
  tournamentId?: string;
  providerGameId?: string;
  lineup: { playerId: string; starter: boolean }[];
}

type GameRow = NonNullable<Awaited<ReturnType<typeof findGame>>>;

/** A lineup as every view lists it: starters first, then by player ID. */
export const lineupInOrder = { lineup: { orderBy: [{ starter: 'desc' as const }, { playerId: 'asc' as const }] } };

function findGame(db: Tx | PrismaClient, gameId: string) {
  return db.game.findUnique({ where: { id: gameId }, include: lineupInOrder });
}

export function gameView(game: GameRow) {
  return {
    id: game.id,
    status: game.status,
    homeTeam: game.homeTeam,
    awayTeam: game.awayTeam,
    kickoffAt: game.kickoffAt.toISOString(),
    durationMinutes: game.durationMinutes,
    season: game.season,
    tournamentId: game.tournamentId,
    providerGameId: game.providerGameId,
    homeGoals: game.homeGoals,
    awayGoals: game.awayGoals,
    eventsVersion: game.eventsVersion,
    lineup: game.lineup.map(({ playerId, starter }) => ({ playerId, starter })),
  };
}

export async function getGame(prisma: PrismaClient, gameId: string) {
  const game = await findGame(prisma, gameId);
  if (!game) throw new NotFoundError('game', gameId);
  return gameView(game);
}

export async function createGame(scope: WriteScope, taskQueue: string, input: CreateGameInput) {
  const { tx } = scope;
  if (input.tournamentId && !(await tx.tournament.findUnique({ where: { id: input.tournamentId } }))) {
    throw InvalidInputError.of([{ path: 'tournamentId', message: `tournament ${input.tournamentId} does not exist` }]);
  }
  const playerIds = input.lineup.map((entry) => entry.playerId);
  const known = new Set(
    (await tx.player.findMany({ where: { id: { in: playerIds } }, select: { id: true } })).map((p) => p.id),
  );
  const unknown = playerIds.filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw InvalidInputError.of(
      unknown.map((id) => ({
        path: `lineup.${playerIds.indexOf(id)}.playerId`,
        message: `player ${id} does not exist`,
      })),
    );
  }
  if (input.providerGameId && (await tx.game.findUnique({ where: { providerGameId: input.providerGameId } }))) {
    throw new ConflictError(
      'provider_game_id_taken',
      `a game with providerGameId ${input.providerGameId} already exists`,
    );
  }
  const kickoffAt = new Date(input.kickoffAt);
  const id = randomUUID();
  const game = await tx.game.create({
    data: {
      id,
      homeTeam: input.homeTeam,
      awayTeam: input.awayTeam,
      kickoffAt,
      durationMinutes: input.durationMinutes,
      season: input.season ?? String(kickoffAt.getUTCFullYear()),
      tournamentId: input.tournamentId ?? null,
      providerGameId: input.providerGameId ?? null,
      lineup: { createMany: { data: input.lineup } },
    },
    include: lineupInOrder,
  });
  // The first report (every starter at full time) comes from the same workflow as every later one.
  const recalculation = await enqueueRecalculation(scope, taskQueue, id, Triggers.gameCreated, 0);
  return { ...gameView(game), recalculation };
}
