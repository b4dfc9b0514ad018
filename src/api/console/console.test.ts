// The console without a browser: sign-in and sessions (cookie flags, idle expiry is the store's,
// logout kills the session, another session's cookie or token is refused), CSRF on every form, a
// viewer changing nothing, failed sign-ins limited, the security headers, HTML that cannot be
// injected into, and the JSON API unmoved by a console cookie.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleClient } from '../../../test/browserless.ts';
import { gameWithBench, startStack, testConfig, startApi, type TestStack } from '../../../test/harness.ts';
import { createOperators } from '../../services/operators.ts';

let stack: TestStack;
const password = 'correct horse battery staple';

beforeAll(async () => {
  stack = await startStack();
  const operators = createOperators(stack.api.prisma);
  await operators.add('olive', password, 'operator');
  await operators.add('victor', password, 'viewer');
});

afterAll(async () => {
  await stack?.stop();
});

describe('signing in', () => {
  it('sends a visitor to the sign-in form, and signs an operator in with a session cookie', async () => {
    const browser = consoleClient(stack.api.baseUrl);
    for (const path of ['/admin', '/admin/jobs', '/admin/audit', '/admin/games/x/settlement']) {
      const res = await browser.get(path);
      expect([res.status, res.location], path).toEqual([303, '/admin/login']);
    }
    const form = await browser.get('/admin/login');
    expect(form.status).toBe(200);
    expect(form.text).toMatch(/<form method="post" action="\/admin\/login">/);
    expect(form.text).toMatch(/name="username"/);
    expect(form.text).toMatch(/name="password" type="password"/);

    const signed = await browser.signIn('olive', password);
    expect([signed.status, signed.location]).toEqual([303, '/admin']);
    const cookie = signed.headers.getSetCookie().find((c) => c.startsWith('fulltime.sid='));
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).toMatch(/; SameSite=Strict/i);
    expect(cookie).toMatch(/; Path=\/admin/i);
    expect(cookie).toMatch(/; Expires=/i); // the idle expiry, moved on by each request
    expect(cookie).not.toMatch(/; Secure/i); // not in development or tests over http
    const overview = await browser.get('/admin');
    expect(overview.status).toBe(200);
    expect(overview.text).toContain('olive');
    // The release block: these test workers are not versioned, so the deployment has no version yet.
    expect(overview.text).toContain('No worker of deployment fulltime has polled yet.');
  });

  it('shows the form again with an error on a wrong password, and sets no session', async () => {
    const browser = consoleClient(stack.api.baseUrl);
    const failed = await browser.signIn('olive', 'not the password');
    expect(failed.status).toBe(401);
    expect(failed.text).toContain('Wrong username or password.');
    expect(failed.text).toMatch(/name="password"/);
    expect(failed.headers.getSetCookie().some((c) => c.startsWith('fulltime.sid='))).toBe(false);
    expect((await browser.get('/admin')).location).toBe('/admin/login');
  });

  it('sets the session cookie Secure in production (behind a balancer that ends TLS)', async () => {
    const production = await startApi(
      testConfig({
        NODE_ENV: 'production',
        TEMPORAL_ADDRESS: '127.0.0.1:1',
        DATABASE_URL: stack.database.url,
        SESSION_SECRET: 'a-production-session-secret',
        PROVIDER_URL: 'http://127.0.0.1:1',
        TRUST_PROXY: 'loopback',
        API_METRICS_ADDRESS: '127.0.0.1:0',
        WORKER_METRICS_ADDRESS: '127.0.0.1:0',
      }),
    );
    try {
      const signed = await consoleClient(production.baseUrl, { 'x-forwarded-proto': 'https' }).signIn(
        'olive',
        password,
      );
      expect(signed.status).toBe(303);
      expect(signed.headers.getSetCookie().find((c) => c.startsWith('fulltime.sid='))).toMatch(/; Secure/i);
    } finally {
      await production.close();
    }
  });

  it('ends the session at sign-out: the same cookie is refused after', async () => {
    const browser = consoleClient(stack.api.baseUrl);
    await browser.signIn('olive', password);
    const cookie = browser.jar.get('fulltime.sid')!;
    // The cookie is `s:<session id>.<signature>`: the session is a row of operator_sessions.
    const sid = decodeURIComponent(cookie).slice(2, decodeURIComponent(cookie).lastIndexOf('.'));
    expect(await stack.api.prisma.operatorSession.count({ where: { sid } })).toBe(1);
    const token = await browser.csrf('/admin');
    const out = await browser.post('/admin/logout', { _csrf: token });
    expect([out.status, out.location]).toEqual([303, '/admin/login']);
    expect(await stack.api.prisma.operatorSession.count({ where: { sid } })).toBe(0);
    // Replaying the old cookie by hand: the server-side session is gone.
    const replay = await fetch(`${stack.api.baseUrl}/admin`, {
      redirect: 'manual',
      headers: { cookie: `fulltime.sid=${cookie}` },
    });
    expect([replay.status, replay.headers.get('location')]).toEqual([303, '/admin/login']);
  });

  it('refuses a forged cookie, and a form token from another session', async () => {
    const forged = await fetch(`${stack.api.baseUrl}/admin`, {
      redirect: 'manual',
      headers: { cookie: 'fulltime.sid=s%3Aforged.signature' },
    });
    expect([forged.status, forged.headers.get('location')]).toEqual([303, '/admin/login']);

    const alice = consoleClient(stack.api.baseUrl);
    const bob = consoleClient(stack.api.baseUrl);
    await alice.signIn('olive', password);
    await bob.signIn('olive', password);
    const bobsToken = await bob.csrf('/admin/switches');
    // Alice's session with Bob's token (and Bob's CSRF cookie): refused.
    alice.jar.set('fulltime.csrf', bob.jar.get('fulltime.csrf')!);
    const crossed = await alice.post('/admin/switches', { _csrf: bobsToken, _key: randomUUID() });
    expect(crossed.status).toBe(403);
  });
});

