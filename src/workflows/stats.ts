// Stats runs. Every trigger (post-match, admin, cron) starts one `statsWorkflow`, its ID from the
// request. Refreshes are coalesced per scope: each run asks the scope's `statsCoordinatorWorkflow`
// for a refresh and waits; the coordinator runs one `statsRefreshWorkflow` at a time for everyone
// who asked while the previous one ran, so a burst of ten results runs at most one refresh and
// queues one more, and each run's summary names the refresh that served it.
import {
  ActivityFailure,
  ApplicationFailure,
  ChildWorkflowFailure,
  condition,
  continueAsNew,
  executeChild,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  setHandler,
  uuid4,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { Workflows } from '../contracts/catalog.ts';
import { failureMessage, RequestedBy, Triggers, type RunMemo } from '../contracts/common.ts';
import { recalculationWorkflowId } from '../contracts/minutes.ts';
import {
  aggregationActivities,
  aggregationNames,
  DEFAULT_STATS_SCOPE,
  joinRefresh,
  refreshDone,
  statsRefreshWorkflowId,
  StatsFailureTypes,
  refreshGames,
  type AggregationInput,
  type AggregationName,
  type AggregationOutcome,
  type AggregationResult,
  type CoordinatorInput,
  type RefreshInput,
  type RefreshRequest,
  type RefreshSummary,
  type StatsActivities,
  type StatsRunInput,
  type StatsRunSummary,
} from '../contracts/stats.ts';

// Bookkeeping: short calls to PostgreSQL, Redis or Temporal; retried through a few minutes of outage.
const { readStatsSwitches, joinStatsRefresh } = proxyActivities<StatsActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 12 },
});
// Dropping an aggregation's cache entries once its new data is committed. A Redis that is down or
// refuses writes (OOM, MISCONF, READONLY) would leave entries of the old data to be served when it
// comes back, so this is retried until Redis takes writes again, for up to an hour (the default
// CACHE_TTL_SECONDS, past which the old entries have expired anyway); the refresh waits for it.
const { invalidateAggregationCache } = proxyActivities<StatsActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '1 hour',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/** Each aggregation's own policy: how long one attempt may take, and how often it is retried. */
function aggregation(startToCloseTimeout: ActivityOptions['startToCloseTimeout'], maximumAttempts: number) {
  return {
    startToCloseTimeout,
    retry: {
      initialInterval: '2 seconds',
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      maximumAttempts,
      nonRetryableErrorTypes: [StatsFailureTypes.aggregationDataError],
    },
  } satisfies ActivityOptions;
}
const policies: Record<AggregationName, ActivityOptions> = {
  'season-stats': aggregation('2 minutes', 5),
  'all-time-stats': aggregation('2 minutes', 5),
  'hall-of-fame': aggregation('2 minutes', 5),
  'recent-form': aggregation('2 minutes', 5),
  'season-honours': aggregation('2 minutes', 5),
  // The heaviest statements (one JSON document per game; one row per scorer and matchday).
  'match-reports': aggregation('5 minutes', 3),
  'personal-bests': aggregation('2 minutes', 5),
  'player-profiles': aggregation('2 minutes', 5),
  'season-race': aggregation('5 minutes', 3),
  'power-ratings': aggregation('2 minutes', 5),
};
const aggregations = Object.fromEntries(
  aggregationNames.map((name) => [name, proxyActivities<StatsActivities>(policies[name])[aggregationActivities[name]]]),
) as unknown as Record<AggregationName, (input?: AggregationInput) => Promise<AggregationResult>>;

/** Attempts an aggregation made before it failed for good. */
function attemptsOf(err: unknown, name: AggregationName): number | null {
  const cause = err instanceof ActivityFailure ? err.cause : undefined;
  const details =
    cause instanceof ApplicationFailure ? (cause.details?.[0] as { attempt?: number } | undefined) : undefined;
  if (typeof details?.attempt === 'number') return details.attempt;
  return err instanceof ActivityFailure && err.retryState === 'MAXIMUM_ATTEMPTS_REACHED'
    ? (policies[name].retry?.maximumAttempts ?? null)
    : null;
}

/**
 * One refresh: the ten aggregations in parallel (`concurrency` lower for a gentler run), each
 * followed, once it succeeded, by dropping the cache entries it owns. A failed aggregation leaves its
 * cache alone and fails the refresh, with the whole summary in the failure's details. A refresh that
 * serves only post-match runs recomputes what their games touch; any other, everything.
 */
