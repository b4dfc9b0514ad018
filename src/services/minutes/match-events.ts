// Substitutions, disciplinary actions and goals. Each write locks the game row, checks the input
// against the lineup and the resulting timeline, and (when minutes can change) bumps eventsVersion and
// records the recalculation workflow in the same transaction. Once the game has ended, every change
// is a correction and also records a post-match stats run (services/stats/runs.ts), so the stats
// follow without waiting for the nightly run.
import { randomUUID } from 'node:crypto';
import type { Config } from '../../config.ts';
import type { Tx } from '../../db/client.ts';
import { ConflictError, InvalidInputError, NotFoundError, type FieldIssue } from '../../domain/errors.ts';
import {
  calculateMinutes,
  type CardEvent,
  type SubstitutionEvent,
  type TimelineEvent,
} from '../../domain/minutes/timeline.ts';
import { Triggers, type Trigger } from '../../contracts/common.ts';
import { isSendingOff, type CardType } from '../../domain/minutes/cards.ts';
import { enqueueCorrectionStats } from '../stats/runs.ts';
import type { WriteScope } from '../write.ts';
import { bumpAndRecalculate } from './recalculation.ts';
import { cardTypeFromDb, cardTypeToDb, loadTimeline, type GameTimeline } from './timeline-store.ts';

export interface SubstitutionInput {
  minute: number;
  playerOutId: string;
  playerInId: string;
}
export interface CardInput {
  playerId: string;
  cardType: CardType;
  minute: number;
}
export interface GoalInput {
  scorerId: string;
  assistId?: string;
  minute: number;
  ownGoal: boolean;
}
/** A goal's change: `assistId: null` removes the assist. */
export interface GoalPatch {
  scorerId?: string;
  assistId?: string | null;
  minute?: number;
  ownGoal?: boolean;
}

async function lockGame(tx: Tx, gameId: string): Promise<GameTimeline> {
  const timeline = await loadTimeline(tx, gameId, 'FOR UPDATE');
  if (!timeline) throw new NotFoundError('game', gameId);
  return timeline;
}

/** Input rules that need the game: minute within its duration, every named player in its lineup. */
function checkInput(timeline: GameTimeline, minute: number, players: Record<string, string | undefined>): void {
  const details: FieldIssue[] = [];
  if (minute > timeline.durationMinutes) {
    details.push({
      path: 'minute',
      message: `must be between 0 and ${timeline.durationMinutes} (the game's duration)`,
    });
  }
  const lineup = new Set(timeline.lineup.map((entry) => entry.playerId));
  for (const [path, playerId] of Object.entries(players)) {
    if (playerId !== undefined && !lineup.has(playerId)) {
      details.push({ path, message: `player ${playerId} is not in the lineup of game ${timeline.gameId}` });
    }
  }
  if (details.length > 0) throw InvalidInputError.of(details);
}

/**
 * Refuses (409) a write that turns a possible timeline into an impossible one. When the stored
 * timeline is already impossible (events from outside the API), the write is accepted and the
 * recalculation reports the problem, so it can still be repaired step by step.
 */
function checkTimeline(timeline: GameTimeline, events: TimelineEvent[]): void {
  const after = calculateMinutes({ ...timeline, events });
  if (after.ok || !calculateMinutes(timeline).ok) return;
  throw new ConflictError('impossible_timeline', after.error, [{ eventId: after.eventId }]);
}

const substitutionView = (s: { id: string; minute: number; playerOutId: string; playerInId: string }) => ({
  id: s.id,
  minute: s.minute,
  playerOutId: s.playerOutId,
  playerInId: s.playerInId,
});

const cardView = (a: {
  id: string;
  playerId: string;
  cardType: 'yellow' | 'second_yellow' | 'red';
  minute: number;
}) => ({
  id: a.id,
  playerId: a.playerId,
  cardType: cardTypeFromDb(a.cardType),
  minute: a.minute,
});

const goalView = (g: { id: string; scorerId: string; assistId: string | null; minute: number; ownGoal: boolean }) => ({
  id: g.id,
  scorerId: g.scorerId,
  assistId: g.assistId,
  minute: g.minute,
  ownGoal: g.ownGoal,
});

