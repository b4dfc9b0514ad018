// Live boards and reports as Server-Sent Events (services/streams.ts): the current state on connect,
// then an event whenever its version moves; `id:` is the version, so a client reconnecting with
// Last-Event-ID gets the state only if it is newer; a comment line every 10 s keeps proxies from
// closing an idle connection. Public like the reads they replace; an unknown id is a 404 before any
// event. Declared like every route (zod, the text guard, OpenAPI).
import type { Client } from '@temporalio/client';
import type { Request } from 'express';
import { z } from 'zod';
import type { ChangeFeed } from '../../cache/change-feed.ts';
import type { Config } from '../../config.ts';
import type { PrismaClient } from '../../db/client.ts';
import { InvalidInputError } from '../../domain/errors.ts';
import type { Redis } from '../../redis.ts';
import { requestStaleRebuild } from '../../services/settlement/rebuild.ts';
import { createBoardReads } from '../../services/settlement/scoreboards/reads.ts';
import { createLiveStreams, type LiveStream } from '../../services/streams.ts';
import { readRoute, type Route, type StreamedBody } from '../route.ts';
import { GameParams, Id, QueryInt } from '../schemas.ts';

/** At most this long between two lines on an open stream (the contract says 15 s). */
export const HEARTBEAT_MS = 10_000;

const tags = ['Live streams'];
const Limit = z.object({ limit: QueryInt(1, 500).default(50) });
/** One event of the stream, as an event-stream parser gives it (comment lines are not events). */
const EventStream = z
  .object({
    id: z
      .string()
      .regex(/^\d+$/)
      .optional()
      .meta({ description: 'The version (absent before a report is first calculated).' }),
    event: z.enum(['board', 'report']),
    data: z.string().meta({ description: 'JSON: `{version, total, entries}` for a board, the report for a report.' }),
  })
  .meta({
    id: 'LiveEvent',
    description:
      'Server-Sent Events: `id: <version>`, `event: board` (or `report`), `data: <JSON>`; comment lines (`: keep-alive`) at least every 15 s.',
  });
const reconnect =
  'A client reconnecting with `Last-Event-ID: <version>` (as EventSource does) gets the current state only if it is newer. One Redis subscription per API process serves every client; PostgreSQL is checked every few seconds for a change a notice missed.';

/** The Last-Event-ID header: a version, or none. */
function lastEventId(req: Request): number | null {
  const header = req.get('last-event-id');
  if (header === undefined || header === '') return null;
  if (!/^\d{1,15}$/.test(header)) {
    throw InvalidInputError.of([{ path: 'Last-Event-ID', message: 'expected the version of the last event received' }]);
  }
  return Number(header);
}

/** A live stream as an event-stream body, with its heartbeat. */
function eventStream(live: LiveStream): StreamedBody {
  const encoder = new TextEncoder();
  return {
    headers: {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      // nginx buffers responses by default: an event would wait for the buffer to fill.
      'X-Accel-Buffering': 'no',
    },
    async stream(write, closed) {
      await write(encoder.encode(': connected\n\n'));
      const heartbeat = setInterval(() => {
        write(encoder.encode(': keep-alive\n\n')).catch(() => {});
      }, HEARTBEAT_MS);
      try {
        await live.run(
          // No id before a first version (a report never calculated): the client's last id stays unset.
          ({ event, id, data }) =>
            write(encoder.encode(`${id >= 0 ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)),
          closed,
        );
      } finally {
        clearInterval(heartbeat);
      }
    },
  };
}

export function streamRoutes({
  prisma,
  redis,
  temporal,
  config,
  feed,
}: {
  prisma: PrismaClient;
  redis: Redis;
  temporal: Client;
  config: Config;
  feed: ChangeFeed;
}): Route[] {
  const boards = createBoardReads({
    prisma,
    redis,
    requestRebuild: requestStaleRebuild(temporal, config.taskQueues.settlement),
  });
  const streams = createLiveStreams({ prisma, boards, feed });
  const response = {
    status: 200,
    description: 'The event stream.',
    schema: EventStream,
    contentType: 'text/event-stream',
  };
  return [
    readRoute({
      method: 'get',
      path: '/api/tournaments/{tournamentId}/scoreboard/stream',
      summary: "A tournament's scoreboard, live",
      description: `An event \`board\` with \`{version, total, entries}\` (the top \`limit\`, as GET …/scoreboard) on connect and whenever the board's version moves. ${reconnect}`,
      tags,
      params: z.object({ tournamentId: Id }),
      query: Limit,
      response,
      handle: async ({ params, query, req }) =>
        eventStream(await streams.tournamentBoard(params.tournamentId, query.limit, lastEventId(req))),
    }),
    readRoute({
      method: 'get',
      path: '/api/leagues/{leagueId}/scoreboard/stream',
      summary: "A league's scoreboard, live",
      description: `An event \`board\` with \`{version, total, entries}\` (the league's top \`limit\`; the version is its tournament's) on connect and whenever it moves. ${reconnect}`,
      tags,
      params: z.object({ leagueId: Id }),
      query: Limit,
      response,
      handle: async ({ params, query, req }) =>
        eventStream(await streams.leagueBoard(params.leagueId, query.limit, lastEventId(req))),
    }),
    readRoute({
      method: 'get',
      path: '/api/games/{gameId}/report/stream',
      summary: "A game's minutes report, live",
      description: `An event \`report\` with the report (as GET …/report) on connect and whenever its calculated version moves. ${reconnect}`,
      tags,
      params: GameParams,
      response,
      handle: async ({ params, req }) => eventStream(await streams.report(params.gameId, lastEventId(req))),
    }),
  ];
}
