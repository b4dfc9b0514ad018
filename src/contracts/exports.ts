// The exports concern's contract: a CSV of a tournament's scoreboard or of a season's player stats,
// made by a workflow (streamed from PostgreSQL into stored chunks) and downloaded when ready.

export const exportKinds = ['tournament-scoreboard', 'player-stats'] as const;
export type ExportKind = (typeof exportKinds)[number];

export type ExportParams =
  { kind: 'tournament-scoreboard'; tournamentId: string } | { kind: 'player-stats'; season: string };

/** The export a request asks for: one run per request. */
export function exportWorkflowId(requestId: string): string {
  return `export:${requestId}`;
}

export const ExportFailureTypes = {
  /** The export row is gone: never retried. */
  unknownExport: 'UnknownExport',
} as const;

export interface ExportActivities {
  /** Streams the export's rows into CSV chunks, in one transaction; answers rows and bytes written. */
  writeExport(input: { exportId: string }): Promise<{ rows: number; bytes: number }>;
  /** Marks it failed for good, with why. */
  markExportFailed(input: { exportId: string; error: string }): Promise<void>;
}

export interface ExportWorkflows {
  exportWorkflow(input: { exportId: string }): Promise<{ rows: number; bytes: number }>;
}
