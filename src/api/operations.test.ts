// The operating API end to end: job counts, retrying every failed job of a filter (once per request),
// canceling and terminating running jobs, a game's verification decisions, the audit log, and CSV
// exports as workflows (a 50,000-user scoreboard with the scoreboard API's rows and ranks, and cells
// a spreadsheet cannot run). Its own database: jobs and boards are counted whole.
import { randomUUID } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gameWithBench, postCreated, startStack, waitFor, type TestStack } from '../../test/harness.ts';

let stack: TestStack;
let http: TestStack['http'];

beforeAll(async () => {
  stack = await startStack();
  http = stack.http;
});

afterAll(async () => {
  await stack?.stop();
});

async function closedJob(workflowId: string) {
  return waitFor(
    async () => {
      const res = await http('GET', `/api/admin/jobs/${encodeURIComponent(workflowId)}`);
      return res.status === 200 && res.body.status !== 'running' ? res.body : null;
    },
    60_000,
    `job ${workflowId} to close`,
  );
}

/**
 * A game whose stored events are impossible (a starter brought on again, written past the API's
 * checks, as an import would), and the failed recalculation a red card then starts.
 */
async function gameWithFailedRecalculation(): Promise<{ gameId: string; badSubstitution: string; workflowId: string }> {
  const { gameId, starter, bench } = await gameWithBench(http);
  // After its first report (which would otherwise be the run that meets the bad data).
  await waitFor(
    async () => (await http('GET', `/api/games/${gameId}/report`)).body.status === 'calculated',
    30_000,
    'the first report',
  );
  const badSubstitution = randomUUID();
  await stack.api.prisma.substitution.create({
    data: { id: badSubstitution, gameId, minute: 10, playerOutId: bench, playerInId: starter },
  });
  const card = await postCreated(http, `/api/games/${gameId}/disciplinary-actions`, {
    playerId: starter,
    cardType: 'red',
    minute: 80,
  });
  const job = await closedJob(card.recalculation.workflowId);
  // A live game's recalculation: priority 2 (contracts/priorities.ts), after settlement's 1.
  expect(job).toMatchObject({ status: 'failed', priority: 2, error: { type: 'InvalidTimeline' } });
  return { gameId, badSubstitution, workflowId: card.recalculation.workflowId };
}

