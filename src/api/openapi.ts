// The OpenAPI 3.1 document, generated from the same route declarations (and zod schemas) the router
// serves. Error answers are derived from each route's kind, so every route documents the statuses it
// can really give.
import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { requiresToken, type Route } from './route.ts';
import { ErrorBody } from './schemas.ts';

const errorDescriptions: Record<number, string> = {
  400: 'Malformed or invalid input (`validation_failed`, `malformed_json`, `body_too_deep`, `invalid_idempotency_key`); nothing was written.',
  401: 'Missing or wrong bearer token (`unauthorized`).',
  404: 'An ID in the path does not exist (`not_found`).',
  409: 'Conflicts with the current state, or the Idempotency-Key was used for a different request (`idempotency_key_reused`).',
  413: 'Body over 1 MiB (`payload_too_large`).',
  415: 'A body that is not JSON (`unsupported_media_type`): send `Content-Type: application/json`.',
  429: 'Too many failed authentication attempts from this client (`too_many_requests`); see `Retry-After`.',
  500: 'Unexpected error (`internal_error`); the X-Request-Id names it in the logs.',
  503: 'A dependency is down or too slow (`service_unavailable`): nothing was changed; retry it (with the same Idempotency-Key for a write).',
};

/** The error statuses a route can answer with: those of its kind plus the ones it declares. */
export function errorStatuses(route: Route): number[] {
  const statuses = new Set<number>([500, ...(route.errors ?? [])]);
  const hasBody = route.method !== 'get';
  if (route.params || route.query || route.body || hasBody) statuses.add(400);
  if (requiresToken(route)) {
    statuses.add(401);
    statuses.add(429); // this client failed authentication too often
  }
  if (route.params) statuses.add(404);
  if (hasBody) {
    statuses.add(413);
    statuses.add(415);
  }
  if (route.kind === 'write') statuses.add(409); // a reused Idempotency-Key
  if (!route.standalone) statuses.add(503); // a dependency down or too slow to answer
  // A route's own answer for a status (readiness's 503) is not replaced by the error body.
  for (const status of Object.keys(route.otherResponses ?? {})) statuses.delete(Number(status));
  return [...statuses].sort((a, b) => a - b);
}

const requestIdHeader = {
  'X-Request-Id': {
    description:
      'The request ID: the Idempotency-Key when one was sent, else generated. It names the workflows the request starts.',
    schema: { type: 'string' as const },
  },
};

const retryAfterHeader = {
  'Retry-After': {
    description: 'Seconds until this client may try again.',
    schema: { type: 'integer' as const, minimum: 1 },
  },
};

const IdempotencyHeaders = z.object({
  'Idempotency-Key': z.string().min(1).max(200).optional().meta({
    description:
      'The request ID (1-200 printable ASCII characters). A repeat with the same key and body answers with the first response and changes nothing; the same key with another body is 409.',
  }),
});

export function buildOpenApiDocument(routes: Route[], info: { version: string }) {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'The API_TOKEN of the deployment.',
  });

  for (const route of routes) {
    const responses: RouteConfig['responses'] = {
      [route.response.status]: {
        description: route.response.description,
        headers: requestIdHeader,
        content: { [route.response.contentType ?? 'application/json']: { schema: route.response.schema } },
      },
    };
    for (const [status, other] of Object.entries(route.otherResponses ?? {})) {
      responses[status] = {
        description: other.description,
        headers: requestIdHeader,
        content: { 'application/json': { schema: other.schema } },
      };
    }
    for (const status of errorStatuses(route)) {
      responses[status] = {
        description: errorDescriptions[status] ?? 'Error.',
        headers: status === 429 ? { ...requestIdHeader, ...retryAfterHeader } : requestIdHeader,
        content: { 'application/json': { schema: ErrorBody } },
      };
    }
    registry.registerPath({
      method: route.method,
      path: route.path,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: route.tags,
      security: requiresToken(route) ? [{ bearerAuth: [] }] : [],
      request: {
        ...(route.params ? { params: route.params as z.ZodObject } : {}),
        ...(route.query ? { query: route.query as z.ZodObject } : {}),
        ...(route.method !== 'get' ? { headers: IdempotencyHeaders } : {}),
        ...(route.body ? { body: { required: true, content: { 'application/json': { schema: route.body } } } } : {}),
      },
      responses,
    });
  }

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Fulltime API',
      version: info.version,
      description:
        "A football platform's background work as durable Temporal workflows: minutes played, stats, schedules and settlement. " +
        'Conventions (Idempotency-Key, errors, auth) are in docs/api.md of the repository.',
    },
  });
}

export type OpenApiDocument = ReturnType<typeof buildOpenApiDocument>;
