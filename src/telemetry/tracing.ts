// Traces, exported with OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set (protocol http/protobuf unless
// OTEL_EXPORTER_OTLP_PROTOCOL says http/json or grpc), and nothing installed at all when it is not.
// One trace spans a write's HTTP request (api/tracing.ts), the workflow start (also from the outbox
// relay, which carries the request's context in the outbox row), the workflow and its activities
// (@temporalio/interceptors-opentelemetry on the client, the worker and the workflow bundle).
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanStatusCode,
  trace,
  type Context,
  type Tracer,
} from '@opentelemetry/api';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

export interface TracingSettings {
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' | 'http/json' | 'grpc';
  OTEL_SERVICE_NAME?: string;
}

export interface Tracing {
  enabled: boolean;
  /** What workers need for workflow spans: the processor and resource of this process's provider. */
  spanProcessor: SpanProcessor | null;
  resource: Resource | null;
  /** Flushes and stops exporting (call at shutdown, after the workers stopped). */
  shutdown(): Promise<void>;
}

const DISABLED: Tracing = { enabled: false, spanProcessor: null, resource: null, shutdown: async () => {} };

function exporterFor(protocol: TracingSettings['OTEL_EXPORTER_OTLP_PROTOCOL']): SpanExporter {
  // Each reads OTEL_EXPORTER_OTLP_ENDPOINT (and _HEADERS, _TRACES_ENDPOINT) itself, as the spec says.
  if (protocol === 'grpc') return new GrpcExporter();
  if (protocol === 'http/json') return new JsonExporter();
  return new ProtobufExporter();
}

/**
 * Installs this process's tracer provider (W3C trace context, AsyncLocalStorage) when an endpoint is
 * configured. `processor` replaces the OTLP exporter (tests pass an in-memory one).
 */
export function startTracing(
  settings: TracingSettings,
  defaultServiceName: string,
  processor?: SpanProcessor,
): Tracing {
  if (!settings.OTEL_EXPORTER_OTLP_ENDPOINT && !processor) return DISABLED;
  const resource = new Resource({ 'service.name': settings.OTEL_SERVICE_NAME ?? defaultServiceName });
  const spanProcessor = processor ?? new BatchSpanProcessor(exporterFor(settings.OTEL_EXPORTER_OTLP_PROTOCOL));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  return {
    enabled: true,
    spanProcessor,
    resource,
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

export function tracer(): Tracer {
  return trace.getTracer('fulltime');
}

/** Runs `work` in a child span named `name` (a no-op span when this process does not trace). */
export function inSpan<T>(name: string, attributes: Record<string, string>, work: () => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work();
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** The active trace context as W3C headers (`traceparent`, `tracestate`), or null when there is none. */
export function currentTraceCarrier(): Record<string, string> | null {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return Object.keys(carrier).length > 0 ? carrier : null;
}

/** Runs `work` in the context a carrier holds (a stored request's), or as it is when there is none. */
export function withTraceCarrier<T>(carrier: Record<string, string> | null | undefined, work: () => T): T {
  if (!carrier) return work();
  const stored: Context = propagation.extract(ROOT_CONTEXT, carrier);
  return context.with(stored, work);
}