describe('jobs', () => {
  it('counts jobs by type and status', async () => {
    const failed = await gameWithFailedRecalculation();
    const res = await http('GET', '/api/admin/jobs/counts');
    expect(res.status).toBe(200);
    expect(Date.now() - Date.parse(res.body.since)).toBeGreaterThan(23 * 3600_000);
    expect(Object.keys(res.body.counts).sort()).toEqual([
      'export',
      'match-verification',
      'minutes-recalculation',
      'reconciliation',
      'reconciliation-repair',
      'scoreboard-rebuild',
      'settlement',
      'stats',
    ]);
    expect(res.body.counts['minutes-recalculation'].failed).toBeGreaterThanOrEqual(1);
    expect(res.body.counts['minutes-recalculation'].completed).toBeGreaterThanOrEqual(1); // the game's first report
    expect(Object.keys(res.body.counts.stats).sort()).toEqual([
      'canceled',
      'completed',
      'failed',
      'running',
      'terminated',
      'timed_out',
    ]);
    const later = await http(
      'GET',
      `/api/admin/jobs/counts?since=${encodeURIComponent(new Date(Date.now() + 3600_000).toISOString())}`,
    );
    expect(later.body.counts['minutes-recalculation'].failed).toBe(0);
    const page = await http('GET', `/api/admin/jobs?gameId=${failed.gameId}&limit=1`);
    expect(page.body.jobs).toHaveLength(1);
    expect(page.body.jobs[0].priority).toEqual(expect.any(Number));
    expect(page.body.nextPageToken).toEqual(expect.any(String));
    const next = await http(
      'GET',
      `/api/admin/jobs?gameId=${failed.gameId}&limit=1&pageToken=${page.body.nextPageToken}`,
    );
    expect(next.body.jobs).toHaveLength(1);
    expect(next.body.jobs[0].workflowId).not.toBe(page.body.jobs[0].workflowId);
    expect((await http('GET', '/api/admin/jobs?pageToken=not-a-token')).status).toBe(400);
    expect(
      (
        await http(
          'GET',
          `/api/admin/jobs?pageToken=${page.body.nextPageToken.replace(/^./, (c: string) => (c === 'A' ? 'B' : 'A'))}`,
        )
      ).status,
    ).toBe(400); // tampered
    expect((await http('GET', `/api/admin/jobs?type=stats&pageToken=${page.body.nextPageToken}`)).status).toBe(400); // another filter's
  });

  it('retries every failed job of a filter, up to max, and a repeat of the request retries nothing more', async () => {
    const trigger = 'disciplinary-action.created';
    // Failed from now on: another test's failures stay out of the count.
    const since = new Date().toISOString();
    const failures = await Promise.all([
      gameWithFailedRecalculation(),
      gameWithFailedRecalculation(),
      gameWithFailedRecalculation(),
    ]);
    // The data is mended; now the runs can succeed.
    await stack.api.prisma.substitution.deleteMany({ where: { id: { in: failures.map((f) => f.badSubstitution) } } });
    const filter = { type: 'minutes-recalculation', status: 'failed', trigger, gameId: failures[0]!.gameId };
    const one = await http('POST', '/api/admin/jobs/retry', {
      body: { ...filter, max: 5 },
      key: `bulk-one-${randomUUID()}`,
    });
    expect(one.status).toBe(202);
    expect(one.body).toEqual({
      matched: 1,
      retried: [
        {
          workflowId: failures[0]!.workflowId,
          newWorkflowId: expect.stringContaining(`${failures[0]!.workflowId}:retry:`),
        },
      ],
    });

    const key = `bulk-${randomUUID()}`;
    const body = { type: 'minutes-recalculation', status: 'failed', trigger, since, max: 2 };
    const first = await http('POST', '/api/admin/jobs/retry', { body, key });
    expect(first.status).toBe(202);
    expect(first.body.matched).toBe(3); // the first game's failed run is still failed: its retry is a new run
    expect(first.body.retried).toHaveLength(2);
    const again = await http('POST', '/api/admin/jobs/retry', { body, key });
    expect([again.status, again.body]).toEqual([202, first.body]);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    for (const { newWorkflowId } of [...one.body.retried, ...first.body.retried]) {
      expect(await closedJob(newWorkflowId)).toMatchObject({ status: 'completed', requestedBy: 'token' });
    }
    const retries = await Promise.all(
      failures.map(async (f) =>
        (await http('GET', `/api/admin/jobs?gameId=${f.gameId}&status=completed&limit=100`)).body.jobs.filter(
          (j: { workflowId: string }) => j.workflowId.includes(':retry:'),
        ),
      ),
    );
    expect(
      retries
        .flat()
        .map((j: { workflowId: string }) => j.workflowId)
        .sort(),
    ).toEqual([...one.body.retried, ...first.body.retried].map((r) => r.newWorkflowId).sort());
    expect((await http('POST', '/api/admin/jobs/retry', { body: { status: 'failed', max: 501 } })).status).toBe(400);
    expect((await http('POST', '/api/admin/jobs/retry', { body: { status: 'running', max: 5 } })).status).toBe(400);
  });

  it('cancels and terminates a running job, and refuses either once it is not running', async () => {
    const holder = new pg.Client({ connectionString: stack.config.DATABASE_URL });
    await holder.connect();
    try {
      const { gameId, starter } = await gameWithBench(http);
      await waitFor(
        async () => (await http('GET', `/api/games/${gameId}/report`)).body.status === 'calculated',
        30_000,
        'the first report',
      );
      // Hold the game's report row: its next recalculations wait for the lock, running, until released.
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM game_reports WHERE game_id = $1 FOR UPDATE', [gameId]);
      const toTerminate = await postCreated(http, `/api/games/${gameId}/disciplinary-actions`, {
        playerId: starter,
        cardType: 'red',
        minute: 80,
      });
      const toCancel = await http('PUT', `/api/games/${gameId}/disciplinary-actions/${toTerminate.action.id}`, {
        body: { minute: 85 },
      });
      for (const id of [toTerminate.recalculation.workflowId, toCancel.body.recalculation.workflowId]) {
        await waitFor(
          async () => (await http('GET', `/api/admin/jobs/${encodeURIComponent(id)}`)).body.status === 'running',
          30_000,
          `${id} to run`,
        );
      }
      const terminated = await http(
        'POST',
        `/api/admin/jobs/${encodeURIComponent(toTerminate.recalculation.workflowId)}/terminate`,
        { body: { reason: 'stuck on a lock (test)' } },
      );
      expect(terminated.status).toBe(202);
      expect(terminated.body).toEqual({ workflowId: toTerminate.recalculation.workflowId, runId: expect.any(String) });
      expect(await closedJob(toTerminate.recalculation.workflowId)).toMatchObject({ status: 'terminated' });
      const again = await http(
        'POST',
        `/api/admin/jobs/${encodeURIComponent(toTerminate.recalculation.workflowId)}/terminate`,
        { body: { reason: 'twice' } },
      );
      expect([again.status, again.body.error.code]).toEqual([409, 'not_running']);

      const canceled = await http(
        'POST',
        `/api/admin/jobs/${encodeURIComponent(toCancel.body.recalculation.workflowId)}/cancel`,
        { body: { reason: 'not needed (test)' } },
      );
      expect(canceled.status).toBe(202);
      await holder.query('ROLLBACK');
      const closed = await closedJob(toCancel.body.recalculation.workflowId);
      expect(['canceled', 'completed']).toContain(closed.status); // canceled, unless its transaction finished first
      expect(
        (
          await http('POST', `/api/admin/jobs/${encodeURIComponent(toCancel.body.recalculation.workflowId)}/cancel`, {
            body: { reason: 'twice' },
          })
        ).status,
      ).toBe(409);
      expect((await http('POST', '/api/admin/jobs/no-such-job/cancel', { body: { reason: 'x' } })).status).toBe(404);
      expect(
        (
          await http('POST', `/api/admin/jobs/${encodeURIComponent(toCancel.body.recalculation.workflowId)}/cancel`, {
            body: {},
          })
        ).status,
      ).toBe(400);

      // Each action, refused ones included, is in the audit log with who asked.
      const audit = (await http('GET', '/api/admin/audit?limit=20')).body.entries as {
        action: string;
        target: string;
        outcome: string;
        actor: string;
      }[];
      expect(audit).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            action: 'job.terminate',
            target: toTerminate.recalculation.workflowId,
            outcome: 'succeeded',
            actor: 'token',
          }),
          expect.objectContaining({
            action: 'job.terminate',
            target: toTerminate.recalculation.workflowId,
            outcome: 'refused',
            actor: 'token',
          }),
          expect.objectContaining({ action: 'job.cancel', target: 'no-such-job', outcome: 'refused' }),
        ]),
      );
    } finally {
      await holder.query('ROLLBACK').catch(() => {});
      await holder.end();
    }
  });
});

