// Every console input is validated like the JSON API's: for every page and action the console
// declares (its sections, enumerated here from the declarations themselves), every path parameter,
// query field and form field is sent a NUL, a lone surrogate (the UTF-8 bytes of U+D800, which no
// valid text has) and an overlong value. Each answers a 400 page in the console's own look, naming
// the field, never a 500 or a 503 that blames a dependency; and nothing is written or audited.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { consoleClient, type ConsoleClient } from '../../../test/browserless.ts';
import { startStack, type TestStack } from '../../../test/harness.ts';
import { createOperators } from '../../services/operators.ts';
import { consoleContext, consoleRoutes } from './router.ts';
import type { ConsoleRoute } from './route.ts';

let stack: TestStack;
let browser: ConsoleClient;
let routes: ConsoleRoute[];
const password = 'correct horse battery staple';

beforeAll(async () => {
  stack = await startStack();
  await createOperators(stack.api.prisma).add('hostile-olive', password, 'operator');
  browser = consoleClient(stack.api.baseUrl);
  expect((await browser.signIn('hostile-olive', password)).status).toBe(303);
  routes = consoleRoutes(consoleContext(stack.api));
});

afterAll(async () => {
  await stack?.stop();
});

/** The hostile values, as they travel in a URL or a form body (already percent-encoded). */
const hostile = {
  nul: '%00',
  'lone surrogate': '%ED%A0%80',
  overlong: 'x'.repeat(10_000),
} as const;

/**
 * The fields an object schema (or a discriminated union of them) takes, each with what else must be
 * sent for that field to be read: a union's discriminator.
 */
function fieldsOf(schema: z.ZodType | undefined): { field: string; with: Record<string, string> }[] {
  if (!schema) return [];
  const def = schema as unknown as {
    shape?: Record<string, unknown>;
    options?: z.ZodType[];
    def?: { discriminator?: string };
  };
  if (def.shape) return Object.keys(def.shape).map((field) => ({ field, with: {} }));
  const discriminator = def.def?.discriminator;
  if (!def.options || !discriminator) return [];
  return def.options.flatMap((option) => {
    const shape = (option as unknown as { shape: Record<string, { value: string }> }).shape;
    const fixed = { [discriminator]: shape[discriminator]!.value };
    return Object.keys(shape)
      .filter((f) => f !== discriminator)
      .map((field) => ({ field, with: fixed }));
  });
}

/** A path with `:name` parameters filled: `x` everywhere, `value` (encoded) for `hostileParam`. */
const pathOf = (route: ConsoleRoute, hostileParam?: string, value?: string) =>
  `/admin${route.path}`.replace(/:(\w+)/g, (_m, name: string) => (name === hostileParam ? value! : 'x'));

/** What a 400 page in the console's look says. */
function expectRefusedPage(res: { status: number; headers: Headers; text: string }, what: string, field: string) {
  expect(res.status, `${what}: ${res.text.slice(0, 300)}`).toBe(400);
  expect(res.headers.get('content-type'), what).toMatch(/^text\/html/);
  expect(res.text, what).toContain('/admin/assets/console.css');
  expect(res.text, what).toContain('Not accepted');
  if (field) expect(res.text, what).toContain(field);
}

async function auditCount(): Promise<number> {
  return stack.api.prisma.auditEntry.count();
}

describe('hostile input to the console', () => {
  it('declares the pages and actions these probes cover', () => {
    expect(routes.filter((r) => r.kind === 'page').map((r) => r.path)).toEqual([
      '/',
      '/jobs',
      '/jobs/retry',
      '/jobs/:workflowId',
      '/schedules',
      '/switches',
      '/games/:gameId/settlement',
      '/exports',
      '/exports/:exportId/download',
      '/reconciliations',
      '/reconciliations/:reconciliationId',
      '/explain',
      '/audit',
    ]);
    expect(routes.filter((r) => r.kind === 'action').length).toBe(13); // 11, and reconciliation's start and repair
  });

  it('answers a 400 page for every path parameter, query field and form field sent a NUL, a lone surrogate or an overlong value', async () => {
    const before = await auditCount();
    let probes = 0;
    for (const route of routes) {
      const params = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
      const query = route.kind === 'page' ? fieldsOf(route.query).map((f) => f.field) : [];
      const form = route.kind === 'action' ? [...fieldsOf(route.form), { field: '_key', with: {} }] : [];
      for (const [kind, value] of Object.entries(hostile)) {
        for (const param of params) {
          const path = pathOf(route, param, value);
          const what = `${route.kind === 'page' ? 'GET' : 'POST'} ${route.path} with ${kind} in :${param}`;
          const res =
            route.kind === 'page'
              ? await browser.get(path)
              : await browser.postRaw(
                  path,
                  `_csrf=${encodeURIComponent(await browser.csrf('/admin'))}&_key=${randomUUID()}`,
                );
          // A malformed path segment is refused before it is a parameter; an overlong one names it.
          expectRefusedPage(res, what, kind === 'overlong' ? param : '');
          probes++;
        }
        for (const field of query) {
          const res = await browser.get(`${pathOf(route)}?${field}=${value}`);
          expectRefusedPage(res, `GET ${route.path}?${field}= ${kind}`, kind === 'lone surrogate' ? '' : field);
          probes++;
        }
        for (const { field, with: fixed } of form) {
          const csrf = encodeURIComponent(await browser.csrf('/admin'));
          const key = field === '_key' ? value : randomUUID();
          const others = Object.entries(fixed)
            .map(([k, v]) => `&${k}=${encodeURIComponent(v)}`)
            .join('');
          const body = `_csrf=${csrf}&_key=${key}${others}${field === '_key' ? '' : `&${encodeURIComponent(field)}=${value}`}`;
          const res = await browser.postRaw(pathOf(route), body);
          expectRefusedPage(
            res,
            `POST ${route.path} with ${kind} in ${field}`,
            kind === 'lone surrogate' || field === '_key' ? '' : field,
          );
          probes++;
        }
      }
    }
    expect(probes).toBeGreaterThan(100);
    // Nothing was done, so nothing was audited (a refused action's entry is written only once it ran).
    expect(await auditCount()).toBe(before);
  }, 120_000);

  it('answers the sign-in form again with a 400 for a hostile username or password, and signs no one in', async () => {
    const visitor = consoleClient(stack.api.baseUrl);
    for (const [kind, value] of Object.entries(hostile)) {
      for (const field of ['username', 'password']) {
        const csrf = encodeURIComponent(await visitor.csrf('/admin/login'));
        const others = field === 'username' ? `password=${encodeURIComponent(password)}` : 'username=hostile-olive';
        const res = await visitor.postRaw('/admin/login', `_csrf=${csrf}&${others}&${field}=${value}`);
        expect(res.status, `${kind} in ${field}`).toBe(400);
        expect(res.text).toContain('name="password" type="password"');
        expect(res.headers.getSetCookie().some((c) => c.startsWith('fulltime.sid='))).toBe(false);
      }
    }
  });
});
