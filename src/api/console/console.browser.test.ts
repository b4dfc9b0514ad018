// The console in a real browser (Debian's chromium, driven by playwright-core): an operator finds a
// failed recalculation by its game and retries it, pauses a schedule with a note (and the pinned CLI
// sees it paused), retries three failed runs in one go (and a second submission retries nothing
// more); a viewer finds no action; signing out kills the session. It also takes the screenshots in
// docs/console.md (into docs/console/ with CONSOLE_SCREENSHOTS=1, else a scratch folder).
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gameWithBench, postCreated, projectRoot, startStack, waitFor, type TestStack } from '../../../test/harness.ts';
import { scheduleRegistry } from '../../services/schedules/registry.ts';
import { syncSchedules } from '../../services/schedules/sync.ts';
import { createOperators } from '../../services/operators.ts';
import { temporalCliPath } from '../../temporal/binaries.ts';

let stack: TestStack;
let browser: Browser;
const password = 'a long and secret password';
const shots = process.env.CONSOLE_SCREENSHOTS
  ? path.join(projectRoot, 'docs', 'console')
  : fs.mkdtempSync(path.join(os.tmpdir(), 'fulltime-console-'));

beforeAll(async () => {
  stack = await startStack({ TEMPORAL_UI_URL: 'http://localhost:8233' });
  await syncSchedules(stack.env.client, scheduleRegistry(stack.config));
  const operators = createOperators(stack.api.prisma);
  await operators.add('olive', password, 'operator');
  await operators.add('victor', password, 'viewer');
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    // Headless as root on a machine with no network beyond loopback.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function signIn(username: string): Promise<Page> {
  const context = await browser.newContext({ baseURL: stack.api.baseUrl, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto('/admin');
  await expect.poll(() => page.url()).toMatch(/\/admin\/login$/);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/admin$/);
  return page;
}

/** Reloads the page until `text` shows in `selector` (a run finishing); the page itself does this every 10 s. */
async function reloadUntil(page: Page, selector: string, text: string): Promise<void> {
  await waitFor(
    async () => {
      await page.reload();
      return (await page.locator(selector).first().textContent())?.includes(text) ?? false;
    },
    60_000,
    `${selector} to say ${text}`,
  );
}

/** A game whose recalculation failed on stored events that are impossible, then mended so a retry succeeds. */
async function failedRecalculation(write: 'substitution' | 'card'): Promise<{ gameId: string; workflowId: string }> {
  const { gameId, starter, bench } = await gameWithBench(stack.http);
  await waitFor(
    async () => (await stack.http('GET', `/api/games/${gameId}/report`)).body.status === 'calculated',
    30_000,
    'the first report',
  );
  const bad = randomUUID();
  await stack.api.prisma.substitution.create({
    data: { id: bad, gameId, minute: 10, playerOutId: bench, playerInId: starter },
  });
  const written =
    write === 'card'
      ? await postCreated(stack.http, `/api/games/${gameId}/disciplinary-actions`, {
          playerId: starter,
          cardType: 'red',
          minute: 80,
        })
      : await postCreated(stack.http, `/api/games/${gameId}/substitutions`, {
          minute: 70,
          playerOutId: starter,
          playerInId: bench,
        });
  const workflowId = written.recalculation.workflowId as string;
  await waitFor(
    async () => (await stack.http('GET', `/api/admin/jobs/${encodeURIComponent(workflowId)}`)).body.status === 'failed',
    30_000,
    'the recalculation to fail',
  );
  await stack.api.prisma.$transaction([
    stack.api.prisma.substitution.delete({ where: { id: bad } }),
    stack.api.prisma.game.update({ where: { id: gameId }, data: { eventsVersion: { increment: 1 } } }),
  ]);
  return { gameId, workflowId };
}

describe('the console in a browser', () => {
  it('lets an operator find a failed recalculation by its game, retry it, and follow the new run to completed', async () => {
    const { gameId, workflowId } = await failedRecalculation('substitution');
    const page = await signIn('olive');
    await page.screenshot({ path: path.join(shots, 'overview.png'), fullPage: true });

    await page.click('nav >> text=Jobs');
    await page.fill('input[name=gameId]', gameId);
    await page.selectOption('select[name=status]', 'failed');
    await page.click('form.filters button[type=submit]');
    await expect.poll(() => page.locator('table a', { hasText: workflowId }).count()).toBe(1);
    await page.screenshot({ path: path.join(shots, 'jobs.png'), fullPage: true });

    await page.click(`table a:has-text("${workflowId}")`);
    await expect.poll(() => page.locator('h2', { hasText: 'Error' }).textContent()).toContain('InvalidTimeline');
    await expect
      .poll(() => page.locator('a', { hasText: 'open in the Temporal Web UI' }).getAttribute('href'))
      .toMatch(/^http:\/\/localhost:8233\/namespaces\/default\/workflows\//);
    await page.click('button:has-text("Retry")');
    await page.waitForURL(/\/admin\/jobs\/.+%3Aretry%3A.+\?done=retried$/);
    await expect.poll(() => page.locator('.notice').textContent()).toContain('Retried: this is the new run.');
    await expect.poll(() => page.locator('a', { hasText: workflowId }).count()).toBeGreaterThan(0); // "Retry of" links back
    await reloadUntil(page, 'td .status', 'completed');
    await page.context().close();
  });

  it('pauses a schedule with a note, which the pinned CLI then sees', async () => {
    const page = await signIn('olive');
    await page.click('nav >> text=Schedules');
    const card = page.locator('section.card', { has: page.locator('h2', { hasText: 'stats-nightly' }) });
    await card.locator('input[name=note]').fill('stats database migration INC-42');
    await card.locator('button:has-text("Pause")').click();
    await page.waitForURL(/\/admin\/schedules\?done=paused$/);
    await expect
      .poll(() =>
        page
          .locator('section.card', { has: page.locator('h2', { hasText: 'stats-nightly' }) })
          .locator('h2 .status')
          .textContent(),
      )
      .toBe('paused');

    const described = spawnSync(
      temporalCliPath() ?? 'temporal',
      ['schedule', 'describe', '--schedule-id', 'stats-nightly', '--address', stack.env.address, '-o', 'json'],
      { encoding: 'utf8' },
    );
    expect(described.status, described.stderr).toBe(0);
    const schedule = JSON.parse(described.stdout) as { schedule: { state: { paused?: boolean; notes?: string } } };
    expect(schedule.schedule.state).toMatchObject({ paused: true, notes: 'stats database migration INC-42' });

    await page
      .locator('section.card', { has: page.locator('h2', { hasText: 'stats-nightly' }) })
      .locator('button:has-text("Unpause")')
      .click();
    await page.waitForURL(/done=unpaused$/);
    const audit = (await stack.http('GET', '/api/admin/audit?limit=10')).body.entries as {
      action: string;
      actor: string;
      target: string;
    }[];
    expect(audit.filter((e) => e.target === 'stats-nightly').map((e) => `${e.action} ${e.actor}`)).toEqual([
      'schedule.unpause operator:olive',
      'schedule.pause operator:olive',
    ]);
    await page.context().close();
  });

  it('retries three failed runs in one go, and a second submission of the same form retries nothing more', async () => {
    const failures = await Promise.all([
      failedRecalculation('card'),
      failedRecalculation('card'),
      failedRecalculation('card'),
    ]);
    const page = await signIn('olive');
    await page.goto('/admin/jobs?type=minutes-recalculation&status=failed&trigger=disciplinary-action.created');
    await page.click('a:has-text("Retry every failed job matching this filter")');
    await expect.poll(() => page.locator('main p').first().innerText()).toMatch(/^3 failed job\(s\) match/);
    await page.click('button:has-text("Retry 3 job(s)")');
    await expect.poll(() => page.locator('.notice').textContent()).toBe('3 of 3 matching job(s) retried.');
    const retried = await page.locator('table tr td:nth-child(2) a').allTextContents();
    expect(retried).toHaveLength(3);
    expect(retried.map((id) => id.split(':retry:')[0]).sort()).toEqual(failures.map((f) => f.workflowId).sort());

    // The same form again (back, submit): the same answer, no new run.
    await page.goBack();
    await page.click('button:has-text("Retry 3 job(s)")');
    await expect.poll(() => page.locator('.notice').textContent()).toBe('3 of 3 matching job(s) retried.');
    expect((await page.locator('table tr td:nth-child(2) a').allTextContents()).sort()).toEqual([...retried].sort());
    for (const id of retried) {
      await waitFor(
        async () => (await stack.http('GET', `/api/admin/jobs/${encodeURIComponent(id)}`)).body.status === 'completed',
        60_000,
        `${id} to complete`,
      );
    }
    for (const { gameId } of failures) {
      const runs = (await stack.http('GET', `/api/admin/jobs?gameId=${gameId}&limit=50`)).body.jobs as {
        workflowId: string;
      }[];
      expect(runs.filter((r) => r.workflowId.includes(':retry:'))).toHaveLength(1);
    }
    await page.context().close();
  });

  it("follows a game's settlement, and shows it the way the screenshot does", async () => {
    const tournament = await postCreated(stack.http, '/api/tournaments', { name: 'Screenshot Cup' });
    const users = await Promise.all(
      ['ann', 'bob', 'cat'].map((name) => postCreated(stack.http, '/api/users', { name })),
    );
    const { gameId } = await gameWithBench(stack.http, {
      homeTeam: 'Ajax',
      awayTeam: 'PSV',
      kickoffAt: new Date(Date.now() + 3600_000).toISOString(),
      tournamentId: tournament.id,
    });
    for (const [i, [h, a]] of (
      [
        [2, 1],
        [1, 0],
        [0, 0],
      ] as const
    ).entries())
      await postCreated(stack.http, `/api/games/${gameId}/predictions`, {
        userId: users[i].id,
        homeGoals: h,
        awayGoals: a,
      });
    await stack.http('POST', `/api/games/${gameId}/result`, { body: { homeGoals: 2, awayGoals: 1 } });
    await waitFor(
      async () => (await stack.http('GET', `/api/games/${gameId}/settlement`)).body.status === 'applied',
      60_000,
      'the settlement',
    );
    const page = await signIn('olive');
    await page.goto(`/admin/games/${gameId}/settlement`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Ajax – PSV');
    await expect
      .poll(() => page.locator('tr', { hasText: 'Predictions settled' }).locator('td').textContent())
      .toBe('3');
    await expect
      .poll(() => page.locator('tr', { hasText: 'Scoreboard of Screenshot Cup' }).locator('td').textContent())
      .toMatch(/version 1 in PostgreSQL, 1 in Redis/);
    await page.screenshot({ path: path.join(shots, 'settlement.png'), fullPage: true });
    await page.context().close();
  });

  it('finds a total off by seven, explains it, and repairs it', async () => {
    // Tournament with one game, 2-0, and one user who predicted 1-0: the right outcome, 1 point.
    const tournament = await postCreated(stack.http, '/api/tournaments', { name: 'Drift Cup' });
    const user = await postCreated(stack.http, '/api/users', { name: 'Rosa' });
    const game = await postCreated(stack.http, '/api/games', {
      homeTeam: 'Home',
      awayTeam: 'Away',
      kickoffAt: '2031-05-01T18:00:00Z',
      tournamentId: tournament.id,
    });
    await stack.http('POST', `/api/games/${game.id}/predictions`, {
      body: { userId: user.id, homeGoals: 1, awayGoals: 0 },
    });
    await stack.http('POST', `/api/games/${game.id}/result`, { body: { homeGoals: 2, awayGoals: 0 } });
    await waitFor(
      async () =>
        (await stack.http('GET', `/api/tournaments/${tournament.id}/users/${user.id}/rank`)).body.points === 1,
      60_000,
      'the settlement',
    );
    await stack.api.prisma.userTournamentTotal.update({
      where: { tournamentId_userId: { tournamentId: tournament.id, userId: user.id } },
      data: { points: 8 },
    });

    const page = await signIn('olive');
    await page.click('nav >> text=Reconciliations');
    await page.fill('form[action="/admin/reconciliations"] input[name=tournamentId]', tournament.id);
    await page.check('input[name=checks][value=totals]');
    await page.click('button:has-text("Reconcile")');
    await page.waitForURL(/\/admin\/reconciliations\/[^/?]+/);
    await reloadUntil(page, 'h1', 'completed');
    expect(await page.locator('table tr', { hasText: 'totals' }).first().innerText()).toMatch(/totals\s+1\s+1/);
    await page.screenshot({ path: path.join(shots, 'reconciliation.png'), fullPage: true });

    await page.click('main table a:has-text("Explain")');
    await expect.poll(() => page.locator('main h2').first().innerText()).toContain(`User ${user.id}`);
    expect(await page.locator('main p').nth(0).innerText()).toMatch(/^8 points, 0 exact/);
    expect(await page.locator('main table tr', { hasText: 'Home – Away' }).innerText()).toMatch(
      /1-0\s+2-0.*outcome\s+1/s,
    );
    await page.goBack();

    await page.click('button:has-text("Repair every mismatch")');
    await expect.poll(() => page.locator('.notice').textContent()).toContain('Repair started');
    await waitFor(
      async () =>
        (await stack.http('GET', `/api/tournaments/${tournament.id}/users/${user.id}/rank`)).body.points === 1,
      60_000,
      'the repair',
    );
    const audit = await stack.http('GET', '/api/admin/audit?limit=20');
    expect(
      audit.body.entries
        .filter((e: { actor: string; action: string }) => e.actor === 'operator:olive')
        .map((e: { action: string }) => e.action),
    ).toEqual(expect.arrayContaining(['reconciliation.start', 'reconciliation.repair']));
    await page.context().close();
  });

  it('shows a viewer no action anywhere', async () => {
    const { workflowId } = await failedRecalculation('substitution');
    const page = await signIn('victor');
    for (const where of [
      '/admin',
      '/admin/jobs',
      `/admin/jobs/${encodeURIComponent(workflowId)}`,
      '/admin/schedules',
      '/admin/switches',
      '/admin/exports',
      '/admin/reconciliations',
      '/admin/explain',
    ]) {
      await page.goto(where);
      expect(await page.locator('main form[method=post]').count(), where).toBe(0);
    }
    await page.context().close();
  });

  it('ends the session on sign-out: its cookie opens nothing after', async () => {
    const page = await signIn('olive');
    const [session] = (await page.context().cookies()).filter((c) => c.name === 'fulltime.sid');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/admin' });
    await page.click('button:has-text("Sign out")');
    await page.waitForURL(/\/admin\/login$/);
    await page.goto('/admin/jobs');
    expect(page.url()).toMatch(/\/admin\/login$/);
    // The old cookie, put back by hand: the server-side session is gone.
    await page.context().addCookies([session!]);
    await page.goto('/admin/jobs');
    expect(page.url()).toMatch(/\/admin\/login$/);
    await page.context().close();
  });
});
