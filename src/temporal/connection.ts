import {
  Client,
  Connection,
  defaultGrpcRetryOptions,
  makeGrpcRetryInterceptor,
  type ConnectionOptions,
} from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from '../config.ts';

type TemporalSettings = Pick<Config, 'temporalConnection'>;

/**
 * A client whose connection is made on first use, so the API starts (and accepts writes into the
 * outbox) while Temporal is still down.
 *
 * `grpcRetries: false` drops the SDK's in-process gRPC retries: the API retries failed workflow starts
 * durably through the outbox relay, and a readiness probe should report, not retry. (The SDK's retry
 * timers also outlive a closed connection and then throw.)
 */
export function createTemporalClient(
  config: TemporalSettings & Pick<Config, 'TEMPORAL_NAMESPACE'>,
  options: { grpcRetries?: boolean; callTimeoutMs?: number; tracing?: boolean } = {},
): Client {
  const interceptors: GrpcInterceptor[] = [
    ...(options.grpcRetries === false ? [] : [makeGrpcRetryInterceptor(defaultGrpcRetryOptions())]),
    ...(options.callTimeoutMs ? [defaultDeadline(options.callTimeoutMs)] : []),
  ];
  const connection = Connection.lazy({ ...config.temporalConnection, connectTimeout: '3s', interceptors });
  // Traced: a workflow start, signal or query is a span, and carries the trace into the workflow.
  const workflow = options.tracing ? [new OpenTelemetryWorkflowClientInterceptor()] : [];
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, interceptors: { workflow } });
}

type GrpcInterceptor = NonNullable<ConnectionOptions['interceptors']>[number];

/**
 * Gives every call without a deadline (`connection.withDeadline`) one `ms` away. Without it a call to
 * a server that accepted the connection but stopped answering waits forever.
 */
function defaultDeadline(ms: number): GrpcInterceptor {
  return (options, nextCall) =>
    nextCall(
      options.deadline === undefined ? { ...options, deadline: Date.now() + ms } : options,
    ) as ReturnType<GrpcInterceptor>;
}

export function connectWorker(config: TemporalSettings): Promise<NativeConnection> {
  return NativeConnection.connect(config.temporalConnection);
}
