// Every request, measured and traced: a count and a duration by route template, method and status
// (bounded labels: the template, never the path with its IDs), and a server span that the work the
// request starts (its workflows, through the outbox) continues. The span is made here rather than by
// OpenTelemetry's http/express auto-instrumentation, which patches modules through loader hooks an
// ESM process must be started with; this names the span by the route template too.
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Request, RequestHandler } from 'express';
import { metrics } from '../telemetry/metrics.ts';
import { tracer } from '../telemetry/tracing.ts';

/** The matched route's template (`/api/games/:gameId/substitutions`), or `unmatched`. */
function routeOf(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? `${req.baseUrl}${path}` : 'unmatched';
}

export function httpTelemetry(options: { tracing: boolean }): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    const span = options.tracing
      ? tracer().startSpan(
          `${req.method}`,
          { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'url.path': req.path } },
          propagation.extract(context.active(), req.headers),
        )
      : undefined;
    res.on('finish', () => {
      const route = routeOf(req);
      const labels = { route, method: req.method, status: String(res.statusCode) };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, (performance.now() - started) / 1000);
      if (span) {
        span.updateName(`${req.method} ${route}`);
        span.setAttributes({
          'http.route': route,
          'http.response.status_code': res.statusCode,
          'fulltime.request_id': req.ctx?.requestId ?? '',
        });
        if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      }
    });
    if (!span) return next();
    context.with(trace.setSpan(context.active(), span), next);
  };
}
