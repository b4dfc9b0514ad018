// Live boards and reports for clients that would otherwise poll: each stream sends the current state
// when it opens, then again whenever its version moves (a tournament's scoreboard version, a report's
// calculated version), told by the change feed (one Redis subscription per process, checked against
// PostgreSQL). What is sent is read as the JSON reads read it (Redis while current, else PostgreSQL),
// once per topic, limit and version however many clients watch (they share the read).
import type { ChangeFeed, FeedTopic } from '../cache/change-feed.ts';
import { feedTopics } from '../cache/change-feed.ts';
import type { PrismaClient } from '../db/client.ts';
import { NotFoundError } from '../domain/errors.ts';
import { getReport } from './minutes/reports.ts';
import type { createBoardReads } from './settlement/scoreboards/reads.ts';

/** One event of a stream: its name, its id (the version; -1 for a report never calculated) and its data (JSON). */
export interface LiveEvent {
  event: 'board' | 'report';
  id: number;
  data: unknown;
}

/** A stream a transport (api/streams.ts: Server-Sent Events) runs until the client goes. */
export interface LiveStream {
  /** Sends events through `send` until `closed` aborts; `lastEventId`: a reconnecting client's version. */
  run(send: (event: LiveEvent) => Promise<void>, closed: AbortSignal): Promise<void>;
}

type Boards = ReturnType<typeof createBoardReads>;

export function createLiveStreams(deps: { prisma: PrismaClient; boards: Boards; feed: ChangeFeed }) {
  const { prisma, boards, feed } = deps;
  /**
   * Reads shared between streams: one per key (topic, limit, version) while it is the latest. Kept as
   * settled outcomes (never a rejected promise waiting in the map); a failed read is forgotten at once.
   */
  const shared = new Map<string, Promise<{ value: unknown } | { error: unknown }>>();
  async function sharedRead<T>(key: string, read: () => Promise<T>): Promise<T> {
    let pending = shared.get(key);
    if (!pending) {
      const created = read().then(
        (value) => {
          setTimeout(() => shared.delete(key), 1000).unref(); // the next version has its own key
          return { value };
        },
        (error: unknown) => {
          shared.delete(key);
          return { error };
        },
      );
      shared.set(key, created);
      pending = created;
    }
    const outcome = await pending;
    if ('error' in outcome) throw outcome.error;
    return outcome.value as T;
  }

  async function tournamentVersion(tournamentId: string): Promise<number> {
    const t = await prisma.tournament.findUnique({ where: { id: tournamentId }, select: { scoreboardVersion: true } });
    if (!t) throw new NotFoundError('tournament', tournamentId);
    return Number(t.scoreboardVersion);
  }

  async function reportVersion(gameId: string): Promise<number> {
    const game = await prisma.game.findUnique({
      where: { id: gameId },
      select: { report: { select: { calculatedVersion: true } } },
    });
    if (!game) throw new NotFoundError('game', gameId);
    return game.report?.calculatedVersion ?? -1; // never calculated yet
  }

  /**
   * A stream of `event`s on `topic`: the state at open (unless the client already has that version),
   * then each newer version's. Reads of one version overlapping are coalesced into one.
   */
  function stream(
    topic: FeedTopic,
    event: LiveEvent['event'],
    version: () => Promise<number>,
    read: (version: number) => Promise<unknown>,
    lastEventId: number | null,
  ): LiveStream {
    return {
      async run(send, closed) {
        let sent = lastEventId ?? Number.NEGATIVE_INFINITY;
        let wanted = await version();
        let sending: Promise<void> | null = null;
        const pump = async () => {
          while (wanted > sent && !closed.aborted) {
            const target = wanted;
            const data = await read(target);
            if (closed.aborted) return;
            await send({ event, id: target, data });
            sent = target;
          }
        };
        const kick = () => {
          if (sending) return;
          sending = pump()
            .catch(() => {}) // a read failed (PostgreSQL away): the next notice or check tries again
            .finally(() => (sending = null));
        };
        const stop = feed.watch(topic, version, (v) => {
          if (v > wanted) wanted = v;
          kick();
        });
        try {
          kick();
          await new Promise<void>((resolve) => {
            if (closed.aborted) resolve();
            else closed.addEventListener('abort', () => resolve(), { once: true });
          });
        } finally {
          stop();
        }
      },
    };
  }

  return {
    /** A tournament's board, top `limit`. Throws NotFoundError for an unknown tournament before streaming. */
    async tournamentBoard(tournamentId: string, limit: number, lastEventId: number | null): Promise<LiveStream> {
      await tournamentVersion(tournamentId);
      return stream(
        feedTopics.board(tournamentId),
        'board',
        () => tournamentVersion(tournamentId),
        (v) =>
          sharedRead(`board:${tournamentId}:${limit}:${v}`, async () => ({
            version: v,
            ...(await boards.tournamentBoard(tournamentId, limit, 0)).value,
          })),
        lastEventId,
      );
    },

    /** A league's board (its tournament's version), top `limit`. */
    async leagueBoard(leagueId: string, limit: number, lastEventId: number | null): Promise<LiveStream> {
      const league = await prisma.league.findUnique({ where: { id: leagueId }, select: { tournamentId: true } });
      if (!league) throw new NotFoundError('league', leagueId);
      const { tournamentId } = league;
      return stream(
        feedTopics.board(tournamentId),
        'board',
        () => tournamentVersion(tournamentId),
        (v) =>
          sharedRead(`league:${leagueId}:${limit}:${v}`, async () => ({
            version: v,
            ...(await boards.leagueBoard(leagueId, limit, 0)).value,
          })),
        lastEventId,
      );
    },

    /** A game's minutes report, sent again whenever its calculated version moves. */
    async report(gameId: string, lastEventId: number | null): Promise<LiveStream> {
      await reportVersion(gameId);
      return stream(
        feedTopics.report(gameId),
        'report',
        () => reportVersion(gameId),
        (v) => sharedRead(`report:${gameId}:${v}`, () => getReport(prisma, gameId)),
        lastEventId,
      );
    },
  };
}