describe('forms and roles', () => {
  it('refuses a POST without a valid CSRF token, and changes nothing', async () => {
    const browser = consoleClient(stack.api.baseUrl);
    await browser.signIn('olive', password);
    const before = await stack.api.prisma.statsSwitchChange.count();
    expect((await browser.post('/admin/switches', { _key: randomUUID() })).status).toBe(403);
    expect((await browser.post('/admin/switches', { _csrf: 'made-up', _key: randomUUID() })).status).toBe(403);
    expect(await stack.api.prisma.statsSwitchChange.count()).toBe(before);
  });

  it("shows a viewer every page without a single action, and refuses a viewer's POST", async () => {
    const browser = consoleClient(stack.api.baseUrl);
    await browser.signIn('victor', password);
    for (const path of [
      '/admin',
      '/admin/jobs',
      '/admin/schedules',
      '/admin/switches',
      '/admin/exports',
      '/admin/reconciliations',
      '/admin/explain',
      '/admin/audit',
    ]) {
      const res = await browser.get(path);
      expect(res.status, path).toBe(200);
      const forms = [...res.text.matchAll(/<form [^>]*method="post"[^>]*action="([^"]+)"/g)].map((m) => m[1]);
      expect(forms, path).toEqual(['/admin/logout']);
    }
    const token = await browser.csrf('/admin/switches');
    const before = await stack.api.prisma.statsSwitchChange.count();
    const refused = await browser.post('/admin/switches', { _csrf: token, _key: randomUUID(), 'triggers.cron': 'on' });
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('Viewers can see everything here and change nothing');
    expect(
      (await browser.post('/admin/schedules/stats-nightly/pause', { _csrf: token, _key: randomUUID(), note: 'no' }))
        .status,
    ).toBe(403);
    expect(await stack.api.prisma.statsSwitchChange.count()).toBe(before);
  });

  it("records an operator's actions in the audit log as operator:<username>", async () => {
    const browser = consoleClient(stack.api.baseUrl);
    await browser.signIn('olive', password);
    const token = await browser.csrf('/admin/switches');
    const on = Object.fromEntries(['post-match', 'admin', 'cron'].map((t) => [`triggers.${t}`, 'on']));
    const saved = await browser.post('/admin/switches', { _csrf: token, _key: randomUUID(), ...on }); // every aggregation off
    expect([saved.status, saved.location]).toEqual([303, '/admin/switches?done=saved']);
    const switches = (await stack.http('GET', '/api/admin/stats-switches')).body;
    expect(Object.values(switches.aggregations)).toEqual(Array(10).fill(false));
    const restore = await browser.post('/admin/switches', {
      _csrf: await browser.csrf('/admin/switches'),
      _key: randomUUID(),
      ...on,
      ...Object.fromEntries(Object.keys(switches.aggregations).map((a) => [`aggregations.${a}`, 'on'])),
    });
    expect(restore.status).toBe(303);
    const audit = (await stack.http('GET', '/api/admin/audit?limit=10')).body.entries;
    expect(audit.filter((e: { action: string }) => e.action === 'stats-switches.update').slice(0, 2)).toEqual([
      expect.objectContaining({ actor: 'operator:olive', outcome: 'succeeded' }),
      expect.objectContaining({ actor: 'operator:olive', outcome: 'succeeded' }),
    ]);
    expect(
      audit.some(
        (e: { action: string; actor: string }) => e.action === 'operator.login' && e.actor === 'operator:olive',
      ),
    ).toBe(true);
  });
});

