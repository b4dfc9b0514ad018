// A real Prometheus (the Debian package's server, installed by the set-up) scraping a test stack every
// second, with the project's alert rules loaded, for tests that check metrics as an operator sees them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../src/workers/telemetry.ts';
import { projectRoot, runProcess, testConfig, waitFor, type RunningProcess } from './harness.ts';

export interface TestPrometheus {
  url: string;
  /** An instant query's result vector. */
  query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  /** The first result's value, or null when the query gives nothing. */
  value(promql: string): Promise<number | null>;
  stop(): Promise<void>;
}

/** Starts Prometheus scraping `targets` (job name -> `host:port` list), with deploy/prometheus/alerts.yml. */
export async function startPrometheus(targets: Record<string, string[]>): Promise<TestPrometheus> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fulltime-prometheus-'));
  fs.writeFileSync(
    path.join(dir, 'prometheus.yml'),
    stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s', scrape_timeout: '900ms' },
      rule_files: [path.join(projectRoot, 'deploy', 'prometheus', 'alerts.yml')],
      scrape_configs: Object.entries(targets).map(([job, addresses]) => ({
        job_name: job,
        static_configs: [{ targets: addresses }],
      })),
    }),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server: RunningProcess = runProcess(
    'prometheus',
    [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    testConfig(),
  );
  await waitFor(
    async () => (await fetch(`${url}/-/ready`)).ok,
    30_000,
    `Prometheus to be ready (${server.output().slice(-500)})`,
  );

  async function query(promql: string) {
    const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await res.json()) as {
      status: string;
      error?: string;
      data: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    if (body.status !== 'success') throw new Error(`${promql}: ${body.error}`);
    return body.data.result;
  }
  return {
    url,
    query,
    async value(promql) {
      const [first] = await query(promql);
      return first ? Number(first.value[1]) : null;
    },
    async stop() {
      server.child.kill('SIGTERM');
      await Promise.race([server.exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      server.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The metrics address a worker process printed in its "worker started" line. */
export function workerMetricsAddress(output: string): string | null {
  for (const line of output.split('\n')) {
    if (!line.includes('"worker started"')) continue;
    const address = (JSON.parse(line) as { metricsAddress?: string }).metricsAddress;
    if (address) return address;
  }
  return null;
}
