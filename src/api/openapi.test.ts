// The OpenAPI document and the router are built from the same declarations; these tests hold them to
// it from the outside: every route express serves is documented, every documented operation is
// served, and the document and its browsable page are served.
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpClient, startApi, testConfig, type TestApi } from '../../test/harness.ts';
import { apiRoutes, createApp } from './app.ts';

let api: TestApi;
let http: ReturnType<typeof httpClient>;

beforeAll(async () => {
  // No Temporal needed: nothing here starts a workflow.
  api = await startApi(testConfig({ TEMPORAL_ADDRESS: '127.0.0.1:1' }));
  http = httpClient(api.baseUrl);
});

afterAll(async () => {
  await api?.close();
});

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** `METHOD /path` for every route express would dispatch, in any router mounted on the app. */
function expressRoutes(app: Express): string[] {
  const found: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const [method, on] of Object.entries(layer.route.methods))
          if (on && method !== '_all') found.push(`${method.toUpperCase()} ${layer.route.path}`);
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return found.sort();
}

function documentedOperations(document: { paths: Record<string, Record<string, unknown>> }): string[] {
  return Object.entries(document.paths)
    .flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    )
    .sort();
}

describe('OpenAPI document', () => {
  it('documents exactly the routes express serves', async () => {
    const deps = {
      config: api.config,
      prisma: api.prisma,
      redis: api.redis,
      temporal: api.temporal,
      starter: api.starter,
      logger: undefined as never,
      sessions: api.sessions,
    };
    // The console's pages (mounted at /admin) are HTML for people, not part of the JSON API's document.
    const served = expressRoutes(createApp(deps)).filter((op) => /^[A-Z]+ \/(api\/|healthz$|readyz$|docs$)/.test(op));
    const res = await http('GET', '/api/openapi.json', { token: null });
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(documentedOperations(res.body)).toEqual(served);
    // The document the app serves is the one built from its route declarations.
    expect(res.body).toEqual(JSON.parse(JSON.stringify(apiRoutes(deps).document)));
  });

  it('serves every documented operation (no "no route" 404 for any of them)', async () => {
    const { body: document } = await http('GET', '/api/openapi.json');
    const operations = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, ops]) =>
        Object.keys(ops).map((method) => ({
          method: method.toUpperCase(),
          path: path.replace(/\{\w+\}/g, 'no-such-id'),
        })),
    );
    expect(operations.length).toBeGreaterThan(10);
    for (const { method, path } of operations) {
      const res = await http(method, path, { body: method === 'GET' ? undefined : {} });
      const message = String(res.body?.error?.message ?? '');
      expect(message, `${method} ${path}`).not.toMatch(/^no route for/);
    }
  });

  it('documents auth, the error body and the Idempotency-Key on writes', async () => {
    const { body: document } = await http('GET', '/api/openapi.json');
    const post = document.paths['/api/games/{gameId}/substitutions'].post;
    expect(post.security).toEqual([{ bearerAuth: [] }]);
    expect(post.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`).sort()).toEqual([
      'header:Idempotency-Key',
      'path:gameId',
    ]);
    expect(Object.keys(post.responses).sort()).toEqual([
      '201',
      '400',
      '401',
      '404',
      '409',
      '413',
      '415',
      '429',
      '500',
      '503',
    ]);
    expect(post.responses['409'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
    const report = document.paths['/api/games/{gameId}/report'].get;
    expect(report.security).toEqual([]);
    expect(Object.keys(report.responses).sort()).toEqual(['200', '400', '404', '500', '503']);
    // Only what answers from the process alone never depends on PostgreSQL, Redis or Temporal.
    expect(Object.keys(document.paths['/healthz'].get.responses).sort()).toEqual(['200', '500']);
    // Query integers are documented as integers (validated as digits, not coerced).
    const offset = document.paths['/api/stats/power-ratings'].get.parameters.find(
      (p: { name: string }) => p.name === 'offset',
    );
    expect(offset.schema).toMatchObject({ type: 'integer', minimum: 0 });
    expect(document.paths['/readyz'].get.responses['503'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/Readiness',
    });
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('renders browsable docs at /docs with their assets served locally', async () => {
    const page = await http('GET', '/docs', { token: null });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const assets = [...String(page.body).matchAll(/(?:src|href)="(\/docs\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets).toEqual(
      expect.arrayContaining(['/docs/swagger-ui-bundle.js', '/docs/swagger-ui.css', '/docs/swagger-ui-init.js']),
    );
    for (const asset of assets) {
      const res = await fetch(`${api.baseUrl}${asset}`);
      expect(res.status, asset).toBe(200);
    }
    const init = await (await fetch(`${api.baseUrl}/docs/swagger-ui-init.js`)).text();
    expect(init).toContain('"/api/games/{gameId}/report"'); // the document itself is inlined
  });
});