describe('hardening', () => {
  it('sends the security headers on every console page', async () => {
    const browser = consoleClient(stack.api.baseUrl);
    for (const res of [
      await browser.get('/admin/login'),
      (await browser.signIn('olive', password), await browser.get('/admin')),
    ]) {
      const csp = res.headers.get('content-security-policy')!;
      expect(csp).toMatch(/frame-ancestors 'none'/);
      expect(csp).toMatch(/script-src 'self'(;|$)/);
      expect(csp).toMatch(/form-action 'self'/);
      expect(csp).not.toMatch(/unsafe-inline/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('same-origin');
      expect(res.headers.get('cache-control')).toBe('private, no-cache');
      expect(res.text).not.toMatch(/<script>|<script [^>]*>[^<]|style="/); // no inline script or style at all
    }
  });

  it('shows an HTML-looking team name as text on every page that shows it', async () => {
    const evil = '<img src=x onerror="alert(1)"><script>alert(2)</script>';
    const { gameId } = await gameWithBench(stack.http, { homeTeam: evil, awayTeam: 'Away & Co' });
    const browser = consoleClient(stack.api.baseUrl);
    await browser.signIn('olive', password);
    const settlement = await browser.get(`/admin/games/${gameId}/settlement`);
    expect(settlement.status).toBe(200);
    expect(settlement.text).toContain(
      '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;',
    );
    expect(settlement.text).toContain('Away &amp; Co');
    expect(settlement.text).not.toContain('<img src=x');
    expect(settlement.text).not.toContain('<script>alert');
  });

  it('never lets a console session authorise the JSON API, and takes only JSON bodies there', async () => {
    const browser = consoleClient(stack.api.baseUrl);
    await browser.signIn('olive', password);
    const cookies = [...browser.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const run = await fetch(`${stack.api.baseUrl}/api/admin/stats-jobs`, {
      method: 'POST',
      headers: { cookie: cookies, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(run.status).toBe(401);
    // What a cross-site form can send is refused before it reaches a route.
    const plain = await stack.http('POST', '/api/players', {
      rawBody: '{"name":"x"}',
      headers: { 'content-type': 'text/plain' },
    });
    expect([plain.status, plain.body.error.code]).toEqual([415, 'unsupported_media_type']);
    const form = await stack.http('POST', '/api/players', {
      rawBody: 'name=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
  });

  it('limits failed sign-ins per username: 20 wrong passwords end in 429, and sign no one in', async () => {
    // An API of its own (its own counters), so the limit this test reaches blocks no other test.
    const limited = await startApi(
      testConfig({
        TEMPORAL_ADDRESS: '127.0.0.1:1',
        DATABASE_URL: stack.database.url,
        REDIS_KEY_PREFIX: `${stack.config.REDIS_KEY_PREFIX}login-limit:${randomUUID()}:`,
      }),
    );
    try {
      const browser = consoleClient(limited.baseUrl);
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push((await browser.signIn('olive', `wrong ${i}`)).status);
      expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
      expect(statuses.slice(10)).toEqual(Array(10).fill(429));
      // Blocked means blocked: the right password too, until the block ends.
      const right = await browser.signIn('olive', password);
      expect(right.status).toBe(429);
      expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(right.headers.getSetCookie().some((c) => c.startsWith('fulltime.sid='))).toBe(false);
    } finally {
      await limited.close();
    }
  });
});
