// Predictions, leagues, settlement status and scoreboards.
import type { Client } from '@temporalio/client';
import type { Response } from 'express';
import { z } from 'zod';
import type { Config } from '../../config.ts';
import type { PrismaClient } from '../../db/client.ts';
import type { Redis } from '../../redis.ts';
import { createBoardReads } from '../../services/settlement/scoreboards/reads.ts';
import { addLeagueMembers, createLeague, putPrediction } from '../../services/settlement/predictions.ts';
import { requestStaleRebuild, startRebuild } from '../../services/settlement/rebuild.ts';
import { settlementStatus } from '../../services/settlement/status.ts';
import { listVerificationDecisions } from '../../services/settlement/verification.ts';
import { readRoute, writeRoute, type Route } from '../route.ts';
import { GameParams, Goals, Id, Name, QueryInt } from '../schemas.ts';

const UserIds = z.array(Id).max(10_000);
const LeagueParams = z.object({ leagueId: Id });
const TournamentParams = z.object({ tournamentId: Id });
const Page = z.object({
  limit: QueryInt(1, 500).default(50),
  offset: QueryInt(0, 10_000_000).default(0),
});
const Entry = z.strictObject({
  rank: z.number().int(),
  userId: z.string(),
  points: z.number().int(),
  exactCount: z.number().int(),
});
const Scoreboard = z.strictObject({ total: z.number().int(), entries: z.array(Entry) }).meta({
  id: 'Scoreboard',
  description:
    'Points descending, then exact predictions descending; equal rows share a rank and the next rank skips (1, 2, 2, 4), listed by userId in byte order. Users with at least one settled prediction, 0 points included. The X-Scoreboard-Source header says whether Redis or PostgreSQL answered.',
});
const Rank = z
  .strictObject({
    rank: z.number().int(),
    points: z.number().int(),
    exactCount: z.number().int(),
    total: z.number().int(),
  })
  .meta({ id: 'UserRank' });
const Settlement = z
  .strictObject({
    status: z.enum(['not_settled', 'pending', 'applied', 'failed']),
    resultHash: z.string().nullable(),
    homeGoals: z.number().int().nullable(),
    awayGoals: z.number().int().nullable(),
    predictionsSettled: z.number().int(),
    appliedAt: z.string().nullable(),
    error: z.string().nullable().optional().meta({ description: 'When failed: why.' }),
  })
  .meta({ id: 'SettlementStatus', description: "The settlement of the game's latest result." });

const tags = ['Predictions and scoreboards'];

/** A board read's answer, with the store that gave it in `X-Scoreboard-Source`. */
async function withSource<T>(res: Response, read: Promise<{ value: T; source: string }>): Promise<T> {
  const { value, source } = await read;
  res.setHeader('X-Scoreboard-Source', source);
  return value;
}

