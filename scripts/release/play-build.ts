// One build under check: its own database (migrated with the build's own migrations), Temporal dev
// server and Redis key prefix; its worker and API processes run from the build's tree; the recording
// seeded and played through its HTTP API; then, once everything the writes started has finished, its
// derived numbers (snapshot.ts) and how fast it got there.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import type { Config } from '../../src/config.ts';
import { applyMigrations, dropDatabase, ensureDatabase, readMigrations } from '../../src/db/migrate.ts';
import { createRedis, deleteKeysUnder } from '../../src/redis.ts';
import { freePort } from '../../src/workers/telemetry.ts';
import { startBenchTemporal, startProcess, type BenchProcess } from '../../bench/stack.ts';
import { seedTables, type Recording, type RecordedWrite } from './recording.ts';
import { takeSnapshot, type Snapshot } from './snapshot.ts';

export interface Build {
  /** `baseline` or `candidate`: names its database and Redis prefix. */
  role: 'baseline' | 'candidate';
  /** What it is, for people: a git ref and commit, or "this checkout". */
  label: string;
  /** The tree its processes run from. */
  dir: string;
}

export interface BuildOutcome {
  snapshot: Snapshot;
  /** Each write's answer (status code) in recording order: a build that refuses differently differs. */
  answers: Record<string, number>;
  latency: { resultToSettledP95Ms: number | null; lastEventToFreshReportP99Ms: number | null };
  playMs: number;
  settleMs: number;
}

const QUIET_TIMEOUT_MS = 10 * 60_000;

export async function playBuild(
  build: Build,
  recording: Recording,
  base: Config,
  say: (line: string) => void,
): Promise<BuildOutcome> {
  const databaseUrl = new URL(base.DATABASE_URL);
  databaseUrl.pathname = `/fulltime_release_check_${build.role}`;
  const url = databaseUrl.toString();
  await dropDatabase(url);
  await ensureDatabase(url);
  await applyMigrations(url, { migrations: readMigrations(path.join(build.dir, 'prisma/migrations')) });
  const db = new pg.Pool({ connectionString: url, max: 4 });
  db.on('error', () => {});
  const prefix = `fulltime:release-check:${build.role}:${randomUUID().slice(0, 8)}:`;
  const redis = createRedis(base.REDIS_URL, prefix);
  redis.on('error', () => {});
  const temporal = await startBenchTemporal();
  const processes: BenchProcess[] = [];
  try {
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      NODE_ENV: 'development',
      DATABASE_URL: url,
      REDIS_URL: base.REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: 'default',
      API_TOKEN: base.API_TOKEN,
      PORT: String(port),
      PROVIDER_URL: base.PROVIDER_URL,
      API_METRICS_ADDRESS: '127.0.0.1:0',
      WORKER_METRICS_ADDRESS: '127.0.0.1:0',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
    };
    const worker = startProcess(`${build.role}:worker`, 'src/workers/worker.ts', [], env, build.dir);
    processes.push(worker);
    const api = startProcess(`${build.role}:api`, 'src/api/server.ts', [], env, build.dir);
    processes.push(api);
    await Promise.all([
      worker.line((e) => e.msg === 'worker started', 180_000),
      api.line((e) => typeof e.metricsAddress === 'string', 180_000),
    ]);
    const baseUrl = `http://127.0.0.1:${port}`;
    say(`${build.role} (${build.label}): stack up; seeding and playing ${recording.timeline.length} writes`);

    // The inputs that exist before play, as rows (ids as recorded), then every write through the API.
    await seedRecording(db, recording);
    const started = performance.now();
    const answers: Record<string, number> = {};
    for (const [n, { write }] of recording.timeline.entries()) {
      answers[`${n} ${write.kind} game=${write.gameId}`] = await send(
        baseUrl,
        base.API_TOKEN,
        write,
        `release-check:${n}`,
      );
    }
    const playMs = performance.now() - started;
    await quiet(db, temporal.client);
    const settleMs = performance.now() - started - playMs;
    say(`${build.role}: played in ${Math.round(playMs)} ms, settled ${Math.round(settleMs)} ms later`);
    return { snapshot: await takeSnapshot(db, redis), answers, latency: await latency(db), playMs, settleMs };
  } finally {
    await Promise.allSettled(processes.map((p) => p.stop()));
    await temporal.teardown().catch(() => undefined);
    redis.disconnect();
    await deleteKeysUnder(base.REDIS_URL, prefix).catch(() => 0);
    await db.end();
    await dropDatabase(url).catch(() => undefined);
  }
}

