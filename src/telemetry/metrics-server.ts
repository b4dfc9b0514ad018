// The metrics listener: Prometheus text at /metrics and a health check at /healthz, on an address of
// its own (API_METRICS_ADDRESS, WORKER_METRICS_ADDRESS), never on the public port.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger.ts';

export interface MetricsServer {
  /** Where it listens (the port chosen when the address said 0). */
  address: string;
  close(): Promise<void>;
}

/** `host:port` -> its parts (IPv6 hosts in brackets: `[::]:9464`). */
export function parseAddress(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  return { host: address.slice(0, at).replace(/^\[(.*)\]$/, '$1'), port: Number(address.slice(at + 1)) };
}

export async function startMetricsServer(options: {
  address: string;
  registries: Registry[];
  /** More Prometheus text for the same page (the Temporal SDK's metrics); left out when it fails. */
  extra?: () => Promise<string>;
  /** 200 while this holds, 503 otherwise (a worker: while it polls its queues). */
  healthy?: () => boolean;
  logger: Logger;
}): Promise<MetricsServer> {
  const { host, port } = parseAddress(options.address);
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    } else if (path === '/healthz') {
      const ok = options.healthy?.() ?? true;
      res
        .writeHead(ok ? 200 : 503, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ status: ok ? 'ok' : 'not_polling' }));
    } else if (path === '/metrics') {
      void page(options).then(
        (text) => res.writeHead(200, { 'Content-Type': options.registries[0]!.contentType }).end(text),
        (err: unknown) => {
          options.logger.warn({ err }, 'could not render metrics');
          res.writeHead(500).end();
        },
      );
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Once listening, a failure of the listener is logged; it must not end the process it reports on.
  server.on('error', (err) => options.logger.warn({ err }, 'metrics listener error'));
  const bound = server.address() as AddressInfo;
  const address = `${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`;
  options.logger.info({ metricsAddress: address }, `metrics on http://${address}/metrics`);
  return {
    address,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function page(options: { registries: Registry[]; extra?: () => Promise<string> }): Promise<string> {
  const [own, extra] = await Promise.all([
    Promise.all(options.registries.map((r) => r.metrics())),
    options.extra ? options.extra().catch(() => '') : Promise.resolve(''),
  ]);
  return [...own, extra].filter((text) => text.length > 0).join('\n');
}
