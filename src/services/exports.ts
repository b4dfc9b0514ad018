// CSV exports as jobs: a tournament's scoreboard or a season's player stats. The request records the
// export and its workflow in one transaction; the workflow's activity streams the rows from PostgreSQL
// through a cursor into CSV chunks of about a MiB (so a million rows never sit in memory), in one
// transaction with the status, so a download sees the whole file or none of it. Cells are RFC 4180
// and safe to open in a spreadsheet: one that starts with =, +, -, @ (or a tab or carriage return)
// is prefixed with ' (csv-stringify's escape_formulas), so it is text, never a formula.
import { randomUUID } from 'node:crypto';
import { stringify } from 'csv-stringify/sync';
import { Triggers } from '../contracts/common.ts';
import { exportWorkflowId, type ExportKind, type ExportParams } from '../contracts/exports.ts';
import { Prisma, type PrismaClient, type Tx } from '../db/client.ts';
import { ConflictError, InvalidInputError, NotFoundError } from '../domain/errors.ts';
import { workflowStart } from '../temporal/start-workflow.ts';
import type { WriteScope } from './write.ts';

/** Rows fetched from the cursor at a time; each batch becomes CSV and joins the current chunk. */
const BATCH_ROWS = 10_000;
/** A stored chunk is flushed once it holds this much. */
const CHUNK_BYTES = 1024 * 1024;

export interface ExportView {
  exportId: string;
  kind: ExportKind;
  status: 'running' | 'ready' | 'failed';
  rows?: number;
  createdAt: string;
  error?: string;
}

/** Records the export and starts its workflow with the write. */
export async function createExport(
  scope: WriteScope,
  taskQueue: string,
  params: ExportParams,
): Promise<{ exportId: string; workflowId: string }> {
  if (
    params.kind === 'tournament-scoreboard' &&
    !(await scope.tx.tournament.findUnique({ where: { id: params.tournamentId }, select: { id: true } }))
  ) {
    throw InvalidInputError.of([{ path: 'tournamentId', message: `tournament ${params.tournamentId} does not exist` }]);
  }
  const exportId = randomUUID();
  const workflowId = exportWorkflowId(scope.requestId);
  await scope.tx.export.create({
    data: { id: exportId, kind: params.kind, params, status: 'running', workflowId, requestedBy: scope.requestedBy },
  });
  await scope.enqueue(
    workflowStart('exportWorkflow', {
      workflowId,
      taskQueue,
      args: [{ exportId }],
      searchAttributes: { trigger: Triggers.admin, requestId: scope.requestId },
      memo: { requestedBy: scope.requestedBy, requestId: scope.requestId, exportId, kind: params.kind },
    }),
  );
  return { exportId, workflowId };
}

export async function getExport(prisma: PrismaClient, exportId: string): Promise<ExportView> {
  const row = await prisma.export.findUnique({ where: { id: exportId } });
  if (!row) throw new NotFoundError('export', exportId);
  return {
    exportId: row.id,
    kind: row.kind as ExportKind,
    status: row.status as ExportView['status'],
    ...(row.rows !== null ? { rows: row.rows } : {}),
    createdAt: row.createdAt.toISOString(),
    ...(row.error ? { error: row.error } : {}),
  };
}

export async function listExports(prisma: PrismaClient, limit: number): Promise<ExportView[]> {
  const rows = await prisma.export.findMany({ orderBy: { createdAt: 'desc' }, take: limit, select: { id: true } });
  return Promise.all(rows.map((r) => getExport(prisma, r.id)));
}

/** The file name a download suggests. */
export function exportFileName(view: ExportView): string {
  return `fulltime-${view.kind}-${view.exportId}.csv`;
}

/** The export, if it is ready to download (404 for none, 409 while it is not ready). */
export async function readyExport(prisma: PrismaClient, exportId: string): Promise<ExportView> {
  const view = await getExport(prisma, exportId);
  if (view.status !== 'ready')
    throw new ConflictError('export_not_ready', `export ${exportId} is ${view.status}; download it once it is ready`);
  return view;
}

/** Writes a ready export's CSV to `write`, a chunk at a time (call `readyExport` first). */
export async function streamExport(
  prisma: PrismaClient,
  exportId: string,
  write: (chunk: Uint8Array) => Promise<void>,
): Promise<void> {
  for (let seq = 0; ; seq++) {
    const chunk = await prisma.exportChunk.findUnique({
      where: { exportId_seq: { exportId, seq } },
      select: { data: true },
    });
    if (!chunk) return;
    await write(chunk.data);
  }
}

