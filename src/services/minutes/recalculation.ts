// Starting minutes recalculations: the one a write asks for (through the outbox, in the write's
// transaction) and the backfill that recalculates every game. Both build the same typed start.
import { WorkflowFailedError, type Client } from '@temporalio/client';
import type { PrismaClient } from '../../db/client.ts';
import { RequestedBy, Triggers, type Trigger } from '../../contracts/common.ts';
import { recalculationWorkflowId } from '../../contracts/minutes.ts';
import { fairnessKey } from '../../contracts/priorities.ts';
import { startWorkflowOnce, workflowStart, type WorkflowStart } from '../../temporal/start-workflow.ts';
import type { WriteScope } from '../write.ts';

/** The start of the recalculation a request (or a backfill step) asks for. */
export function recalculationStart(options: {
  requestId: string;
  gameId: string;
  trigger: Trigger;
  eventsVersion: number;
  taskQueue: string;
  requestedBy: RequestedBy;
}): WorkflowStart<'recalculateMinutesWorkflow'> {
  const { requestId, gameId, trigger, eventsVersion, taskQueue, requestedBy } = options;
  return workflowStart('recalculateMinutesWorkflow', {
    workflowId: recalculationWorkflowId(requestId),
    taskQueue,
    args: [{ gameId, requestId, trigger }],
    searchAttributes: { trigger, requestId, gameId },
    memo: { requestedBy, gameId, requestId, trigger, eventsVersion },
    // One game's burst of corrections must not hold back every other game's.
    fairnessKey: fairnessKey('game', gameId),
  });
}

/**
 * Marks the game's minutes-relevant events as changed (bumps eventsVersion) and records, in the same
 * transaction, the recalculation workflow this request starts.
 */
export async function bumpAndRecalculate(
  scope: WriteScope,
  taskQueue: string,
  gameId: string,
  trigger: Trigger,
): Promise<{ workflowId: string }> {
  const { eventsVersion } = await scope.tx.game.update({
    where: { id: gameId },
    data: { eventsVersion: { increment: 1 } },
    select: { eventsVersion: true },
  });
  return enqueueRecalculation(scope, taskQueue, gameId, trigger, eventsVersion);
}

export async function enqueueRecalculation(
  scope: WriteScope,
  taskQueue: string,
  gameId: string,
  trigger: Trigger,
  eventsVersion: number,
): Promise<{ workflowId: string }> {
  const start = recalculationStart({
    requestId: scope.requestId,
    requestedBy: scope.requestedBy,
    gameId,
    trigger,
    eventsVersion,
    taskQueue,
  });
  await scope.enqueue(start);
  return { workflowId: start.workflowId };
}

export interface BackfillProgress {
  total: number;
  processed: number;
  started: number;
  alreadyDone: number;
  invalid: number;
  failed: number;
}

export function backfillRequestId(gameId: string, eventsVersion: number): string {
  return `backfill:${gameId}:v${eventsVersion}`;
}

/**
 * Recalculates every game's minutes, a bounded batch at a time. The workflow ID names the game and
 * its events version, so running the backfill twice starts nothing for games already recalculated at
 * their current version (REJECT_DUPLICATE), and a game edited since gets a new run.
 */
export async function backfillRecalculations(options: {
  prisma: PrismaClient;
  temporal: Client;
  taskQueue: string;
  batchSize?: number;
  onProgress?: (progress: BackfillProgress) => void;
  /** Stops before the next batch (its runs already started finish on their own). */
  signal?: AbortSignal;
}): Promise<BackfillProgress> {
  const { prisma, temporal, taskQueue } = options;
  const batchSize = options.batchSize ?? 50;
  const progress: BackfillProgress = {
    total: await prisma.game.count(),
    processed: 0,
    started: 0,
    alreadyDone: 0,
    invalid: 0,
    failed: 0,
  };
  let after: string | undefined;

  while (!options.signal?.aborted) {
    const games = await prisma.game.findMany({
      select: { id: true, eventsVersion: true },
      orderBy: { id: 'asc' },
      take: batchSize,
      ...(after ? { cursor: { id: after }, skip: 1 } : {}),
    });
    if (games.length === 0) break;
    after = games[games.length - 1]!.id;

    // One batch in flight at a time: start it, then wait for its runs before taking the next.
    await Promise.all(
      games.map(async ({ id: gameId, eventsVersion }) => {
        const requestId = backfillRequestId(gameId, eventsVersion);
        try {
          const started = await startWorkflowOnce(
            temporal,
            recalculationStart({
              requestId,
              requestedBy: RequestedBy.system,
              gameId,
              trigger: Triggers.backfill,
              eventsVersion,
              taskQueue,
            }),
          );
          if (started.outcome === 'alreadyStarted') {
            progress.alreadyDone++;
            return;
          }
          progress.started++;
          await started.handle.result();
        } catch (err) {
          if (err instanceof WorkflowFailedError) progress.invalid++;
          else progress.failed++;
        } finally {
          progress.processed++;
        }
      }),
    );
    options.onProgress?.({ ...progress });
  }
  return progress;
}
