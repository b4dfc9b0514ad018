// Makes the Temporal Schedules on the namespace match the registry: creates what is missing, updates
// what differs (spec, action, policies), deletes what the registry no longer has, and changes nothing
// when they already match. An operator's pause and note survive (state is never overwritten), and a
// schedule without the project's marker is never touched. Two workers syncing at once is safe:
// creating one that now exists, or updating one that just changed, is settled by comparing again.
import { isDeepStrictEqual } from 'node:util';
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  type Client,
  type ScheduleDescription,
} from '@temporalio/client';
// The SDK's own spec encoder and decoder (no public export): what `describe()` returns for a spec
// is decode(server's copy of encode(spec)), so decode(encode(desired)) is what a matching schedule shows.
import { decodeScheduleSpec, encodeScheduleSpec } from '@temporalio/client/lib/schedule-helpers.js';
import { msToNumber } from '@temporalio/common/lib/time.js';
import { SCHEDULE_MARKER } from '../../contracts/schedules.ts';
import { scheduleOptions, type ScheduleEntry } from './registry.ts';

export interface SyncResult {
  created: string[];
  updated: string[];
  deleted: string[];
  unchanged: string[];
  /** Schedules in the registry whose ID is taken by a schedule that is not ours. */
  conflicts: string[];
}

/** Plain JSON, with what the server fills in for an unset field (empty time zone, calendar comment). */
function normalizedSpec(spec: unknown): unknown {
  const plain = JSON.parse(JSON.stringify(spec)) as { timezone?: string; calendars?: { comment?: string }[] };
  return {
    ...plain,
    timezone: plain.timezone ?? '',
    calendars: (plain.calendars ?? []).map((c) => ({ ...c, comment: c.comment ?? '' })),
  };
}

/** Search attribute pairs as a name -> value map, from a list of pairs or a TypedSearchAttributes. */
function searchAttributeMap(attributes: unknown): Record<string, unknown> {
  type Pair = { key: { name: string }; value: unknown };
  const typed = attributes as { getAll?: () => Pair[] } | Pair[] | undefined;
  const list: Pair[] = Array.isArray(typed) ? typed : (typed?.getAll?.() ?? []);
  return Object.fromEntries(list.map((p) => [p.key.name, p.value]));
}

/** What differs between the entry and the schedule as described; empty when they match. */
export function differences(entry: ScheduleEntry, description: ScheduleDescription): string[] {
  const desired = scheduleOptions(entry);
  const action = description.action as unknown as Record<string, unknown>;
  const wantedAction = desired.action as unknown as Record<string, unknown>;
  const checks: [string, unknown, unknown][] = [
    ['spec', normalizedSpec(description.spec), normalizedSpec(decodeScheduleSpec(encodeScheduleSpec(entry.spec)))],
    ['workflow type', action.workflowType, wantedAction.workflowType],
    ['task queue', action.taskQueue, wantedAction.taskQueue],
    ['workflow ID', action.workflowId, wantedAction.workflowId],
    ['arguments', JSON.parse(JSON.stringify(action.args ?? [])), JSON.parse(JSON.stringify(wantedAction.args ?? []))],
    ['run memo', action.memo ?? {}, wantedAction.memo],
    [
      'priority',
      (action.priority as { priorityKey?: number } | undefined)?.priorityKey ?? null,
      (wantedAction.priority as { priorityKey?: number } | undefined)?.priorityKey ?? null,
    ],
    [
      'run search attributes',
      searchAttributeMap(action.typedSearchAttributes),
      searchAttributeMap(wantedAction.typedSearchAttributes),
    ],
    ['overlap policy', description.policies.overlap, entry.overlap],
    ['catch-up window', description.policies.catchupWindow, msToNumber(entry.catchupWindow)],
    ['pause on failure', description.policies.pauseOnFailure, entry.pauseOnFailure],
  ];
  return checks.filter(([, actual, wanted]) => !isDeepStrictEqual(actual, wanted)).map(([what]) => what);
}

const isOurs = (memo: Record<string, unknown> | undefined) => memo?.managedBy === SCHEDULE_MARKER.managedBy;

export async function syncSchedules(
  client: Client,
  registry: ScheduleEntry[],
  log: (line: string) => void = () => {},
): Promise<SyncResult> {
  const result: SyncResult = { created: [], updated: [], deleted: [], unchanged: [], conflicts: [] };

  for (const entry of registry) {
    const handle = client.schedule.getHandle(entry.jobKey);
    for (let attempt = 1; ; attempt++) {
      let description: ScheduleDescription | undefined;
      try {
        description = await handle.describe();
      } catch (err) {
        if (!(err instanceof ScheduleNotFoundError)) throw err;
      }
      try {
        if (!description) {
          await client.schedule.create(scheduleOptions(entry));
          result.created.push(entry.jobKey);
          log(`created schedule ${entry.jobKey} (${entry.specText})`);
        } else if (!isOurs(description.memo)) {
          result.conflicts.push(entry.jobKey);
          log(`schedule ${entry.jobKey} exists but is not managed by Fulltime (no marker in its memo); left alone`);
        } else {
          const changed = differences(entry, description);
          if (changed.length === 0) {
            result.unchanged.push(entry.jobKey);
          } else {
            const { spec, action, policies } = scheduleOptions(entry);
            // Keep the schedule's state: an operator's pause and note outlive every sync.
            await handle.update((previous) => ({
              spec,
              action,
              policies,
              state: { paused: previous.state.paused, note: previous.state.note },
            }));
            result.updated.push(entry.jobKey);
            log(`updated schedule ${entry.jobKey}: ${changed.join(', ')}`);
          }
        }
        break;
      } catch (err) {
        // Another sync created or changed it meanwhile: look again.
        if (attempt < 3 && (err instanceof ScheduleAlreadyRunning || /conflict|FAILED_PRECONDITION/i.test(String(err))))
          continue;
        throw err;
      }
    }
  }

  const wanted = new Set(registry.map((e) => e.jobKey));
  for await (const summary of client.schedule.list()) {
    if (wanted.has(summary.scheduleId) || !isOurs(summary.memo)) continue;
    try {
      await client.schedule.getHandle(summary.scheduleId).delete();
      result.deleted.push(summary.scheduleId);
      log(`deleted schedule ${summary.scheduleId} (no longer in the registry)`);
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    }
  }

  if (result.created.length + result.updated.length + result.deleted.length === 0) {
    log(`schedules match the registry (${result.unchanged.length} unchanged); nothing to do`);
  }
  return result;
}
