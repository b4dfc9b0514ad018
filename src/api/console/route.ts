// One declaration per console page or action, the way a JSON route is declared (../route.ts): its
// path, the zod schemas of its parameters, query and form, the role it needs, its audit action, and
// what it renders. console/handler.ts turns them into express handlers through the same machinery as
// the API's (../endpoint.ts: the unstorable-text guard, validation, the idempotent audited write).
import type { Client } from '@temporalio/client';
import type { z } from 'zod';
import type { Config } from '../../config.ts';
import type { PrismaClient } from '../../db/client.ts';
import type { AuditAction } from '../../domain/audit.ts';
import type { Redis } from '../../redis.ts';
import type { createJobsService } from '../../services/jobs.ts';
import type { createScheduleOperations } from '../../services/schedules/operations.ts';
import type { WriteScope } from '../../services/write.ts';
import type { EndpointInput } from '../endpoint.ts';
import type { StreamedBody } from '../route.ts';
import type { Html } from './html.ts';
import type { Viewer } from './layout.ts';

type Schema = z.ZodType;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export type ConsoleInput<P, Q, F> = EndpointInput<Out<P>, Out<Q>, Out<F>>;

/** Who may: a viewer sees every page; only an operator acts. */
export type ConsoleRole = 'viewer' | 'operator';

interface Base<P extends Schema | undefined, Q extends Schema | undefined> {
  /** Under /admin, express's form: `/jobs/:workflowId`. */
  path: string;
  params?: P;
  query?: Q;
}

/** A page (GET): rendered for anyone signed in. */
export interface ConsolePage<P extends Schema | undefined, Q extends Schema | undefined> extends Base<P, Q> {
  kind: 'page';
  role: 'viewer';
  /** The page, or a body it streams itself (a CSV download). */
  render(input: ConsoleInput<P, Q, undefined>, viewer: Viewer): Promise<Html | StreamedBody>;
}

/** Where an action leads: a page to redirect to (303), or a page to show. */
export type ActionOutcome = { redirect: string } | { page: Html };

/**
 * An action (POST from a form): operators only, audited as `operator:<username>`, run as one write
 * whose Idempotency-Key is the form's `_key` (a form sent twice acts once).
 */
export interface ConsoleAction<P extends Schema | undefined, F extends Schema | undefined, T> extends Base<
  P,
  undefined
> {
  kind: 'action';
  role: 'operator';
  form?: F;
  audit: { action: AuditAction; target(input: ConsoleInput<P, undefined, F>): string | null };
  act(input: ConsoleInput<P, undefined, F>, scope: WriteScope): Promise<T>;
  then(input: ConsoleInput<P, undefined, F>, result: T, viewer: Viewer): ActionOutcome;
}

export type ConsoleRoute =
  ConsolePage<Schema | undefined, Schema | undefined> | ConsoleAction<Schema | undefined, Schema | undefined, unknown>;

/** Declares a page; its input types follow from its schemas. */
export function consolePage<P extends Schema | undefined = undefined, Q extends Schema | undefined = undefined>(
  route: Omit<ConsolePage<P, Q>, 'kind' | 'role'>,
): ConsoleRoute {
  return { kind: 'page', role: 'viewer', ...route } as unknown as ConsoleRoute;
}

/** Declares an action. */
export function consoleAction<
  P extends Schema | undefined = undefined,
  F extends Schema | undefined = undefined,
  T = unknown,
>(route: Omit<ConsoleAction<P, F, T>, 'kind' | 'role'>): ConsoleRoute {
  return { kind: 'action', role: 'operator', ...route } as unknown as ConsoleRoute;
}

/** What the sections act through: the services the JSON API uses. */
export interface ConsoleContext {
  config: Config;
  prisma: PrismaClient;
  redis: Redis;
  temporal: Client;
  jobs: ReturnType<typeof createJobsService>;
  schedules: ReturnType<typeof createScheduleOperations>;
}

/** What a successful action says on the page it leads to (`?done=`; a fixed set: never text from the request). */
export const notices = {
  retried: 'Retried: this is the new run.',
  canceled: 'Cancellation requested.',
  terminated: 'Terminated.',
  ran: 'Started a run now.',
  paused: 'Paused.',
  unpaused: 'Unpaused.',
  backfilled: 'Backfill accepted.',
  saved: 'Switches saved.',
  rebuilding: 'Rebuild started: reads come from PostgreSQL until it is done.',
  exporting: 'Export started.',
  reconciling: 'Reconciliation started: this page refreshes until it is done.',
  repairing: 'Repair started: reconcile again once it is done to see nothing left.',
} as const;
export type Notice = keyof typeof notices;
