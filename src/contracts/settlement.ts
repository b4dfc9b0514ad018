// The settlement concern's contract: settling a result, projecting and rebuilding scoreboards, match
// verification; their workflow IDs, activities and failure types.

/** The settlement of one result of one game: a flood of repeats of that result settles once. */
export function settlementWorkflowId(gameId: string, resultHash: string): string {
  return `settle:${gameId}:${resultHash}`;
}

/** A rebuild an operator asked for (its own run per request), or a reader's (one per version). */
export function scoreboardRebuildWorkflowId(
  tournamentId: string,
  by: { requestId: string } | { version: number },
): string {
  return 'requestId' in by
    ? `scoreboard-rebuild:${tournamentId}:request:${by.requestId}`
    : `scoreboard-rebuild:${tournamentId}:v${by.version}`;
}

/** The projection a request that changed a league's members starts. */
export function scoreboardProjectionWorkflowId(tournamentId: string, requestId: string): string {
  return `scoreboard-project:${tournamentId}:${requestId}`;
}

/** ApplicationFailure types of settlement. */
export const SettlementFailureTypes = {
  /** The game or its result does not exist: never retried. */
  unknownResult: 'UnknownResult',
} as const;

export interface SettlementInput {
  gameId: string;
  resultHash: string;
}

export type SettlementOutcome =
  /** The result was applied now. */
  | { outcome: 'applied'; tournamentId: string | null; version: number | null; predictionsSettled: number }
  /** Its ledger row already existed: applied (or skipped) before. Nothing changed now. */
  | { outcome: 'already'; tournamentId: string | null; status: string; predictionsSettled: number }
  /** A newer result of the game arrived first; its settlement applies that one. */
  | { outcome: 'skipped'; tournamentId: string | null };

/** How long a phase took, for operators and benchmarks. */
export interface Timed {
  durationMs: number;
}

export interface ProjectionResult {
  /** The version Redis reflected before (-1: none, so it was rebuilt). */
  from: number;
  version: number;
  users: number;
  rebuilt: boolean;
}

export interface RebuildResult {
  version: number;
  users: number;
  leagues: number;
  /** False when Redis already reflected a newer version (the new boards were dropped). */
  swapped: boolean;
}

export type VerificationDecision = 'noop' | 'retry' | 'ended';
export type DecisionCounts = Record<VerificationDecision, number>;

export interface SettlementActivities {
  /** Applies one result of one game, exactly once; an unknown game or result fails with `UnknownResult`. */
  applySettlement(input: SettlementInput): Promise<SettlementOutcome & Timed>;
  /** Catches the tournament's Redis boards up with PostgreSQL. */
  projectScoreboard(input: { tournamentId: string }): Promise<ProjectionResult & Timed>;
  /** Rebuilds the tournament's Redis boards from PostgreSQL and swaps them in. */
  rebuildScoreboard(input: { tournamentId: string }): Promise<RebuildResult & Timed>;
  recordSettlementFailure(input: SettlementInput & { error: string }): Promise<void>;
  /** Records the verification run and answers the games to ask the provider about. */
  findVerificationCandidates(input: { workflowId: string }): Promise<string[]>;
  verifyGames(input: { runWorkflowId: string; gameIds: string[] }): Promise<DecisionCounts>;
  recordVerificationRun(input: { workflowId: string; decisions: DecisionCounts }): Promise<void>;
}

export type SettledGame = SettlementOutcome &
  Timed & { projection: (ProjectionResult & Timed) | { error: string } | null };

export interface SettlementWorkflows {
  settleGameWorkflow(input: SettlementInput): Promise<SettledGame>;
  projectScoreboardWorkflow(input: { tournamentId: string }): Promise<ProjectionResult & Timed>;
  rebuildScoreboardWorkflow(input: { tournamentId: string }): Promise<RebuildResult & Timed>;
  matchVerificationWorkflow(): Promise<{ candidates: number; decisions: DecisionCounts }>;
}
