// Console declarations (route.ts) into express handlers, through the machinery the JSON API uses
// (../endpoint.ts): the unstorable-text guard and the declaration's schemas first (a 400 page, never
// a 500 or a 503 that blames a dependency), the role it needs (403), then the page, or the action as
// one audited write with the form's `_key` as its Idempotency-Key. Errors go on to the console's error
// page (router.ts), in the console's own look.
import type { Request, RequestHandler, Response } from 'express';
import { sendStreamed } from '../streamed-body.ts';
import { RequestedBy } from '../../contracts/common.ts';
import { parseRequest, runDeclaredWrite, type WriteDeps } from '../endpoint.ts';
import { ApiError, parseInput } from '../errors.ts';
import { IDEMPOTENCY_KEY } from '../request-context.ts';
import { isStreamedBody } from '../route.ts';
import { toString, type Html } from './html.ts';
import type { Viewer } from './layout.ts';
import * as pages from './pages.ts';
import type { ConsoleRoute } from './route.ts';

/** Form fields the console adds to every form; not part of what an action is given. */
const FORM_GUARD_FIELDS = ['_csrf', '_key'];

// private: never kept by a shared cache; no-cache: always asked for again, except on Back, which shows
// the page as it was (no-store would reload a confirmation form with a new key: a second bulk retry).
export const sendPage = (res: Response, markup: Html, status = 200) =>
  res.status(status).type('html').set('Cache-Control', 'private, no-cache').send(toString(markup));

export interface ConsoleHandlerDeps extends WriteDeps {
  viewerOf(req: Request, res: Response): Viewer;
}

/**
 * The fields a person filled in: without the console's own (CSRF token, key), and without empty ones
 * (an HTML form sends a field left empty, or a select left at "any", as the empty string).
 */
function filledIn(fields: unknown): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries((fields ?? {}) as Record<string, unknown>).filter(
      ([name, value]) => !FORM_GUARD_FIELDS.includes(name) && value !== '',
    ),
  );
}

export function consoleHandler(route: ConsoleRoute, deps: ConsoleHandlerDeps): RequestHandler {
  if (route.kind === 'page') {
    return async (req, res) => {
      const input = parseRequest({ params: route.params }, req, res, undefined);
      input.query = route.query ? parseInput(route.query, filledIn(req.query), 'query') : undefined;
      const rendered = await route.render(input as never, deps.viewerOf(req, res));
      if (!isStreamedBody(rendered)) return void sendPage(res, rendered);
      await sendStreamed(res, rendered);
    };
  }
  return async (req, res) => {
    const viewer = deps.viewerOf(req, res);
    if (viewer.role !== route.role) {
      return void sendPage(
        res,
        pages.messagePage(viewer, 'Forbidden', 'Viewers can see everything here and change nothing. Ask an operator.'),
        403,
      );
    }
    // The guard covers every field sent, the console's own included; the schema, the action's fields.
    const input = parseRequest({ params: route.params }, req, res, req.body, 'form');
    const fields = filledIn(req.body);
    const form = route.form ? parseInput(route.form, fields, 'form') : undefined;
    const given = (req.body as Record<string, unknown> | undefined)?._key;
    if (given !== undefined && (typeof given !== 'string' || !IDEMPOTENCY_KEY.test(given))) {
      throw new ApiError(
        400,
        'invalid_idempotency_key',
        "the form's key must be 1 to 200 printable ASCII characters; reload the page and try again",
      );
    }
    const key = given ?? req.ctx.requestId;
    const who = { requestedBy: RequestedBy.operator(viewer.username), idempotencyKey: key, requestId: key };
    const actionInput = { ...input, body: form, requestId: key };
    const audit = { action: route.audit.action, target: route.audit.target(actionInput as never) };
    const { body } = await runDeclaredWrite(deps, req, who, fields, audit, async (scope) => ({
      status: 200,
      body: await route.act(actionInput as never, scope),
    }));
    const outcome = route.then(actionInput as never, body, viewer);
    if ('redirect' in outcome) res.redirect(303, outcome.redirect);
    else sendPage(res, outcome.page);
  };
}
