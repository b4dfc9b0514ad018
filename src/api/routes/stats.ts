// Stats: the post-match and admin triggers, run-time switches, cache invalidation for operators, and
// the reads of what the aggregations produce.
import { z } from 'zod';
import { TaggedCache } from '../../cache/tagged-cache.ts';
import type { Config } from '../../config.ts';
import type { PrismaClient } from '../../db/client.ts';
import { aggregationNames, statsTriggers } from '../../contracts/stats.ts';
import { aggregationDescriptions, cacheTagOf } from '../../domain/stats/aggregations.ts';
import { createStatsReads, hallOfFameCategories } from '../../services/stats/reads.ts';
import { recordResult } from '../../services/results.ts';
import { startAdminStatsRun } from '../../services/stats/runs.ts';
import { getStatsSwitches, updateStatsSwitches } from '../../services/stats/switches.ts';
import { readRoute, writeRoute, type Route } from '../route.ts';
import { GameParams, Goals, Id, orNull, QueryInt, Text, WorkflowRef } from '../schemas.ts';

const ResultBody = z.object({ homeGoals: Goals, awayGoals: Goals });
const ResultAccepted = z.strictObject({ settlement: orNull(WorkflowRef), stats: orNull(WorkflowRef) }).meta({
  id: 'ResultAccepted',
  description:
    'The settlement and stats runs of the result; `stats` is null when the post-match trigger is switched off.',
});
export const StartedRun = z.strictObject({ workflowId: z.string(), runId: z.string() }).meta({ id: 'StartedRun' });

const booleans = <const K extends readonly string[]>(keys: K) =>
  Object.fromEntries(keys.map((k) => [k, z.boolean()])) as { [P in K[number]]: z.ZodBoolean };