/** RFC 4180 (CRLF between records); a cell that a spreadsheet would read as a formula starts with '. */
const csvOptions = { record_delimiter: 'windows', escape_formulas: true } as const;

/** The header and the cursor query of each kind; rows come in the order they are written. */
function querySource(params: ExportParams): { header: string[]; sql: Prisma.Sql } {
  if (params.kind === 'tournament-scoreboard') {
    return {
      // The scoreboard's order and ranks (points, then exact predictions; ties share a rank and the
      // next one skips; equal rows by user ID in byte order), as the scoreboard routes give them.
      header: ['rank', 'userId', 'userName', 'points', 'exactCount'],
      sql: Prisma.sql`
        SELECT rank() OVER (ORDER BY t.points DESC, t.exact_count DESC) AS rank, t.user_id, u.name, t.points, t.exact_count
        FROM user_tournament_totals t JOIN users u ON u.id = t.user_id
        WHERE t.tournament_id = ${params.tournamentId}
        ORDER BY t.points DESC, t.exact_count DESC, t.user_id COLLATE "C"`,
    };
  }
  return {
    header: ['playerId', 'playerName', 'appearances', 'minutesPlayed', 'goals', 'assists', 'yellowCards', 'redCards'],
    sql: Prisma.sql`
      SELECT s.player_id, p.name, s.appearances, s.minutes_played, s.goals, s.assists, s.yellow_cards, s.red_cards
      FROM player_season_stats s JOIN players p ON p.id = s.player_id
      WHERE s.season = ${params.season} AND s.part = 'season'
      ORDER BY s.player_id COLLATE "C"`,
  };
}

/**
 * The activity's work: the export's rows, streamed through a cursor and stored as CSV chunks, and
 * the export marked ready, in one transaction (a retried attempt first drops what a dead one left).
 * `progress` is called after every batch (the activity heartbeats there).
 */
export async function writeExportRows(
  prisma: PrismaClient,
  exportId: string,
  progress: () => void = () => {},
): Promise<{ rows: number; bytes: number } | null> {
  return prisma.$transaction(
    async (tx: Tx) => {
      const row = await tx.export.findUnique({ where: { id: exportId } });
      if (!row) return null;
      if (row.status === 'ready') return { rows: row.rows ?? 0, bytes: Number(row.bytes ?? 0) };
      await tx.exportChunk.deleteMany({ where: { exportId } });
      const { header, sql } = querySource(row.params as ExportParams);
      let pending: Buffer[] = [Buffer.from(stringify([header], csvOptions))];
      let pendingBytes = pending[0]!.length;
      let seq = 0;
      let rows = 0;
      let bytes = 0;
      const flush = async () => {
        if (pendingBytes === 0) return;
        const data = Buffer.concat(pending);
        await tx.exportChunk.create({ data: { exportId, seq: seq++, data } });
        bytes += data.length;
        pending = [];
        pendingBytes = 0;
      };
      await tx.$executeRaw(Prisma.sql`DECLARE export_rows NO SCROLL CURSOR FOR ${sql}`);
      for (;;) {
        const batch = await tx.$queryRawUnsafe<Record<string, unknown>[]>(`FETCH ${BATCH_ROWS} FROM export_rows`);
        if (batch.length === 0) break;
        const csv = Buffer.from(
          stringify(
            batch.map((r) => Object.values(r).map((v) => (typeof v === 'bigint' ? Number(v) : v))),
            csvOptions,
          ),
        );
        pending.push(csv);
        pendingBytes += csv.length;
        rows += batch.length;
        if (pendingBytes >= CHUNK_BYTES) await flush();
        progress();
      }
      await flush();
      await tx.$executeRawUnsafe('CLOSE export_rows');
      await tx.export.update({
        where: { id: exportId },
        data: { status: 'ready', rows, bytes, finishedAt: new Date() },
      });
      return { rows, bytes };
    },
    { maxWait: 30_000, timeout: 30 * 60_000 },
  );
}

export async function markExportFailed(prisma: PrismaClient, exportId: string, error: string): Promise<void> {
  await prisma.export.updateMany({
    where: { id: exportId, status: 'running' },
    data: { status: 'failed', error, finishedAt: new Date() },
  });
}
