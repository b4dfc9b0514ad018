// What watches a matchday from outside: readers at a fixed rate (autocannon in a process of its own)
// and a real Prometheus scraping every process each second.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { projectRoot } from '../../src/paths.ts';
import { freePort } from '../../src/workers/telemetry.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface ReadFigures {
  requests: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  errors: number;
  p50: number;
  p99: number;
  max: number;
}

/** Readers at `rate` for `seconds` over `paths` (the scoreboard's top 50, users' ranks, league boards, reports). */
export function startReaders(baseUrl: string, paths: string[], rate: number, seconds: number): Promise<ReadFigures> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(projectRoot, 'bench/load.ts'),
      JSON.stringify({ url: baseUrl, paths, rate, seconds, connections: 10 }),
    ],
    { cwd: projectRoot, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) =>
    child.once('exit', (code) =>
      code === 0 ? resolve(JSON.parse(output.trim().split('\n').pop()!)) : reject(new Error(`readers exited ${code}`)),
    ),
  );
}

/** Debian's Prometheus scraping `targets` every second, for the run's view in PromQL. */
export async function startPrometheus(targets: string[]) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fulltime-matchday-prometheus-'));
  fs.writeFileSync(
    path.join(dir, 'prometheus.yml'),
    stringify({
      global: { scrape_interval: '1s', scrape_timeout: '900ms' },
      scrape_configs: [{ job_name: 'fulltime', static_configs: [{ targets }] }],
    }),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    'prometheus',
    [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: 'ignore' },
  );
  for (let i = 0; ; i++) {
    if (
      await fetch(`${url}/-/ready`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (i > 300) throw new Error('Prometheus did not become ready');
    await sleep(100);
  }
  return {
    async query(query: string) {
      const body = (await (await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`)).json()) as {
        status: string;
        error?: string;
        data: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      if (body.status !== 'success') throw new Error(body.error);
      return body.data.result.map((r) => ({ ...r.metric, value: Number(r.value[1]) }));
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
