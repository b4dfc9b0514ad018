import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from '../config.ts';

type TemporalSettings = Pick<Config, 'TEMPORAL_ADDRESS' | 'TEMPORAL_API_KEY' | 'temporalTls'>;

function connectionOptions(config: TemporalSettings) {
  return {
    address: config.TEMPORAL_ADDRESS,
    tls: config.temporalTls === false ? undefined : config.temporalTls === true ? {} : config.temporalTls,
    apiKey: config.TEMPORAL_API_KEY,
  };
}

/**
 * A client whose connection is made on first use, so the API starts (and accepts writes into the
 * outbox) while Temporal is still down.
 */
export function createTemporalClient(config: TemporalSettings & Pick<Config, 'TEMPORAL_NAMESPACE'>): Client {
  const connection = Connection.lazy({ ...connectionOptions(config), connectTimeout: '3s' });
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
}

export function connectWorker(config: TemporalSettings): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(config));
}
