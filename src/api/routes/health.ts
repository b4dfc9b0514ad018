// Liveness, readiness, and the API's own description (OpenAPI document and browsable docs).
import type { Client } from '@temporalio/client';
import swaggerUi from 'swagger-ui-express';
import { z } from 'zod';
import type { Config } from '../../config.ts';
import type { PrismaClient } from '../../db/client.ts';
import type { Redis } from '../../redis.ts';
import { checkReadiness } from '../../services/health.ts';
import { createScheduleOperations } from '../../services/schedules/operations.ts';
import { scheduleRegistry } from '../../services/schedules/registry.ts';
import { readRoute, type Route } from '../route.ts';

const Check = z.union([
  z.strictObject({ status: z.literal('up'), latencyMs: z.number() }),
  z.strictObject({ status: z.literal('down'), error: z.string() }),
]);
const Readiness = z
  .strictObject({ status: z.enum(['ready', 'not_ready']), checks: z.record(z.string(), Check) })
  .meta({ id: 'Readiness' });

const tags = ['Operations'];

export function healthRoutes(deps: { prisma: PrismaClient; redis: Redis; temporal: Client; config: Config }): Route[] {
  const schedules = createScheduleOperations(deps.temporal, scheduleRegistry(deps.config));
  return [
    readRoute({
      method: 'get',
      path: '/healthz',
      summary: 'Liveness',
      tags,
      standalone: true,
      response: { status: 200, description: 'The process runs.', schema: z.strictObject({ status: z.literal('ok') }) },
      handle: async () => ({ status: 'ok' as const }),
    }),
    readRoute({
      method: 'get',
      path: '/readyz',
      summary: 'Readiness',
      description:
        '200 only when PostgreSQL, Redis and Temporal answer (2 s each) and every registered schedule exists and has not missed a run beyond its catch-up window; 503 with the same body otherwise, naming what is down, missing or late.',
      tags,
      response: { status: 200, description: 'Every dependency answers.', schema: Readiness },
      otherResponses: { 503: { description: 'A dependency is down; `checks` names it.', schema: Readiness } },
      handle: async ({ res }) => {
        const { ready, checks } = await checkReadiness({ ...deps, scheduleHealth: () => schedules.health() });
        if (!ready) res.status(503);
        return { status: ready ? ('ready' as const) : ('not_ready' as const), checks };
      },
    }),
  ];
}

/** The OpenAPI document and Swagger UI over it (assets served from swagger-ui-dist, no CDN). */
export function docsRoutes(document: () => object): Route[] {
  // The page's asset links are relative (./swagger-ui.css); make them absolute so /docs works without
  // a trailing slash.
  const page = () =>
    swaggerUi.generateHTML(document(), { customSiteTitle: 'Fulltime API' }).replaceAll('"./', '"/docs/');
  return [
    readRoute({
      method: 'get',
      path: '/api/openapi.json',
      summary: 'This document',
      tags,
      standalone: true,
      response: {
        status: 200,
        description: 'The OpenAPI 3.1 document of every route.',
        schema: z.looseObject({ openapi: z.string() }),
      },
      handle: async () => document() as { openapi: string },
    }),
    readRoute({
      method: 'get',
      path: '/docs',
      summary: 'Browsable API docs',
      tags,
      standalone: true,
      response: {
        status: 200,
        description: 'Swagger UI over /api/openapi.json.',
        schema: z.string(),
        contentType: 'text/html',
      },
      handle: async () => page(),
    }),
  ];
}