export async function statsRefreshWorkflow(input: RefreshInput): Promise<RefreshSummary> {
  const started = Date.now();
  const switches = await readStatsSwitches();
  const names = aggregationNames;
  // Histories from before scoped refreshes replay as they ran: everything.
  const games = patched('stats-refresh-scoped-to-games') ? refreshGames(input.served) : undefined;

  const runOne = async (name: AggregationName): Promise<AggregationOutcome> => {
    if (!switches.aggregations[name]) return { name, status: 'skipped', rowsWritten: null, durationMs: 0, attempts: 0 };
    const t0 = Date.now();
    let result: AggregationResult;
    try {
      result = await aggregations[name](games ? { games } : {});
    } catch (err) {
      return {
        name,
        status: 'failed',
        rowsWritten: null,
        durationMs: Date.now() - t0,
        attempts: attemptsOf(err, name),
        error: failureMessage(err),
      };
    }
    try {
      const { invalidatedKeys } = await invalidateAggregationCache(name);
      return {
        name,
        status: 'succeeded',
        rowsWritten: result.rowsWritten,
        durationMs: Date.now() - t0,
        attempts: result.attempt,
        invalidatedKeys,
      };
    } catch (err) {
      return {
        name,
        status: 'failed',
        rowsWritten: result.rowsWritten,
        durationMs: Date.now() - t0,
        attempts: result.attempt,
        error: `its data is written but its cache could not be invalidated: ${failureMessage(err)}`,
      };
    }
  };

  const outcomes: AggregationOutcome[] = [];
  const concurrency = Math.max(1, Math.min(input.concurrency ?? names.length, names.length));
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < names.length; i = next++) outcomes[i] = await runOne(names[i]!);
    }),
  );

  const failed = outcomes.filter((o) => o.status === 'failed').map((o) => o.name);
  const summary: RefreshSummary = {
    scope: input.scope,
    status: failed.length > 0 ? 'failed' : 'completed',
    ...(games ? { games } : {}),
    served: input.served.map((r) => r.workflowId),
    durationMs: Date.now() - started,
    aggregations: outcomes,
    failed,
  };
  if (failed.length > 0) {
    throw ApplicationFailure.create({
      message: `stats refresh failed: ${failed.join(', ')}`,
      type: StatsFailureTypes.refreshFailed,
      nonRetryable: true,
      details: [summary],
    });
  }
  return summary;
}

/** The refresh summary a failed child carries in its failure's details. */
function summaryOfFailure(err: unknown, scope: string, served: RefreshRequest[]): RefreshSummary {
  const cause = err instanceof ChildWorkflowFailure ? err.cause : undefined;
  const details = cause instanceof ApplicationFailure ? (cause.details?.[0] as RefreshSummary | undefined) : undefined;
  return (
    details ?? {
      scope,
      status: 'failed',
      served: served.map((r) => r.workflowId),
      durationMs: 0,
      aggregations: [],
      failed: [],
    }
  );
}

/**
 * Each run served is told with a signal carrying the refresh's summary, which lists every run served:
 * one refresh's signals grow with the square of its batch. Unbounded, 300 results at full time made
 * one workflow task's commands larger than the server takes (4 MB), and it terminated the coordinator
 * (GrpcMessageTooLarge) with 291 runs waiting. So: at most 100 runs a refresh (a burst costs a few
 * refreshes, not one), told 25 to a workflow task (about 25 × 7 KB).
 */
const MAX_SERVED_PER_REFRESH = 100;
const SIGNALS_PER_TASK = 25;
const BOUNDED_BATCHES_PATCH = 'stats-coordinator-bounded-batches';
/**
 * A refresh's ID from the coordinator's run and count, not from uuid4(): the workflow's random numbers
 * are shared with the tracing interceptors (each span ID takes some), so a uuid4() made the IDs depend
 * on whether the bundle traces, and a run could not move between a worker that traces and one that
 * does not. Histories from before replay as they ran.
 */
const REFRESH_ID_FROM_RUN_PATCH = 'stats-refresh-id-from-run';

/**
 * Serialises refreshes of one scope: collects requests (signal `joinRefresh`), runs one refresh (a
 * child) for everyone waiting, tells each of them how it went (signal `refreshDone`), and repeats.
 * Ends after 10 idle minutes; the next request starts it again.
 */
