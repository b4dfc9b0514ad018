// Turns route declarations into express handlers: validate params, query and body with the route's
// schemas, then run the handler (a read) or the write inside the idempotent write scope.
import { Router, type Request, type RequestHandler } from 'express';
import type { WriteRequest, WriteRunner } from '../services/write.ts';
import { parseInput } from './errors.ts';
import { requestFingerprint } from './request-context.ts';
import { expressPath, type Route, type RouteInput } from './route.ts';

function writeRequestOf(req: Request): WriteRequest {
  return {
    requestId: req.ctx.requestId,
    idempotencyKey: req.ctx.idempotencyKey,
    fingerprint: requestFingerprint(req),
    method: req.method,
    path: req.originalUrl,
  };
}

function handlerFor(route: Route, runWrite: WriteRunner): RequestHandler {
  return async (req, res) => {
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
      const body = await route.handle(input as never);
      if (route.response.contentType) res.type(route.response.contentType).send(body);
      else res.json(body);
      return;
    }
    const result = await runWrite(writeRequestOf(req), async (scope) => ({
      status: route.response.status,
      body: await route.write(input as never, scope),
    }));
    if (result.replayed) res.setHeader('Idempotent-Replayed', 'true');
    res.status(result.status).json(result.body);
  };
}

export function createRouter(routes: Route[], runWrite: WriteRunner): Router {
  const router = Router();
  for (const route of routes) router[route.method](expressPath(route.path), handlerFor(route, runWrite));
  return router;
}
