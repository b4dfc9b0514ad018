// With PostgreSQL down nothing can be made durable: writes answer 503 and readiness names what is down.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpClient, startApi, testConfig, type TestApi } from '../../test/harness.ts';

let api: TestApi;

beforeAll(async () => {
  api = await startApi(
    testConfig({
      DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/nowhere',
      REDIS_URL: 'redis://127.0.0.1:1',
      TEMPORAL_ADDRESS: '127.0.0.1:1',
    }),
  );
});

afterAll(async () => {
  await api?.close();
});

describe('dependencies down', () => {
  it('answers a write with 503 service_unavailable', async () => {
    const res = await httpClient(api.baseUrl)('POST', '/api/players', { body: { name: 'Nobody' }, key: 'db-down-1' });
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('service_unavailable');
    expect(res.headers.get('x-request-id')).toBe('db-down-1');
  });

  it('reports each dependency down in /readyz and stays live', async () => {
    const http = httpClient(api.baseUrl);
    expect((await http('GET', '/healthz')).status).toBe(200);
    const res = await http('GET', '/readyz');
    expect(res.status).toBe(503);
    expect(res.body.status).toBe('not_ready');
    expect(res.body.checks.postgres.status).toBe('down');
    expect(res.body.checks.redis.status).toBe('down');
    expect(res.body.checks.temporal.status).toBe('down');
    expect(res.body.checks.postgres.error).toEqual(expect.any(String));
  });
});
