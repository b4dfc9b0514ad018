// The one machinery every HTTP entry point goes through, the JSON API's routes (router.ts) and the
// console's pages and actions (console/handler.ts) alike: the unstorable-text guard over path
// parameters, query and body, then the declaration's zod schemas; and a write as one transaction with
// its Idempotency-Key record and outbox rows, audited when it is an admin action. Two renderers (JSON,
// HTML pages) sit on top.
import type { Request, Response } from 'express';
import type { z } from 'zod';
import type { RequestedBy } from '../contracts/common.ts';
import type { PrismaClient } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import type { WriteResponse, WriteRunner, WriteScope } from '../services/write.ts';
import { auditedWrite, type AuditedAction } from './audited-write.ts';
import { ApiError, parseInput } from './errors.ts';
import { fingerprintOf } from './request-context.ts';
import { findUnstorableText } from './text-input.ts';

type Schema = z.ZodType;

/** What a declaration says about its input. */
export interface InputSchemas {
  params?: Schema;
  query?: Schema;
  body?: Schema;
}

/** What a handler receives: validated params, query and body (form fields, for the console). */
export interface EndpointInput<P = unknown, Q = unknown, B = unknown> {
  params: P;
  query: Q;
  body: B;
  /** The request ID (Idempotency-Key or generated); names the workflows the request starts. */
  requestId: string;
  req: Request;
  /** For the rare handler that answers with a status other than the declared success (readiness). */
  res: Response;
}

/** Refuses text that cannot be stored (see text-input.ts), naming where it is. */
function refuseUnstorableText(sources: [string, unknown][]): void {
  for (const [where, value] of sources) {
    const found = findUnstorableText(value);
    if (found)
      throw new ApiError(
        400,
        'validation_failed',
        `invalid ${where}: ${found.path ? `${found.path}: ` : ''}${found.message}`,
        [found],
      );
  }
}

/**
 * The request's input, guarded and validated against the declaration: a 400 (ApiError) naming every
 * problem otherwise. `body` is the parsed body: JSON for the API, the form's fields for the console.
 */
export function parseRequest(
  schemas: InputSchemas,
  req: Request,
  res: Response,
  body: unknown,
  bodyName = 'request body',
): EndpointInput {
  refuseUnstorableText([
    ['path parameters', req.params],
    ['query', req.query],
    [bodyName, body],
  ]);
  return {
    params: schemas.params ? parseInput(schemas.params, req.params, 'path parameters') : undefined,
    query: schemas.query ? parseInput(schemas.query, req.query, 'query') : undefined,
    body: schemas.body ? parseInput(schemas.body, body, bodyName) : undefined,
    requestId: req.ctx.requestId,
    req,
    res,
  };
}

export interface WriteDeps {
  runWrite: WriteRunner;
  /** Where refused or failed admin actions are recorded (outside the write's rolled-back transaction). */
  prisma: PrismaClient;
  logger: Logger;
}

/**
 * Runs a declared write for `requestedBy`: one transaction with its Idempotency-Key record (a repeat
 * with the same key and body replays the first answer; another body is 409) and its outbox rows,
 * audited when `audit` is given. `body` is what makes two requests the same.
 */
export function runDeclaredWrite(
  deps: WriteDeps,
  req: Request,
  who: { requestedBy: RequestedBy; idempotencyKey: string | null; requestId: string },
  body: unknown,
  audit: AuditedAction | null,
  work: (scope: WriteScope) => Promise<WriteResponse>,
): Promise<WriteResponse & { replayed: boolean }> {
  const request = { ...who, fingerprint: fingerprintOf(req, body), method: req.method, path: req.originalUrl };
  return auditedWrite(deps, request, audit, work);
}
