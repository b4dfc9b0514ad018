import { feedTopics, publishChange } from '../cache/change-feed.ts';
import type { Redis } from '../redis.ts';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { PrismaClient, Tx } from '../db/client.ts';
import { calculateMinutes, type MinutesResult } from '../domain/minutes/timeline.ts';
import { loadTimeline } from '../services/minutes/timeline-store.ts';
import { inSpan } from '../telemetry/tracing.ts';
import { MinutesFailureTypes, type MinutesActivities } from '../contracts/minutes.ts';

export interface MinutesActivityDeps {
  prisma: PrismaClient;
  /** Tells live report streams of a new calculation (a failed notice changes nothing). */
  redis?: Redis;
}

/** What `minutesCalculationMethod` says of minutes a recalculation computed. */
const MINUTES_CALCULATION_METHOD = 'calculated';

/** The workflow this activity runs for (explanations name the run that calculated a report); null outside one. */
function runningWorkflowId(): string | null {
  try {
    return Context.current().info.workflowExecution?.workflowId ?? null;
  } catch {
    return null;
  }
}

/** Locks (or creates) the report row so concurrent recalculations of one game write one at a time. */
async function lockReport(tx: Tx, gameId: string): Promise<{ checkedVersion: number }> {
  await tx.$executeRaw`INSERT INTO game_reports (game_id, checked_version) VALUES (${gameId}, -1)
    ON CONFLICT (game_id) DO NOTHING`;
  const rows = await tx.$queryRaw<{ checked_version: number }[]>`
    SELECT checked_version FROM game_reports WHERE game_id = ${gameId} FOR UPDATE`;
  return { checkedVersion: rows[0]!.checked_version };
}

async function storeMinutes(
  tx: Tx,
  gameId: string,
  version: number,
  result: Extract<MinutesResult, { ok: true }>,
  calculatedBy: string | null,
) {
  await tx.playerMinutes.deleteMany({ where: { gameId } });
  await tx.playerMinutes.createMany({
    data: result.players.map((p) => ({
      gameId,
      playerId: p.playerId,
      minutesPlayed: p.minutesPlayed,
      minutesCalculationMethod: MINUTES_CALCULATION_METHOD,
      calculatedVersion: version,
    })),
  });
  await tx.gameReport.update({
    where: { gameId },
    data: {
      calculatedVersion: version,
      checkedVersion: version,
      error: null,
      errorEventId: null,
      calculatedAt: new Date(),
      calculatedBy,
    },
  });
}

/** One read-compute-write of a game's minutes, in one transaction. */
function recalculateInTransaction(prisma: PrismaClient, gameId: string, calculatedBy: string | null) {
  return prisma.$transaction(
    async (tx) => {
      // FOR SHARE holds writers (which bump events_version under FOR UPDATE) until we are done,
      // so the events we read are exactly those of `version`.
      const timeline = await loadTimeline(tx, gameId, 'FOR SHARE');
      if (!timeline) return { kind: 'not-found' as const };
      const version = timeline.eventsVersion;
      const { checkedVersion } = await lockReport(tx, gameId);
      if (checkedVersion >= version) return { kind: 'superseded' as const, version };
      const result = calculateMinutes(timeline);
      if (result.ok) {
        await storeMinutes(tx, gameId, version, result, calculatedBy);
        return { kind: 'calculated' as const, version };
      }
      await tx.gameReport.update({
        where: { gameId },
        data: { checkedVersion: version, error: result.error, errorEventId: result.eventId },
      });
      return { kind: 'invalid' as const, version, error: result.error, eventId: result.eventId };
    },
    { maxWait: 10_000, timeout: 30_000 },
  );
}

export function createMinutesActivities({ prisma, redis }: MinutesActivityDeps): MinutesActivities {
  return {
    /**
     * Reads the game's whole event log at its current version and stores the minutes it gives.
     * Idempotent, and version-guarded: a recalculation that finds a newer (or the same) version
     * already checked writes nothing, so an older result never lands on top of a newer one.
     * An impossible timeline marks the report invalid (keeping the last good minutes) and fails
     * without retries.
     */
    async recalculateGameMinutes(input) {
      const outcome = await inSpan('db.transaction recalculate minutes', { 'fulltime.game_id': input.gameId }, () =>
        recalculateInTransaction(prisma, input.gameId, runningWorkflowId()),
      );
      if (outcome.kind === 'not-found') {
        throw ApplicationFailure.nonRetryable(`game ${input.gameId} does not exist`, MinutesFailureTypes.gameNotFound);
      }
      if (outcome.kind === 'invalid') {
        throw ApplicationFailure.create({
          message: outcome.error,
          type: MinutesFailureTypes.invalidTimeline,
          nonRetryable: true,
          details: [{ gameId: input.gameId, eventsVersion: outcome.version, eventId: outcome.eventId }],
        });
      }
      if (outcome.kind === 'calculated' && redis)
        await publishChange(redis, feedTopics.report(input.gameId), outcome.version);
      return { gameId: input.gameId, eventsVersion: outcome.version, outcome: outcome.kind };
    },
  };
}
