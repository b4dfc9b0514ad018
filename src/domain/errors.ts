// Errors that services throw when a request cannot be carried out. They say what is wrong in domain
// terms; `api/errors.ts` alone decides which HTTP status each becomes.

/** One problem with one input field: `path` is dotted (`lineup.2.playerId`), empty for the whole input. */
export interface FieldIssue {
  path: string;
  message: string;
}

export abstract class DomainError extends Error {
  /** A stable snake_case code for clients (`error.code` in the HTTP body). */
  abstract readonly code: string;
  readonly details: unknown[];

  constructor(message: string, details: unknown[] = []) {
    super(message);
    this.name = new.target.name;
    this.details = details;
  }
}

/** The input is well-formed but breaks a rule that needs stored data (a player not in the lineup…). */
export class InvalidInputError extends DomainError {
  readonly code = 'validation_failed';

  constructor(message: string, issues: FieldIssue[]) {
    super(message, issues);
  }

  /** One message naming every field, from a list of issues. */
  static of(issues: FieldIssue[]): InvalidInputError {
    return new InvalidInputError(
      issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; '),
      issues,
    );
  }
}

/** The thing a request names does not exist. */
export class NotFoundError extends DomainError {
  readonly code = 'not_found';

  constructor(
    readonly entity: string,
    readonly id: string,
  ) {
    super(`${entity} ${id} does not exist`);
  }
}

/** Codes of requests refused because of the current state. */
export type ConflictCode =
  | 'impossible_timeline'
  | 'idempotency_key_reused'
  | 'provider_game_id_taken'
  | 'trigger_disabled'
  | 'game_cancelled'
  | 'game_already_started'
  | 'not_retryable'
  | 'schedule_not_created'
  | 'not_running'
  | 'export_not_ready'
  | 'operator_exists'
  | 'reconciliation_not_completed'
  | 'release_not_possible';

/** The request is valid, but the current state does not allow it. */
export class ConflictError extends DomainError {
  constructor(
    readonly code: ConflictCode,
    message: string,
    details: unknown[] = [],
  ) {
    super(message, details);
  }
}

/** The caller may not do this (a console viewer asking for a change). */
export class ForbiddenError extends DomainError {
  readonly code = 'forbidden';
}

/** A dependency the request needs (other than PostgreSQL, which the API detects itself) is down. */
export class DependencyUnavailableError extends DomainError {
  readonly code = 'service_unavailable';

  constructor(
    readonly dependency: string,
    message: string,
  ) {
    super(message);
  }
}
