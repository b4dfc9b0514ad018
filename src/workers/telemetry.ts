// A worker's telemetry: the Temporal SDK's metrics (its Prometheus exporter, on a loopback port of
// its own, served again on the worker's metrics page), and traces through the workflow, its
// activities and the signals and starts they send (@temporalio/interceptors-opentelemetry).
import { createRequire } from 'node:module';
import net from 'node:net';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  type OpenTelemetrySinks,
} from '@temporalio/interceptors-opentelemetry';
import { Runtime, type InjectedSinks, type Logger as SdkLogger, type WorkerOptions } from '@temporalio/worker';
import type { Tracing } from '../telemetry/tracing.ts';

/**
 * The workflow-side interceptors, bundled with the workflow code (a bundle cannot load modules at run
 * time): `npm run build`, a worker running from sources and the tests all bundle with them. They
 * send their spans to the `exporter` sink, a no-op while the process does not trace.
 */
export const workflowInterceptorModules = [
  createRequire(import.meta.url).resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors'),
];

/** A free loopback port (for the SDK's exporter, which needs one named; a tiny race, on loopback only). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Installs the SDK runtime with its logger and its Prometheus exporter on a loopback port; answers
 * where its metrics are, for the worker's own page. Histograms stay in milliseconds, as Temporal's
 * SDK dashboards expect.
 */
export async function installRuntime(logger: SdkLogger): Promise<{ sdkMetricsUrl: string }> {
  const port = await freePort();
  Runtime.install({ logger, telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${port}` } } } });
  return { sdkMetricsUrl: `http://127.0.0.1:${port}/metrics` };
}

/** The SDK's metrics text, or an error after `timeoutMs`. */
export async function fetchSdkMetrics(url: string, timeoutMs = 2000): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`SDK metrics answered ${res.status}`);
  return res.text();
}

/** What Worker.create needs for traces: activity interceptors when tracing, and the workflows' sink always. */
export function workerTracingOptions(
  tracing: Pick<Tracing, 'enabled' | 'spanProcessor' | 'resource'>,
): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  if (!tracing.enabled || !tracing.spanProcessor || !tracing.resource) {
    const sinks: InjectedSinks<OpenTelemetrySinks> = {
      exporter: { export: { fn: () => {}, callDuringReplay: false } },
    };
    return { sinks };
  }
  return {
    interceptors: {
      activity: [
        (ctx) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
      ],
    },
    sinks: {
      exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource),
    } satisfies InjectedSinks<OpenTelemetrySinks>,
  };
}
