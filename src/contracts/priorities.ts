// Which work goes first when a task queue has a backlog: every workflow start carries a Temporal
// priority key (1 first … 5 last; the server's default range) from its workflow type and what started
// it, and its activities and children inherit it. What a user is waiting for goes first: settlement
// and match verification; then minutes recalculations of games being played; then post-match stats;
// then runs an operator asked for; and last what nobody waits for (backfills, nightly runs, exports,
// reconciliation, housekeeping). A fairness key, where one tenant could starve others within a
// priority, shares dispatch between games (recalculations) and tournaments (settlement).
import type { WorkflowName } from './catalog.ts';
import { Triggers, type Trigger } from './common.ts';

export const PriorityKeys = {
  /** A user is waiting: a settlement, the result verification that leads to one, a scoreboard. */
  matchday: 1,
  /** A game being played: its minutes recalculated after an event. */
  live: 2,
  /** After the whistle: the stats a result or a correction asks for. */
  postMatch: 3,
  /** An operator asked for it (a stats refresh, a rebuild, a retry, a repair). */
  admin: 4,
  /** Nobody is waiting: backfills, nightly and scheduled runs, exports, reconciliation, housekeeping. */
  background: 5,
} as const;
export type PriorityKey = (typeof PriorityKeys)[keyof typeof PriorityKeys];

/** Triggers that mean a person or a backfill asked, not the game itself. */
const asked: readonly Trigger[] = [Triggers.admin, Triggers.retry, Triggers.repair, Triggers.rebuild];
const background: readonly Trigger[] = [Triggers.backfill, Triggers.cron, Triggers.schedule];

/** Each workflow type's priority, from what started the run. */
export const workflowPriorities: Record<WorkflowName, (trigger: Trigger) => PriorityKey> = {
  settleGameWorkflow: (t) => (asked.includes(t) ? PriorityKeys.admin : PriorityKeys.matchday),
  matchVerificationWorkflow: () => PriorityKeys.matchday,
  projectScoreboardWorkflow: (t) => (asked.includes(t) ? PriorityKeys.admin : PriorityKeys.matchday),
  rebuildScoreboardWorkflow: () => PriorityKeys.admin,
  recalculateMinutesWorkflow: (t) =>
    background.includes(t) ? PriorityKeys.background : asked.includes(t) ? PriorityKeys.admin : PriorityKeys.live,
  statsWorkflow: (t) =>
    t === Triggers.postMatch
      ? PriorityKeys.postMatch
      : background.includes(t)
        ? PriorityKeys.background
        : PriorityKeys.admin,
  // A coordinator and its refreshes serve whichever stats runs joined: post-match is what they mostly are.
  statsCoordinatorWorkflow: () => PriorityKeys.postMatch,
  statsRefreshWorkflow: () => PriorityKeys.postMatch,
  exportWorkflow: () => PriorityKeys.background,
  reconcileWorkflow: () => PriorityKeys.background,
  repairReconciliationWorkflow: () => PriorityKeys.admin,
  maintenanceWorkflow: () => PriorityKeys.background,
  refreshViewsWorkflow: () => PriorityKeys.background,
  pingWorkflow: () => PriorityKeys.admin,
};

/** Fairness keys are at most 64 bytes: longer ones are cut (ids here are far shorter). */
export function fairnessKey(kind: 'game' | 'tournament', id: string): string {
  return `${kind}:${id}`.slice(0, 64);
}