export function createMatchEventService(taskQueues: Config['taskQueues']) {
  const recalculate = (scope: WriteScope, gameId: string, trigger: Trigger) =>
    bumpAndRecalculate(scope, taskQueues.minutes, gameId, trigger);

  /** After any change to the game's events: an ended game's stats are refreshed (a correction). */
  async function corrected(scope: WriteScope, timeline: GameTimeline, trigger: Trigger): Promise<void> {
    if (timeline.status === 'ended') await enqueueCorrectionStats(scope, taskQueues, timeline.gameId, trigger);
  }

  async function findGoal(tx: Tx, gameId: string, id: string) {
    const goal = await tx.goal.findFirst({ where: { id, gameId } });
    if (!goal) throw new NotFoundError('goal', id);
    return goal;
  }

  // The event being changed is already in the locked timeline: no second read.
  function findSubstitution(timeline: GameTimeline, id: string): SubstitutionEvent {
    const found = timeline.events.find((e): e is SubstitutionEvent => e.kind === 'substitution' && e.id === id);
    if (!found) throw new NotFoundError('substitution', id);
    return found;
  }

  function findCard(timeline: GameTimeline, id: string): CardEvent {
    const found = timeline.events.find((e): e is CardEvent => e.kind === 'card' && e.id === id);
    if (!found) throw new NotFoundError('disciplinary action', id);
    return found;
  }

  return {
    async createSubstitution(scope: WriteScope, gameId: string, input: SubstitutionInput) {
      const timeline = await lockGame(scope.tx, gameId);
      checkInput(timeline, input.minute, { playerOutId: input.playerOutId, playerInId: input.playerInId });
      const id = randomUUID();
      const recordedAt = new Date();
      checkTimeline(timeline, [
        ...timeline.events,
        { kind: 'substitution', id, recordedAt, seq: Number.MAX_SAFE_INTEGER, ...input },
      ]);
      const substitution = await scope.tx.substitution.create({
        data: { id, gameId, createdAt: recordedAt, ...input },
      });
      const recalculation = await recalculate(scope, gameId, Triggers.substitutionCreated);
      await corrected(scope, timeline, Triggers.substitutionCreated);
      return { substitution: substitutionView(substitution), recalculation };
    },

    async updateSubstitution(scope: WriteScope, gameId: string, id: string, patch: Partial<SubstitutionInput>) {
      const timeline = await lockGame(scope.tx, gameId);
      const current = findSubstitution(timeline, id);
      const next = {
        minute: current.minute,
        playerOutId: current.playerOutId,
        playerInId: current.playerInId,
        ...patch,
      };
      if (next.playerInId === next.playerOutId) {
        throw InvalidInputError.of([{ path: 'playerInId', message: 'must differ from playerOutId' }]);
      }
      checkInput(timeline, next.minute, { playerOutId: next.playerOutId, playerInId: next.playerInId });
      checkTimeline(
        timeline,
        timeline.events.map((e) => (e.kind === 'substitution' && e.id === id ? { ...e, ...next } : e)),
      );
      const substitution = await scope.tx.substitution.update({ where: { id }, data: next });
      const recalculation = await recalculate(scope, gameId, Triggers.substitutionUpdated);
      await corrected(scope, timeline, Triggers.substitutionUpdated);
      return { substitution: substitutionView(substitution), recalculation };
    },

    async deleteSubstitution(scope: WriteScope, gameId: string, id: string) {
      const timeline = await lockGame(scope.tx, gameId);
      findSubstitution(timeline, id);
      checkTimeline(
        timeline,
        timeline.events.filter((e) => !(e.kind === 'substitution' && e.id === id)),
      );
      await scope.tx.substitution.delete({ where: { id } });
      const recalculation = await recalculate(scope, gameId, Triggers.substitutionDeleted);
      await corrected(scope, timeline, Triggers.substitutionDeleted);
      return { recalculation };
    },

    async createCard(scope: WriteScope, gameId: string, input: CardInput) {
      const timeline = await lockGame(scope.tx, gameId);
      checkInput(timeline, input.minute, { playerId: input.playerId });
      const id = randomUUID();
      const recordedAt = new Date();
      checkTimeline(timeline, [
        ...timeline.events,
        { kind: 'card', id, recordedAt, seq: Number.MAX_SAFE_INTEGER, ...input },
      ]);
      const action = await scope.tx.disciplinaryAction.create({
        data: {
          id,
          gameId,
          createdAt: recordedAt,
          playerId: input.playerId,
          minute: input.minute,
          cardType: cardTypeToDb(input.cardType),
        },
      });
      // Only a sending-off changes minutes; a yellow card starts nothing.
      const recalculation = isSendingOff(input.cardType)
        ? await recalculate(scope, gameId, Triggers.disciplinaryActionCreated)
        : null;
      await corrected(scope, timeline, Triggers.disciplinaryActionCreated);
      return { action: cardView(action), recalculation };
    },

    async updateCard(scope: WriteScope, gameId: string, id: string, patch: Partial<CardInput>) {
      const timeline = await lockGame(scope.tx, gameId);
      const current = findCard(timeline, id);
      const before = current.cardType;
      const next = { playerId: current.playerId, minute: current.minute, cardType: before, ...patch };
      checkInput(timeline, next.minute, { playerId: next.playerId });
      checkTimeline(
        timeline,
        timeline.events.map((e) => (e.kind === 'card' && e.id === id ? { ...e, ...next } : e)),
      );
      const action = await scope.tx.disciplinaryAction.update({
        where: { id },
        data: { playerId: next.playerId, minute: next.minute, cardType: cardTypeToDb(next.cardType) },
      });
      const recalculation =
        isSendingOff(before) || isSendingOff(next.cardType)
          ? await recalculate(scope, gameId, Triggers.disciplinaryActionUpdated)
          : null;
      await corrected(scope, timeline, Triggers.disciplinaryActionUpdated);
      return { action: cardView(action), recalculation };
    },

    async deleteCard(scope: WriteScope, gameId: string, id: string) {
      const timeline = await lockGame(scope.tx, gameId);
      const current = findCard(timeline, id);
      checkTimeline(
        timeline,
        timeline.events.filter((e) => !(e.kind === 'card' && e.id === id)),
      );
      await scope.tx.disciplinaryAction.delete({ where: { id } });
      const recalculation = isSendingOff(current.cardType)
        ? await recalculate(scope, gameId, Triggers.disciplinaryActionDeleted)
        : null;
      await corrected(scope, timeline, Triggers.disciplinaryActionDeleted);
      return { recalculation };
    },

    async createGoal(scope: WriteScope, gameId: string, input: GoalInput) {
      const timeline = await lockGame(scope.tx, gameId);
      checkInput(timeline, input.minute, { scorerId: input.scorerId, assistId: input.assistId });
      const goal = await scope.tx.goal.create({
        data: {
          id: randomUUID(),
          gameId,
          scorerId: input.scorerId,
          assistId: input.assistId ?? null,
          minute: input.minute,
          ownGoal: input.ownGoal,
        },
      });
      await corrected(scope, timeline, Triggers.goalCreated);
      return { goal: goalView(goal) };
    },

    async updateGoal(scope: WriteScope, gameId: string, id: string, patch: GoalPatch) {
      const timeline = await lockGame(scope.tx, gameId);
      const current = await findGoal(scope.tx, gameId, id);
      const next = {
        scorerId: current.scorerId,
        assistId: current.assistId,
        minute: current.minute,
        ownGoal: current.ownGoal,
        ...patch,
      };
      if (next.assistId !== null && next.assistId === next.scorerId) {
        throw InvalidInputError.of([
          {
            path: patch.assistId !== undefined ? 'assistId' : 'scorerId',
            message: 'the scorer cannot assist their own goal',
          },
        ]);
      }
      checkInput(timeline, next.minute, { scorerId: next.scorerId, assistId: next.assistId ?? undefined });
      const goal = await scope.tx.goal.update({ where: { id }, data: next });
      await corrected(scope, timeline, Triggers.goalUpdated);
      return { goal: goalView(goal) };
    },

    async deleteGoal(scope: WriteScope, gameId: string, id: string) {
      const timeline = await lockGame(scope.tx, gameId);
      await findGoal(scope.tx, gameId, id);
      await scope.tx.goal.delete({ where: { id } });
      await corrected(scope, timeline, Triggers.goalDeleted);
      return {};
    },
  };
}

export type MatchEventService = ReturnType<typeof createMatchEventService>;
