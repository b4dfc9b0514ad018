// One declaration per route: its method and path, the zod schemas of its parameters, query, body and
// success response, and its handler. The express router and the OpenAPI document are both built from
// these declarations, so what is served and what is documented cannot drift apart.
import type { z } from 'zod';
import type { AuditAction } from '../domain/audit.ts';
import type { WriteScope } from '../services/write.ts';
import type { EndpointInput } from './endpoint.ts';

export type Method = 'get' | 'post' | 'put' | 'delete';

/** Error statuses a route can answer with, beyond those every route of its kind has (see openapi.ts). */
export type ErrorStatus = 400 | 404 | 409 | 415 | 429 | 503;

type Schema = z.ZodType;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

/** What a handler receives: validated params, query and body (endpoint.ts, shared with the console). */
export type RouteInput<P, Q, B> = EndpointInput<Out<P>, Out<Q>, Out<B>>;

interface RouteBase<
  P extends Schema | undefined,
  Q extends Schema | undefined,
  B extends Schema | undefined,
  R extends Schema,
> {
  method: Method;
  /** OpenAPI form, with the full prefix: `/api/games/{gameId}`. */
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  params?: P;
  query?: Q;
  body?: B;
  /** The success answer; `contentType` when it is not JSON. */
  response: { status: number; description: string; schema: R; contentType?: string };
  /** Non-error answers other than the success one, with their own schema (e.g. readiness's 503). */
  otherResponses?: Record<number, { description: string; schema: Schema }>;
  /** Statuses besides the success one and those implied by the route's kind. */
  errors?: ErrorStatus[];
  /** Answers from the process alone, never from PostgreSQL, Redis or Temporal (so never 503). */
  standalone?: true;
}

/** A read, or an action with no database write (its handler answers directly). */
export interface ReadRoute<
  P extends Schema | undefined,
  Q extends Schema | undefined,
  B extends Schema | undefined,
  R extends Schema,
> extends RouteBase<P, Q, B, R> {
  kind: 'read';
  /** Its answer, or a body it streams itself (a CSV) when the response has a `contentType`. */
  handle(input: RouteInput<P, Q, B>): Promise<z.input<R> | StreamedBody>;
}

/** A write: runs in one transaction with its Idempotency-Key record and outbox rows (services/write.ts). */
export interface WriteRoute<
  P extends Schema | undefined,
  Q extends Schema | undefined,
  B extends Schema | undefined,
  R extends Schema,
> extends RouteBase<P, Q, B, R> {
  kind: 'write';
  write(input: RouteInput<P, Q, B>, scope: WriteScope): Promise<z.input<R>>;
  /**
   * An admin action: recorded in the audit log (in the write's transaction when it succeeds; after
   * it when refused or failed), with what it acted on. Every admin write declares one.
   */
  audit?: { action: AuditAction; target(input: RouteInput<P, Q, B>): string | null };
}

/** A body the handler streams itself (a large CSV, a live stream), instead of one it returns whole. */
export interface StreamedBody {
  /** `closed` aborts when the client goes (a live stream ends then; a finite body may ignore it). */
  stream(write: (chunk: Uint8Array) => Promise<void>, closed: AbortSignal): Promise<void>;
  headers: Record<string, string>;
}

export function isStreamedBody(value: unknown): value is StreamedBody {
  return typeof value === 'object' && value !== null && typeof (value as StreamedBody).stream === 'function';
}

export type Route<
  P extends Schema | undefined = Schema | undefined,
  Q extends Schema | undefined = Schema | undefined,
  B extends Schema | undefined = Schema | undefined,
  R extends Schema = Schema,
> = ReadRoute<P, Q, B, R> | WriteRoute<P, Q, B, R>;

/** Declares a read route; the handler's result is checked against the response schema by the compiler. */
export function readRoute<
  P extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
  B extends Schema | undefined = undefined,
  R extends Schema = Schema,
>(route: Omit<ReadRoute<P, Q, B, R>, 'kind'>): Route {
  return { kind: 'read', ...route } as unknown as Route;
}

/** Declares a write route (POST/PUT/DELETE that changes stored state). */
export function writeRoute<
  P extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
  B extends Schema | undefined = undefined,
  R extends Schema = Schema,
>(route: Omit<WriteRoute<P, Q, B, R>, 'kind'>): Route {
  return { kind: 'write', ...route } as unknown as Route;
}

/**
 * Every non-GET route of the JSON API and everything under an admin prefix needs `Authorization:
 * Bearer <API_TOKEN>`. The console (/admin) has its own sign-in; a session never authorises /api.
 */
export function requiresToken(route: { method: string; path: string }): boolean {
  if (!route.path.startsWith('/api/')) return false;
  return route.method.toLowerCase() !== 'get' || isAdminPath(route.path);
}

export function isAdminPath(path: string): boolean {
  return /^\/api\/(v2\/)?admin(\/|$)/.test(path);
}

/** `/api/games/{gameId}` -> `/api/games/:gameId` (express's form). */
export function expressPath(openApiPath: string): string {
  return openApiPath.replace(/\{(\w+)\}/g, ':$1');
}