/** Inserts the rows that exist before play (ids as recorded; a member joins at scoreboard version 0). */
export async function seedRecording(db: pg.Pool, recording: Recording): Promise<void> {
  for (const table of Object.keys(seedTables) as (keyof typeof seedTables)[]) {
    const rows = recording.seed.filter((s) => s.table === table).map((s) => s.row);
    const columns = seedTables[table].join(', ');
    const [extra, extraValue] = table === 'league_members' ? [', version', ', 0'] : ['', ''];
    for (let i = 0; i < rows.length; i += 5000) {
      await db.query(
        `INSERT INTO ${table} (${columns}${extra}) SELECT ${columns}${extraValue} FROM jsonb_populate_recordset(null::${table}, $1::jsonb)`,
        [JSON.stringify(rows.slice(i, i + 5000))],
      );
    }
  }
}

/** One write as a client makes it; answers the status (a refusal is an answer too, compared). */
async function send(baseUrl: string, token: string, write: RecordedWrite, key: string): Promise<number> {
  const game = `${baseUrl}/api/games/${encodeURIComponent(write.gameId)}`;
  const [url, body] =
    write.kind === 'substitution'
      ? [
          `${game}/substitutions`,
          { minute: write.minute, playerOutId: write.playerOutId, playerInId: write.playerInId },
        ]
      : write.kind === 'card'
        ? [`${game}/disciplinary-actions`, { playerId: write.playerId, cardType: write.cardType, minute: write.minute }]
        : write.kind === 'goal'
          ? [
              `${game}/goals`,
              {
                scorerId: write.scorerId,
                ...(write.assistId ? { assistId: write.assistId } : {}),
                minute: write.minute,
                ownGoal: write.ownGoal,
              },
            ]
          : [`${game}/result`, { homeGoals: write.homeGoals, awayGoals: write.awayGoals }];
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': key },
      body: JSON.stringify(body),
    });
    await res.arrayBuffer();
    // A 503 is the stack not ready for a moment: the same key again, as a client would.
    if (res.status !== 503 || attempt >= 20) return res.status;
    await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
  }
}

/**
 * Waits until everything the writes started has finished: no workflow start waiting in the outbox,
 * every report calculated at its game's events version (or found invalid there), every game's latest
 * result in the ledger, and no run open on Temporal but the stats coordinators (which idle) — twice
 * in a row, a second apart, so a run started by the last one to finish is seen.
 */
async function quiet(db: pg.Pool, client: import('@temporalio/client').Client): Promise<void> {
  const deadline = Date.now() + QUIET_TIMEOUT_MS;
  let streak = 0;
  for (;;) {
    const { rows } = await db.query<{ outbox: string; stale: string; unsettled: string }>(`
      SELECT (SELECT count(*) FROM workflow_outbox WHERE dispatched_at IS NULL) AS outbox,
             (SELECT count(*) FROM games g LEFT JOIN game_reports r ON r.game_id = g.id
               WHERE g.events_version > 0 AND coalesce(r.checked_version, -1) <> g.events_version) AS stale,
             (SELECT count(*) FROM (SELECT DISTINCT ON (game_id) game_id, result_hash FROM game_results
                ORDER BY game_id, id DESC) latest
               WHERE NOT EXISTS (SELECT 1 FROM match_settlement_ledger l
                  WHERE l.game_id = latest.game_id AND l.result_hash = latest.result_hash)) AS unsettled`);
    const { count: open } = await client.workflow.count(
      'ExecutionStatus = "Running" AND WorkflowType != "statsCoordinatorWorkflow"',
    );
    const row = rows[0]!;
    streak = Number(row.outbox) + Number(row.stale) + Number(row.unsettled) + open === 0 ? streak + 1 : 0;
    if (streak >= 2) return;
    if (Date.now() > deadline) {
      throw new Error(`not settled within ${QUIET_TIMEOUT_MS / 1000} s: ${JSON.stringify({ ...row, open })}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** From the build's own timestamps: a result to its ledger entry (p95), a game's last event to its fresh report (p99). */
async function latency(db: pg.Pool): Promise<BuildOutcome['latency']> {
  const { rows } = await db.query<{ settled: number | null; fresh: number | null }>(`
    SELECT (SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM l.applied_at - r.created_at) * 1000)
              FROM game_results r JOIN match_settlement_ledger l USING (game_id, result_hash)) AS settled,
           (SELECT percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM r.calculated_at - e.last) * 1000)
              FROM game_reports r JOIN (
                SELECT game_id, max(created_at) AS last FROM (
                  SELECT game_id, created_at FROM substitutions UNION ALL
                  SELECT game_id, created_at FROM disciplinary_actions UNION ALL
                  SELECT game_id, created_at FROM goals) ev GROUP BY game_id) e USING (game_id)
             WHERE r.calculated_at IS NOT NULL) AS fresh`);
  const round = (v: number | null) => (v === null ? null : Math.round(Number(v)));
  return { resultToSettledP95Ms: round(rows[0]!.settled), lastEventToFreshReportP99Ms: round(rows[0]!.fresh) };
}