export async function statsCoordinatorWorkflow(input: CoordinatorInput): Promise<{ refreshes: number }> {
  const waiting: RefreshRequest[] = [...(input.waiting ?? [])];
  let refreshes = input.refreshes ?? 0;
  setHandler(joinRefresh, (request) => {
    if (!waiting.some((w) => w.workflowId === request.workflowId)) waiting.push(request);
  });

  for (;;) {
    if (!(await condition(() => waiting.length > 0, '10 minutes'))) return { refreshes };
    // Histories from before the bound replay as they ran (one batch of everyone, told at once).
    const bounded = patched(BOUNDED_BATCHES_PATCH);
    const batch = bounded ? waiting.splice(0, MAX_SERVED_PER_REFRESH) : waiting.splice(0);
    const refreshWorkflowId = statsRefreshWorkflowId(
      input.scope,
      patched(REFRESH_ID_FROM_RUN_PATCH) ? `${workflowInfo().runId}-${refreshes + 1}` : uuid4(),
    );
    let summary: RefreshSummary;
    try {
      summary = await executeChild<Workflows['statsRefreshWorkflow']>('statsRefreshWorkflow', {
        workflowId: refreshWorkflowId,
        args: [{ scope: input.scope, served: batch }],
        memo: { served: batch.map((r) => r.workflowId), requestIds: batch.map((r) => r.requestId) },
      });
    } catch (err) {
      summary = summaryOfFailure(err, input.scope, batch);
    }
    refreshes++;
    // A run that was terminated meanwhile cannot be told; the others must be.
    const tell = (r: RefreshRequest) =>
      getExternalWorkflowHandle(r.workflowId)
        .signal(refreshDone, { refreshWorkflowId, summary })
        .catch(() => undefined);
    if (bounded) {
      for (let i = 0; i < batch.length; i += SIGNALS_PER_TASK)
        await Promise.all(batch.slice(i, i + SIGNALS_PER_TASK).map(tell));
    } else {
      await Promise.all(batch.map(tell));
    }
    if (workflowInfo().continueAsNewSuggested || refreshes % 100 === 0) {
      await continueAsNew<typeof statsCoordinatorWorkflow>({ scope: input.scope, waiting, refreshes });
    }
  }
}

/**
 * A stats run, as each trigger starts it. A post-match run first makes the game's minutes fresh (a
 * child recalculation at the game's current events version); a cron run ends at once when the cron
 * trigger is switched off. Then it waits for a refresh to serve it, and ends as that refresh did:
 * failed, with the summary, if any aggregation failed.
 */
export async function statsWorkflow(input: StatsRunInput): Promise<StatsRunSummary> {
  const { workflowId } = workflowInfo();
  const requestId = input.requestId ?? workflowId;
  const scope = input.scope ?? DEFAULT_STATS_SCOPE;
  const base = { triggeredBy: input.triggeredBy, requestId, ...(input.gameId ? { gameId: input.gameId } : {}) };

  if (input.triggeredBy === Triggers.cron && !(await readStatsSwitches()).triggers.cron) {
    return {
      ...base,
      status: 'switched-off',
      message: 'the cron trigger is switched off; nothing was refreshed',
      aggregations: [],
    };
  }

  let minutes: StatsRunSummary['minutes'];
  if (input.gameId) {
    const recalculationId = recalculationWorkflowId(workflowId);
    const requestedBy = (workflowInfo().memo as Partial<RunMemo> | undefined)?.requestedBy ?? RequestedBy.system;
    try {
      const result = await executeChild<Workflows['recalculateMinutesWorkflow']>('recalculateMinutesWorkflow', {
        workflowId: recalculationId,
        taskQueue: input.minutesTaskQueue,
        args: [{ gameId: input.gameId, requestId, trigger: Triggers.postMatch }],
        // No search attributes: the time-skipping test server refuses unregistered ones; the memo says it all.
        memo: { requestedBy, requestId, trigger: Triggers.postMatch, gameId: input.gameId } satisfies RunMemo,
      });
      minutes = { workflowId: recalculationId, outcome: result.outcome };
    } catch (err) {
      // An impossible timeline keeps the game's last good minutes; the stats use those.
      minutes = { workflowId: recalculationId, outcome: 'invalid', error: failureMessage(err) };
    }
  }

  let done: { refreshWorkflowId: string; summary: RefreshSummary } | undefined;
  setHandler(refreshDone, (outcome) => {
    done ??= outcome;
  });
  // Ask again if no answer comes (a coordinator terminated by an operator); a repeat is ignored while queued.
  while (!done) {
    await joinStatsRefresh({ scope, request: { workflowId, ...base } });
    await condition(() => done !== undefined, '30 minutes');
  }

  const summary: StatsRunSummary = {
    ...base,
    status: done.summary.status,
    ...(minutes ? { minutes } : {}),
    refresh: { workflowId: done.refreshWorkflowId, served: done.summary.served },
    aggregations: done.summary.aggregations,
  };
  if (summary.status === 'failed') {
    throw ApplicationFailure.create({
      message: `stats refresh ${done.refreshWorkflowId} failed: ${done.summary.failed.join(', ') || 'see its history'}`,
      type: StatsFailureTypes.refreshFailed,
      nonRetryable: true,
      details: [summary],
    });
  }
  return summary;
}
