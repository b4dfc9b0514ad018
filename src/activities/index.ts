import { createMaintenanceActivities } from './maintenance.ts';
import { createMinutesActivities, type MinutesActivityDeps } from './minutes.ts';
import { createSettlementActivities, type SettlementActivityDeps } from './settlement.ts';
import { createStatsActivities, type StatsActivityDeps } from './stats.ts';

export type ActivityDeps = MinutesActivityDeps & StatsActivityDeps & SettlementActivityDeps;

/** Every activity, built from injected dependencies so tests can pass real or fake ones. */
export function createActivities(deps: ActivityDeps) {
  return { ...createMinutesActivities(deps), ...createStatsActivities(deps), ...createMaintenanceActivities(deps), ...createSettlementActivities(deps) };
}

export type Activities = ReturnType<typeof createActivities>;
