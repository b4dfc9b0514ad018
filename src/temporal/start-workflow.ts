import {
  WorkflowExecutionAlreadyStartedError,
  type Client,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import type { Priority } from '@temporalio/common';
import type { WorkflowName, Workflows } from '../contracts/catalog.ts';
import { workflowPriorities } from '../contracts/priorities.ts';
import { toSearchAttributePairs, type RunMemo, type RunSearchAttributes, type Trigger } from '../contracts/common.ts';
import { metrics } from '../telemetry/metrics.ts';

/**
 * Everything needed to start one workflow, typed by the workflow function it names: `workflowType`
 * must be a workflow of the catalogue (contracts/catalog.ts) and `args` its parameters. Plain JSON, so
 * the outbox stores it as it is and rebuilds the same object.
 */
export interface WorkflowStart<N extends WorkflowName = WorkflowName> {
  workflowType: N;
  workflowId: string;
  taskQueue: string;
  args: Parameters<Workflows[N]>;
  searchAttributes: RunSearchAttributes;
  /** Who asked (`requestedBy`) and what the run is about, for the Web UI and the jobs API. */
  memo: RunMemo;
  /** Shares dispatch within a priority between tenants (contracts/priorities.ts): a game, a tournament. */
  fairnessKey?: string;
}

/** A start of any registered workflow (a union, so each member keeps its own argument types). */
export type AnyWorkflowStart = { [N in WorkflowName]: WorkflowStart<N> }[WorkflowName];

/** Builds a start for workflow `N`, checking its arguments against that workflow's signature. */
export function workflowStart<N extends WorkflowName>(
  workflowType: N,
  options: Omit<WorkflowStart<N>, 'workflowType'>,
): WorkflowStart<N> {
  return { workflowType, ...options };
}

let prioritiesOn = true;
/**
 * Whether starts carry their priority and fairness keys (WORKFLOW_PRIORITIES; on unless a benchmark
 * compares without them). Set once at a process's start, before it starts anything.
 */
export function setWorkflowPriorities(on: boolean): void {
  prioritiesOn = on;
}

/** The priority of a run of `workflowType` started by `trigger` (contracts/priorities.ts); none when off. */
export function priorityFor(workflowType: WorkflowName, trigger: Trigger, fairness?: string): Priority | undefined {
  if (!prioritiesOn) return undefined;
  return { priorityKey: workflowPriorities[workflowType](trigger), ...(fairness ? { fairnessKey: fairness } : {}) };
}

/** A start's priority: its workflow type's, from what started it, with its fairness key. */
export function priorityOf(start: AnyWorkflowStart): Priority | undefined {
  return priorityFor(start.workflowType, start.searchAttributes.trigger, start.fairnessKey);
}

export type StartOutcome =
  { outcome: 'started'; handle: WorkflowHandleWithFirstExecutionRunId } | { outcome: 'alreadyStarted' };

/**
 * Starts the workflow unless its ID has ever run: a workflow ID names one request's work, so it is
 * never run twice, even after it closed (REJECT_DUPLICATE). `deadlineMs` bounds the call.
 */
export async function startWorkflowOnce(
  client: Client,
  start: AnyWorkflowStart,
  deadlineMs?: number,
): Promise<StartOutcome> {
  const priority = priorityOf(start);
  const call = () =>
    client.workflow.start(start.workflowType, {
      workflowId: start.workflowId,
      taskQueue: start.taskQueue,
      args: start.args,
      typedSearchAttributes: toSearchAttributePairs(start.searchAttributes),
      memo: start.memo,
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      ...(priority ? { priority } : {}),
    });
  try {
    const handle =
      deadlineMs === undefined ? await call() : await client.connection.withDeadline(Date.now() + deadlineMs, call);
    metrics.workflowsStarted.inc({ workflow_type: start.workflowType, trigger: start.searchAttributes.trigger });
    return { outcome: 'started', handle };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { outcome: 'alreadyStarted' };
    throw err;
  }
}

/**
 * Starts the workflow now (or finds the run its ID already has) and answers with its run ID, for
 * requests that must name the run they started. Safe to repeat: the second call describes the first run.
 */
export async function startWorkflowNow(
  client: Client,
  start: AnyWorkflowStart,
  deadlineMs = 5000,
): Promise<{ workflowId: string; runId: string }> {
  const outcome = await startWorkflowOnce(client, start, deadlineMs);
  if (outcome.outcome === 'started') return { workflowId: start.workflowId, runId: outcome.handle.firstExecutionRunId };
  const description = await client.connection.withDeadline(Date.now() + deadlineMs, () =>
    client.workflow.getHandle(start.workflowId).describe(),
  );
  return { workflowId: start.workflowId, runId: description.runId };
}
