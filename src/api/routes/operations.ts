// Operating it: exports of scoreboards and player stats as CSV (each a workflow), and the audit log.
import { z } from 'zod';
import type { Config } from '../../config.ts';
import { exportKinds } from '../../contracts/exports.ts';
import type { PrismaClient } from '../../db/client.ts';
import { listAudit } from '../../services/audit.ts';
import { createExport, exportFileName, getExport, readyExport, streamExport } from '../../services/exports.ts';
import { readRoute, writeRoute, type Route, type StreamedBody } from '../route.ts';
import { Id, QueryInt, Text } from '../schemas.ts';

export const ExportParams = z.object({ exportId: Id });
export const ExportBody = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('tournament-scoreboard'), tournamentId: Id }),
  z.object({ kind: z.literal('player-stats'), season: Text(50) }),
]);
const ExportView = z
  .strictObject({
    exportId: z.string(),
    kind: z.enum(exportKinds),
    status: z.enum(['running', 'ready', 'failed']),
    rows: z.number().int().optional().meta({ description: 'Rows written, once ready (the header not counted).' }),
    createdAt: z.string(),
    error: z.string().optional().meta({ description: 'When failed: why.' }),
  })
  .meta({ id: 'Export' });
const AuditEntry = z
  .strictObject({
    at: z.string(),
    actor: z.string().meta({ description: '`token` or `operator:<username>`.' }),
    action: z.string().meta({
      description:
        '`job.retry`, `jobs.retry`, `job.cancel`, `schedule.pause`, `stats-switches.update`, `operator.login`, …',
    }),
    target: z.string().nullable(),
    outcome: z.enum(['succeeded', 'refused', 'failed']),
    requestId: z.string(),
  })
  .meta({ id: 'AuditEntry' });

const tags = ['Operations'];

export function operationsRoutes({ prisma, config }: { prisma: PrismaClient; config: Config }): Route[] {
  return [
    writeRoute({
      method: 'post',
      path: '/api/admin/exports',
      summary: "Export a tournament's scoreboard or a season's player stats as CSV",
      description:
        'A workflow (`export:<request id>`) streams the rows from PostgreSQL; `GET /api/admin/exports/{exportId}` says when it is ready to download.',
      tags,
      body: ExportBody,
      response: {
        status: 202,
        description: 'The export, started.',
        schema: z.strictObject({ exportId: z.string(), workflowId: z.string() }).meta({ id: 'ExportStarted' }),
      },
      audit: {
        action: 'export.create',
        target: ({ body }) =>
          body.kind === 'tournament-scoreboard'
            ? `tournament-scoreboard ${body.tournamentId}`
            : `player-stats ${body.season}`,
      },
      write: ({ body }, scope) => createExport(scope, config.taskQueues.maintenance, body),
    }),
    readRoute({
      method: 'get',
      path: '/api/admin/exports/{exportId}',
      summary: 'An export: running, ready or failed',
      tags,
      params: ExportParams,
      response: { status: 200, description: 'The export.', schema: ExportView },
      handle: ({ params }) => getExport(prisma, params.exportId),
    }),
    readRoute({
      method: 'get',
      path: '/api/admin/exports/{exportId}/download',
      summary: 'Download a ready export',
      description:
        "RFC 4180 CSV with a header row; a cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage return) is prefixed with `'`, so a spreadsheet shows it as text. 409 `export_not_ready` before it is ready.",
      tags,
      params: ExportParams,
      response: { status: 200, description: 'The CSV.', schema: z.string(), contentType: 'text/csv' },
      errors: [409],
      handle: async ({ params }): Promise<StreamedBody> => {
        const view = await readyExport(prisma, params.exportId);
        return {
          headers: {
            'Content-Type': 'text/csv; charset=utf-8',
            'Content-Disposition': `attachment; filename="${exportFileName(view)}"`,
          },
          stream: (write) => streamExport(prisma, params.exportId, write),
        };
      },
    }),
    readRoute({
      method: 'get',
      path: '/api/admin/audit',
      summary: 'The audit log',
      description: 'Every action taken through the admin API or the console, by a token or an operator, newest first.',
      tags,
      query: z.object({ limit: QueryInt(1, 500).default(50) }),
      response: {
        status: 200,
        description: 'The entries.',
        schema: z.strictObject({ entries: z.array(AuditEntry) }).meta({ id: 'AuditLog' }),
      },
      handle: async ({ query }) => ({
        entries: (await listAudit(prisma, query.limit)) as z.input<typeof AuditEntry>[],
      }),
    }),
  ];
}
