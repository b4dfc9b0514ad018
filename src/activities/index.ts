import { createMinutesActivities, type MinutesActivityDeps } from './minutes.ts';

export type ActivityDeps = MinutesActivityDeps;

/** Every activity, built from injected dependencies so tests can pass real or fake ones. */
export function createActivities(deps: ActivityDeps) {
  return { ...createMinutesActivities(deps) };
}

export type Activities = ReturnType<typeof createActivities>;
