// Turns route declarations into express handlers through the shared machinery (endpoint.ts): the
// text guard and the route's schemas, then the handler (a read) or the write inside the idempotent,
// audited write scope; answers as JSON.
import { Router, type Request, type Response } from 'express';
import { parseRequest, runDeclaredWrite, type WriteDeps } from './endpoint.ts';
import { ApiError } from './errors.ts';
import { expressPath, isStreamedBody, type Route, type RouteInput } from './route.ts';
import { sendStreamed } from './streamed-body.ts';

type RouterDeps = WriteDeps;

function handlerFor(route: Route, deps: RouterDeps) {
  return async (req: Request, res: Response) => {
    const input = parseRequest(route, req, res, req.body) as RouteInput<unknown, unknown, unknown>;
    if (route.kind === 'read') {
      res.status(route.response.status);
      const body: unknown = await route.handle(input as never);
      if (isStreamedBody(body)) await sendStreamed(res, body);
      else if (route.response.contentType) res.type(route.response.contentType).send(body);
      else res.json(body);
      return;
    }
    // Every write needs the token (route.ts, requiresToken), so the guard has named who asks.
    const { requestedBy, idempotencyKey, requestId } = req.ctx;
    if (!requestedBy) throw new Error(`write ${req.method} ${req.path} reached the router unauthenticated`);
    const audit = route.audit ? { action: route.audit.action, target: route.audit.target(input as never) } : null;
    const result = await runDeclaredWrite(
      deps,
      req,
      { requestedBy, idempotencyKey, requestId },
      req.body,
      audit,
      async (scope) => ({
        status: route.response.status,
        body: await route.write(input as never, scope),
      }),
    );
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
      next(
        new ApiError(405, 'method_not_allowed', `${req.method} is not allowed on ${req.path}; allowed: ${allow}`, [], {
          Allow: allow,
        }),
      );
    });
  }
  return router;
}