const Switches = z
  .strictObject({
    triggers: z.strictObject(booleans(statsTriggers)),
    aggregations: z.strictObject(booleans(aggregationNames)),
  })
  .meta({
    id: 'StatsSwitches',
    description: `Aggregations: ${aggregationNames.map((a) => `\`${a}\` (${aggregationDescriptions[a]})`).join('; ')}`,
  });
const SwitchesPatch = z.strictObject({
  triggers: z.strictObject(booleans(statsTriggers)).partial().optional(),
  aggregations: z.strictObject(booleans(aggregationNames)).partial().optional(),
});

const Totals = {
  appearances: z.number().int(),
  minutesPlayed: z.number().int(),
  goals: z.number().int(),
  assists: z.number().int(),
  yellowCards: z.number().int(),
  redCards: z.number().int(),
};
const PlayerStats = z
  .strictObject({
    playerId: z.string(),
    allTime: z.strictObject(Totals),
    seasons: z.array(z.strictObject({ season: z.string(), ...Totals })),
  })
  .meta({
    id: 'PlayerStats',
    description:
      'Ended games only; an appearance is a game with minutes played > 0; a second yellow is one red card and no yellow; own goals count for no player.',
  });
const PlayerProfile = z
  .strictObject({
    playerId: z.string(),
    name: z.string(),
    profile: z
      .strictObject({
        debutGameId: z.string(),
        lastGameId: z.string(),
        appearances: z.number().int(),
        starts: z.number().int(),
        minutesPlayed: z.number().int(),
        goals: z.number().int(),
        assists: z.number().int(),
        goalsPer90: z.number(),
        minutesPerGoal: z.number().int().nullable(),
      })
      .nullable(),
    personalBests: z.array(z.strictObject({ record: z.string(), value: z.number().int(), gameId: z.string() })),
    recentForm: z
      .strictObject({
        games: z.number().int(),
        minutesPlayed: z.number().int(),
        goals: z.number().int(),
        assists: z.number().int(),
        formScore: z.number(),
        lastGameId: z.string(),
      })
      .nullable(),
    powerRating: z.strictObject({ rating: z.number(), games: z.number().int(), lastGameId: z.string() }).nullable(),
  })
  .meta({ id: 'PlayerProfile' });
const HallOfFame = z
  .strictObject({
    categories: z.array(
      z.strictObject({
        category: z.enum(hallOfFameCategories),
        entries: z.array(
          z.strictObject({ rank: z.number().int(), playerId: z.string(), name: z.string(), value: z.number().int() }),
        ),
      }),
    ),
  })
  .meta({ id: 'HallOfFame' });
const SeasonRace = z
  .strictObject({
    season: z.string(),
    matchdays: z.number().int(),
    players: z.array(
      z.strictObject({
        playerId: z.string(),
        name: z.string(),
        totalGoals: z.number().int(),
        cumulativeGoals: z.array(z.number().int()),
      }),
    ),
  })
  .meta({ id: 'SeasonRace', description: "`cumulativeGoals[i]` is the player's goals up to matchday i + 1." });
const PowerRatings = z
  .strictObject({
    total: z.number().int(),
    entries: z.array(
      z.strictObject({
        rank: z.number().int(),
        playerId: z.string(),
        name: z.string(),
        rating: z.number(),
        games: z.number().int(),
      }),
    ),
  })
  .meta({ id: 'PowerRatings' });
const RecentForm = z
  .strictObject({
    entries: z.array(
      z.strictObject({
        playerId: z.string(),
        name: z.string(),
        games: z.number().int(),
        minutesPlayed: z.number().int(),
        goals: z.number().int(),
        assists: z.number().int(),
        formScore: z.number(),
        lastGameId: z.string(),
      }),
    ),
  })
  .meta({ id: 'RecentForm' });
const SeasonHonours = z
  .strictObject({
    season: z.string(),
    honours: z.array(
      z.strictObject({
        honour: z.string(),
        playerId: z.string(),
        name: z.string(),
        value: z.number().int(),
        gameId: z.string().nullable(),
      }),
    ),
  })
  .meta({ id: 'SeasonHonours' });
const MatchReport = z
  .looseObject({
    gameId: z.string(),
    season: z.string(),
    homeTeam: z.string(),
    awayTeam: z.string(),
    homeGoals: z.number().int(),
    awayGoals: z.number().int(),
  })
  .meta({ id: 'MatchReport', description: "Score, goals, cards, substitutions and every lineup player's numbers." });

const Limit = (max: number, fallback: number) => QueryInt(1, max).default(fallback);
const SeasonParams = z.object({ season: Text(50) });
const PlayerParams = z.object({ playerId: Id });

const tags = ['Stats'];
const readTags = ['Stats: reads'];

export function statsRoutes({
  prisma,
  config,
  cache,
}: {
  prisma: PrismaClient;
  config: Config;
  cache: TaggedCache;
}): Route[] {
  const reads = createStatsReads({ prisma, cache });
  return [
    writeRoute({
      method: 'post',
      path: '/api/games/{gameId}/result',
      summary: "Post a game's result (the post-match trigger)",
      description:
        'The game becomes `ended`; its settlement (`settle:<game>:<result hash>`) and stats run (`stats:<request id>`) are saved with it. A different score later is a correction (settled again: the earlier result is reversed); the same score again changes nothing and answers with what the first one started.',
      tags,
      params: GameParams,
      body: ResultBody,
      response: { status: 202, description: 'Saved; the runs it started.', schema: ResultAccepted },
      write: async ({ params, body }, scope) => {
        const { settlement, stats } = await recordResult(scope, config.taskQueues, params.gameId, body, 'api');
        return { settlement, stats };
      },
    }),
    writeRoute({
      method: 'post',
      path: '/api/admin/stats-jobs',
      summary: 'Start a full stats run (the admin trigger)',
      tags,
      body: z.object({}),
      response: { status: 202, description: 'The run, started.', schema: StartedRun },
      audit: { action: 'stats.run', target: () => null },
      write: (_input, scope) => startAdminStatsRun(scope, config.taskQueues),
    }),
    readRoute({
      method: 'get',
      path: '/api/admin/stats-switches',
      summary: 'The stats switches',
      tags,
      response: { status: 200, description: 'Every trigger and aggregation, on or off.', schema: Switches },
      handle: () => getStatsSwitches(prisma),
    }),
    writeRoute({
      method: 'put',
      path: '/api/admin/stats-switches',
      summary: 'Turn stats triggers or aggregations on or off',
      description: 'Any part of the switches; each change is recorded with the request ID, when, and old -> new.',
      tags,
      body: SwitchesPatch,
      response: { status: 200, description: 'The whole new state.', schema: Switches },
      audit: { action: 'stats-switches.update', target: ({ body }) => JSON.stringify(body) },
      write: ({ body }, scope) => updateStatsSwitches(scope, body),
    }),
    writeRoute({
      method: 'post',
      path: '/api/admin/cache/invalidate',
      summary: 'Drop cached reads by tag',
      description: `Tags: ${aggregationNames.map((a) => `\`${cacheTagOf(a)}\``).join(', ')}.`,
      tags,
      body: z.object({ tags: z.array(z.string().min(1).max(200)).min(1).max(100) }),
      response: {
        status: 200,
        description: 'How many cache keys were removed.',
        schema: z.strictObject({ invalidated: z.number().int() }).meta({ id: 'CacheInvalidated' }),
      },
      audit: { action: 'cache.invalidate', target: ({ body }) => body.tags.join(' ') },
      write: async ({ body }) => ({ invalidated: await cache.invalidate(body.tags) }),
    }),
    readRoute({
      method: 'get',
      path: '/api/players/{playerId}/stats',
      summary: "A player's stats, all time and per season",
      tags: readTags,
      params: PlayerParams,
      response: { status: 200, description: 'Updated by the stats workflow.', schema: PlayerStats },
      handle: ({ params }) => reads.playerStats(params.playerId),
    }),
    readRoute({
      method: 'get',
      path: '/api/players/{playerId}/profile',
      summary: "A player's profile, personal bests, recent form and power rating",
      tags: readTags,
      params: PlayerParams,
      response: { status: 200, description: 'Null parts: the player has no appearance yet.', schema: PlayerProfile },
      handle: ({ params }) => reads.playerProfile(params.playerId),
    }),
    readRoute({
      method: 'get',
      path: '/api/stats/hall-of-fame',
      summary: 'All-time leaders',
      tags: readTags,
      response: { status: 200, description: 'Per category, the top 25 ranks (ties share a rank).', schema: HallOfFame },
      handle: () => reads.hallOfFame(),
    }),
    readRoute({
      method: 'get',
      path: '/api/stats/season-race/{season}',
      summary: "A season's scoring race",
      tags: readTags,
      params: SeasonParams,
      query: z.object({ limit: Limit(100, 10) }),
      response: {
        status: 200,
        description: 'The top scorers, with their cumulative goals by matchday.',
        schema: SeasonRace,
      },
      handle: ({ params, query }) => reads.seasonRace(params.season, query.limit),
    }),
    readRoute({
      method: 'get',
      path: '/api/stats/power-ratings',
      summary: 'Players by power rating',
      tags: readTags,
      query: z.object({ limit: Limit(500, 50), offset: QueryInt(0, 1_000_000).default(0) }),
      response: { status: 200, description: 'Highest first; equal ratings share a rank.', schema: PowerRatings },
      handle: ({ query }) => reads.powerRatings(query.limit, query.offset),
    }),
    readRoute({
      method: 'get',
      path: '/api/stats/recent-form',
      summary: 'Players by recent form',
      tags: readTags,
      query: z.object({ limit: Limit(500, 20) }),
      response: {
        status: 200,
        description: 'By the mean game score of their last five appearances.',
        schema: RecentForm,
      },
      handle: ({ query }) => reads.recentForm(query.limit),
    }),
    readRoute({
      method: 'get',
      path: '/api/stats/seasons/{season}/honours',
      summary: "A season's honours and records",
      tags: readTags,
      params: SeasonParams,
      response: {
        status: 200,
        description: 'Leaders (ties all listed) and single-game records (with their game).',
        schema: SeasonHonours,
      },
      handle: ({ params }) => reads.seasonHonours(params.season),
    }),
    readRoute({
      method: 'get',
      path: '/api/games/{gameId}/match-report',
      summary: "An ended game's match report",
      tags: readTags,
      params: GameParams,
      response: { status: 200, description: 'Built by the stats run after the game ends.', schema: MatchReport },
      handle: ({ params }) => reads.matchReport(params.gameId) as Promise<z.input<typeof MatchReport>>,
    }),
  ];
}

export function createCache(redis: ConstructorParameters<typeof TaggedCache>[0], config: Config): TaggedCache {
  return new TaggedCache(redis, { ttlSeconds: config.CACHE_TTL_SECONDS });
}