describe('verification decisions', () => {
  it("lists a game's decisions newest first, and 404s an unknown game", async () => {
    const { gameId } = await gameWithBench(http);
    expect((await http('GET', `/api/games/${gameId}/verifications`)).body).toEqual({ decisions: [] });
    const rows = [
      {
        runWorkflowId: 'scheduled:match-verification-1',
        decision: 'retry',
        reason: 'provider unavailable: timeout',
        providerStatus: null,
        decidedAt: new Date('2026-11-01T10:00:00Z'),
      },
      {
        runWorkflowId: 'scheduled:match-verification-2',
        decision: 'noop',
        reason: 'the provider reports the game live',
        providerStatus: 'live',
        decidedAt: new Date('2026-11-01T10:05:00Z'),
      },
      {
        runWorkflowId: 'scheduled:match-verification-3',
        decision: 'ended',
        reason: 'the provider reports it ended 2-1',
        providerStatus: 'ended',
        decidedAt: new Date('2026-11-01T10:10:00Z'),
      },
    ];
    await stack.api.prisma.verificationDecision.createMany({ data: rows.map((r) => ({ ...r, gameId })) });
    const res = await http('GET', `/api/games/${gameId}/verifications?limit=2`, { token: null });
    expect(res.body.decisions).toEqual([
      {
        at: '2026-11-01T10:10:00.000Z',
        decision: 'ended',
        reason: 'the provider reports it ended 2-1',
        providerStatus: 'ended',
      },
      {
        at: '2026-11-01T10:05:00.000Z',
        decision: 'noop',
        reason: 'the provider reports the game live',
        providerStatus: 'live',
      },
    ]);
    expect((await http('GET', '/api/games/ghost/verifications')).status).toBe(404);
  });
});

