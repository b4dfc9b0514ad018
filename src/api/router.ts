// Turns route declarations into express handlers: validate params, query and body with the route's
// schemas, then run the handler (a read) or the write inside the idempotent write scope.
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { WriteRequest, WriteRunner } from '../services/write.ts';
import type { Logger } from '../logger.ts';
import type { PrismaClient } from '../db/client.ts';
import { auditedWrite } from './audited-write.ts';
import { ApiError, parseInput } from './errors.ts';
import { requestFingerprint } from './request-context.ts';
import { expressPath, isStreamedBody, type Route, type RouteInput } from './route.ts';
import { findUnstorableText } from './text-input.ts';

function writeRequestOf(req: Request): WriteRequest {
  // Every write needs the token (route.ts, requiresToken), so the guard has named who asks.
  const { requestedBy } = req.ctx;
  if (!requestedBy) throw new Error(`write ${req.method} ${req.path} reached the router unauthenticated`);
  return {
    requestId: req.ctx.requestId,
    requestedBy,
    idempotencyKey: req.ctx.idempotencyKey,
    fingerprint: requestFingerprint(req),
    method: req.method,
    path: req.originalUrl,
  };
}

/** Refuses text that cannot be stored (see text-input.ts), naming where it is. */
function refuseUnstorableText(req: Request): void {
  for (const [where, value] of [['path parameters', req.params], ['query', req.query], ['request body', req.body]] as const) {
    const found = findUnstorableText(value);
    if (found) {
      throw new ApiError(400, 'validation_failed', `invalid ${where}: ${found.path ? `${found.path}: ` : ''}${found.message}`, [found]);
    }
  }
}

/** Writes a streamed body chunk by chunk, waiting for the socket to drain (a slow client holds no buffer). */
async function sendStreamed(res: Response, body: { stream(write: (chunk: Uint8Array) => Promise<void>): Promise<void>; headers: Record<string, string> }): Promise<void> {
  for (const [name, value] of Object.entries(body.headers)) res.setHeader(name, value);
  await body.stream(async (chunk) => {
    if (!res.write(chunk)) await new Promise<void>((resolve) => res.once('drain', resolve));
  });
  res.end();
}

interface RouterDeps {
  runWrite: WriteRunner;
  /** Where refused or failed admin actions are recorded (outside the write's rolled-back transaction). */
  prisma: PrismaClient;
  logger: Logger;
}

function handlerFor(route: Route, { runWrite, prisma, logger }: RouterDeps): RequestHandler {
  return async (req, res) => {
    refuseUnstorableText(req);
    const input: RouteInput<unknown, unknown, unknown> = {
      params: route.params ? parseInput(route.params, req.params, 'path parameters') : undefined,
      query: route.query ? parseInput(route.query, req.query, 'query') : undefined,
      body: route.body ? parseInput(route.body, req.body) : undefined,
      requestId: req.ctx.requestId,
      req,
      res,
    } as RouteInput<unknown, unknown, unknown>;

    if (route.kind === 'read') {
      res.status(route.response.status);
      const body: unknown = await route.handle(input as never);
      if (isStreamedBody(body)) await sendStreamed(res, body);
      else if (route.response.contentType) res.type(route.response.contentType).send(body);
      else res.json(body);
      return;
    }
    const request = writeRequestOf(req);
    const audit = route.audit ? { action: route.audit.action, target: route.audit.target(input as never) } : null;
    const result = await auditedWrite({ runWrite, prisma, logger }, request, audit, async (scope) => ({
      status: route.response.status,
      body: await route.write(input as never, scope),
    }));
    if (result.replayed) res.setHeader('Idempotent-Replayed', 'true');
    res.status(result.status).json(result.body);
  };
}

export function createRouter(routes: Route[], deps: RouterDeps): Router {
  const router = Router();
  const methodsByPath = new Map<string, string[]>();
  for (const route of routes) {
    const path = expressPath(route.path);
    router[route.method](path, handlerFor(route, deps));
    const methods = methodsByPath.get(path) ?? [];
    methods.push(route.method.toUpperCase(), ...(route.method === 'get' ? ['HEAD'] : []));
    methodsByPath.set(path, methods);
  }
  // A known path with a method it does not serve: 405 with Allow (OPTIONS: just the Allow header).
  for (const [path, methods] of methodsByPath) {
    const allow = [...new Set([...methods, 'OPTIONS'])].join(', ');
    router.all(path, (req, res, next) => {
      if (req.method === 'OPTIONS') {
        res.setHeader('Allow', allow);
        res.status(204).end();
        return;
      }
      next(new ApiError(405, 'method_not_allowed', `${req.method} is not allowed on ${req.path}; allowed: ${allow}`, [], { Allow: allow }));
    });
  }
  return router;
}