export function settlementRoutes({
  prisma,
  redis,
  temporal,
  config,
}: {
  prisma: PrismaClient;
  redis: Redis;
  temporal: Client;
  config: Config;
}): Route[] {
  const boards = createBoardReads({
    prisma,
    redis,
    requestRebuild: requestStaleRebuild(temporal, config.taskQueues.settlement),
  });

  return [
    writeRoute({
      method: 'post',
      path: '/api/leagues',
      summary: 'Create a league',
      description: 'A league ranks its members within a tournament.',
      tags,
      body: z.object({ name: Name, tournamentId: Id, memberIds: UserIds.default([]) }),
      response: {
        status: 201,
        description: 'The league.',
        schema: z.strictObject({ id: z.string() }).meta({ id: 'LeagueCreated' }),
      },
      write: ({ body }, scope) => createLeague(scope, config.taskQueues, body),
    }),
    writeRoute({
      method: 'post',
      path: '/api/leagues/{leagueId}/members',
      summary: 'Add members to a league',
      tags,
      params: LeagueParams,
      body: z.object({ userIds: UserIds.min(1) }),
      response: {
        status: 200,
        description: 'How many were new, and how many members the league has.',
        schema: z
          .strictObject({ leagueId: z.string(), added: z.number().int(), members: z.number().int() })
          .meta({ id: 'LeagueMembers' }),
      },
      write: ({ params, body }, scope) => addLeagueMembers(scope, config.taskQueues, params.leagueId, body.userIds),
    }),
    writeRoute({
      method: 'post',
      path: '/api/games/{gameId}/predictions',
      summary: "Predict a game's score",
      description:
        'One prediction per user per game: a repeat before kickoff replaces it. Closed (409 `game_already_started`) once the game has kicked off or ended.',
      tags,
      params: GameParams,
      body: z.object({ userId: Id, homeGoals: Goals, awayGoals: Goals }),
      response: {
        status: 201,
        description: 'The prediction.',
        schema: z
          .strictObject({
            gameId: z.string(),
            userId: z.string(),
            homeGoals: z.number().int(),
            awayGoals: z.number().int(),
          })
          .meta({ id: 'Prediction' }),
      },
      errors: [409],
      write: ({ params, body }, scope) => putPrediction(scope, params.gameId, body),
    }),
    readRoute({
      method: 'get',
      path: '/api/games/{gameId}/settlement',
      summary: "The settlement of a game's result",
      tags,
      params: GameParams,
      response: {
        status: 200,
        description: '`not_settled` (no result), `pending`, `applied` or `failed`.',
        schema: Settlement,
      },
      handle: ({ params }) => settlementStatus(prisma, params.gameId),
    }),
    readRoute({
      method: 'get',
      path: '/api/games/{gameId}/verifications',
      summary: "Match verification's decisions about a game",
      description:
        'Newest first: each run of match-verification that asked the provider about the game, what it decided (`noop`, `retry`, `ended`) and why.',
      tags,
      params: GameParams,
      query: z.object({ limit: QueryInt(1, 500).default(50) }),
      response: {
        status: 200,
        description: 'The decisions.',
        schema: z
          .strictObject({
            decisions: z.array(
              z.strictObject({
                at: z.string(),
                decision: z.enum(['noop', 'retry', 'ended']),
                reason: z.string(),
                providerStatus: z
                  .string()
                  .optional()
                  .meta({ description: 'What the provider said the match was, when it answered.' }),
              }),
            ),
          })
          .meta({ id: 'VerificationDecisions' }),
      },
      handle: async ({ params, query }) => ({
        decisions: await listVerificationDecisions(prisma, params.gameId, query.limit),
      }),
    }),
    readRoute({
      method: 'get',
      path: '/api/tournaments/{tournamentId}/scoreboard',
      summary: "A tournament's scoreboard",
      tags,
      params: TournamentParams,
      query: Page,
      response: { status: 200, description: 'One page of the board.', schema: Scoreboard },
      handle: ({ params, query, res }) =>
        withSource(res, boards.tournamentBoard(params.tournamentId, query.limit, query.offset)),
    }),
    readRoute({
      method: 'get',
      path: '/api/leagues/{leagueId}/scoreboard',
      summary: "A league's scoreboard",
      description: 'The league members with a settled prediction in its tournament, ranked within the league.',
      tags,
      params: LeagueParams,
      query: Page,
      response: { status: 200, description: 'One page of the board.', schema: Scoreboard },
      handle: ({ params, query, res }) =>
        withSource(res, boards.leagueBoard(params.leagueId, query.limit, query.offset)),
    }),
    readRoute({
      method: 'get',
      path: '/api/tournaments/{tournamentId}/users/{userId}/rank',
      summary: "A user's rank in a tournament",
      tags,
      params: TournamentParams.extend({ userId: Id }),
      response: { status: 200, description: 'Rank = 1 + the number of users strictly ahead.', schema: Rank },
      handle: ({ params, res }) => withSource(res, boards.userRank(params.tournamentId, params.userId)),
    }),
    writeRoute({
      method: 'post',
      path: '/api/admin/tournaments/{tournamentId}/scoreboard/rebuild',
      summary: "Rebuild a tournament's Redis scoreboards from PostgreSQL",
      description:
        'Builds new boards (tournament and leagues) and swaps them in atomically (RENAME). Reads are served from PostgreSQL until it is done.',
      tags,
      params: TournamentParams,
      response: {
        status: 202,
        description: 'The rebuild run.',
        schema: z.strictObject({ workflowId: z.string() }).meta({ id: 'RebuildStarted' }),
      },
      audit: { action: 'scoreboard.rebuild', target: ({ params }) => params.tournamentId },
      write: ({ params }, scope) => startRebuild(scope, config.taskQueues.settlement, params.tournamentId),
    }),
  ];
}