describe('exports', () => {
  it("exports a 50,000-user scoreboard with the scoreboard API's rows and ranks, and no cell a spreadsheet would run", async () => {
    const tournament = await postCreated(http, '/api/tournaments', { name: 'Export Cup' });
    const db = new pg.Client({ connectionString: stack.config.DATABASE_URL });
    await db.connect();
    const hostile = ['=HYPERLINK("http://evil.example","click")', '+SUM(A1:A2)', '-2+3', '@cmd', 'Ada, "the" Lovelace'];
    try {
      // 50,000 users with settled predictions: points 0-59 and exact 0-4 by a fixed rule (many ties),
      // five of them with names that look like formulas or need quoting.
      await db.query(
        `INSERT INTO users (id, name) SELECT 'exp-' || lpad(i::text, 5, '0'), 'user ' || i FROM generate_series(1, 50000) i`,
      );
      for (const [i, name] of hostile.entries())
        await db.query('UPDATE users SET name = $1 WHERE id = $2', [name, `exp-${String(i + 1).padStart(5, '0')}`]);
      await db.query(
        `INSERT INTO user_tournament_totals (tournament_id, user_id, points, exact_count, settled_predictions, version)
         SELECT $1, 'exp-' || lpad(i::text, 5, '0'), (i * 7919) % 60, ((i::bigint * 104729) % 5)::int, 1, 1 FROM generate_series(1, 50000) i`,
        [tournament.id],
      );
      await db.query('UPDATE tournaments SET scoreboard_version = 1, scoreboard_users = 50000 WHERE id = $1', [
        tournament.id,
      ]);
    } finally {
      await db.end();
    }

    const started = await http('POST', '/api/admin/exports', {
      body: { kind: 'tournament-scoreboard', tournamentId: tournament.id },
    });
    expect(started.status).toBe(202);
    expect(started.body.workflowId).toMatch(/^export:/);
    const ready = await waitFor(
      async () => {
        const res = await http('GET', `/api/admin/exports/${started.body.exportId}`);
        return res.body.status === 'ready' ? res.body : null;
      },
      120_000,
      'the export',
    );
    expect(ready).toMatchObject({ exportId: started.body.exportId, kind: 'tournament-scoreboard', rows: 50_000 });

    const download = await fetch(`${stack.api.baseUrl}/api/admin/exports/${started.body.exportId}/download`, {
      headers: { authorization: `Bearer ${stack.config.API_TOKEN}` },
    });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(download.headers.get('content-disposition')).toMatch(
      /^attachment; filename="fulltime-tournament-scoreboard-.*\.csv"$/,
    );
    const rows = parse(await download.text(), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(50_000);
    expect(Object.keys(rows[0]!)).toEqual(['rank', 'userId', 'userName', 'points', 'exactCount']);

    // The same rows and ranks as the scoreboard API, page by page.
    const fromApi: { rank: number; userId: string; points: number; exactCount: number }[] = [];
    for (let offset = 0; offset < 50_000; offset += 500)
      fromApi.push(
        ...(
          await http('GET', `/api/tournaments/${tournament.id}/scoreboard?limit=500&offset=${offset}`, { token: null })
        ).body.entries,
      );
    expect(
      rows.map((r) => ({
        rank: Number(r.rank),
        userId: r.userId,
        points: Number(r.points),
        exactCount: Number(r.exactCount),
      })),
    ).toEqual(fromApi);

    // Formulas come out as text; quoting survives the round trip.
    const nameOf = (n: number) => rows.find((r) => r.userId === `exp-${String(n).padStart(5, '0')}`)!.userName;
    expect([1, 2, 3, 4].map(nameOf)).toEqual(hostile.slice(0, 4).map((h) => `'${h}`));
    expect(nameOf(5)).toBe('Ada, "the" Lovelace');
    expect(nameOf(6)).toBe('user 6');
  }, 180_000);

  it('answers 409 while an export is not ready, 404 for none, and refuses an unknown tournament', async () => {
    const exportId = randomUUID();
    await stack.api.prisma.export.create({
      data: {
        id: exportId,
        kind: 'player-stats',
        params: { kind: 'player-stats', season: '2026' },
        status: 'running',
        workflowId: `export:${exportId}`,
        requestedBy: 'token',
      },
    });
    const early = await http('GET', `/api/admin/exports/${exportId}/download`, { validate: false });
    expect([early.status, early.body.error.code]).toEqual([409, 'export_not_ready']);
    expect((await http('GET', `/api/admin/exports/${randomUUID()}`)).status).toBe(404);
    const unknown = await http('POST', '/api/admin/exports', {
      body: { kind: 'tournament-scoreboard', tournamentId: 'ghost' },
    });
    expect(unknown.status).toBe(400);
    expect((await http('POST', '/api/admin/exports', { body: { kind: 'everything' } })).status).toBe(400);
    // A season's player stats: a header and the season's rows (none here).
    const stats = await http('POST', '/api/admin/exports', { body: { kind: 'player-stats', season: '1999' } });
    const ready = await waitFor(
      async () =>
        (await http('GET', `/api/admin/exports/${stats.body.exportId}`)).body.status === 'ready' ? true : null,
      60_000,
      'the stats export',
    );
    expect(ready).toBe(true);
    const csv = await (
      await fetch(`${stack.api.baseUrl}/api/admin/exports/${stats.body.exportId}/download`, {
        headers: { authorization: `Bearer ${stack.config.API_TOKEN}` },
      })
    ).text();
    expect(csv).toBe('playerId,playerName,appearances,minutesPlayed,goals,assists,yellowCards,redCards\r\n'); // RFC 4180: CRLF after every record
  });
});
