// Schemas every route family shares. Response schemas are strict (no extra properties), so the
// OpenAPI document says exactly what a client gets, and the tests that validate every response
// against it notice any field the document does not name.
import { z } from 'zod';
import { MAX_GOALS } from '../domain/settlement/scoring.ts';

/**
 * What `String.prototype.trim` removes (ECMAScript's white space and line terminators), spelled out:
 * the document's pattern is read by other regex engines (schemathesis's is Python's), whose `\s`
 * is not ECMAScript's.
 */
const WHITE_SPACE = '\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';
const NOT_BLANK = new RegExp(`[^${WHITE_SPACE}]`);

/**
 * Text of 1 to `max` characters that is not all white space, stored trimmed. One definition for the
 * server and the document: the length is checked before trimming, as the document's `maxLength`
 * counts it (zod, like JSON Schema, counts code points), and the document's pattern is this regex.
 * Trimming first let through what the document refuses (found by the fuzz pass: a line break and 200
 * letters).
 */
export function Text(max: number) {
  return z.string().min(1, { abort: true }).max(max).regex(NOT_BLANK, 'must not be empty or only white space').trim();
}

/** An ID in a path or a body: 1-200 characters. */
export const Id = Text(200);
/** An optional ID that may also be sent as null. */
export const OptionalId = Id.nullish().transform((value) => value ?? undefined);
export const Name = Text(200);
export const IsoTime = z.iso.datetime({ offset: true });
/** One side's goals in a result or a prediction. */
export const Goals = z.number().int().min(0).max(MAX_GOALS);

/**
 * An integer from a query string: digits only, with an optional minus. `z.coerce.number()` would take
 * `?offset=` as 0 and `1e3` or `0x10` as numbers, which the document (type integer) does not allow.
 */
export function QueryInt(min: number, max: number) {
  return z.preprocess(
    (value) => (typeof value === 'string' && /^-?\d{1,16}$/.test(value) ? Number(value) : value),
    z.number().int().min(min).max(max),
  );
}

export const ErrorBody = z
  .strictObject({
    error: z.strictObject({
      code: z
        .string()
        .meta({ description: 'snake_case, stable: `validation_failed`, `not_found`, `impossible_timeline`, …' }),
      message: z.string().meta({ description: 'What is wrong, for a person.' }),
      details: z.array(z.unknown()).meta({ description: 'For `validation_failed`: one `{path, message}` per field.' }),
    }),
  })
  .meta({ id: 'Error', description: 'Every error response has this body.' });

export const WorkflowRef = z.strictObject({ workflowId: z.string() }).meta({ id: 'WorkflowRef' });

/**
 * `schema` or null. For a schema with a component id, use this instead of `.nullable()`: the generator
 * renders `.nullable()` of a `$ref` as an `allOf` that null cannot satisfy; a union becomes `anyOf`.
 */
export function orNull<S extends z.ZodType>(schema: S) {
  return z.union([schema, z.null()]);
}

export const GameParams = z.object({ gameId: Id });

/** Drops keys whose value is undefined (a PATCH-style body's absent fields). */
export function definedOnly<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as never;
}

/** At least one field set (for PUT bodies where every field is optional). */
export const somethingToChange = [
  (patch: object) => Object.values(patch).some((v) => v !== undefined),
  { message: 'nothing to change' },
] as const;
