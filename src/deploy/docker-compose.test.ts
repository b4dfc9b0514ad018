// docker-compose.yml as compose would read it (interpolated from a .env, merge keys resolved), checked
// against the config module and the rules: current pinned images (no auto-setup), Temporal's
// schema and namespace jobs before the server and the app, a migrate job before the API and the
// workers, health checks, secrets required from .env with no published defaults, PostgreSQL and Redis
// not published (but by the dev override), one worker service per task queue, the simulator and the
// observability stack behind profiles.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig, productionRequired, settingNames } from '../config.ts';
import { taskQueueNames } from '../contracts/task-queues.ts';
import { temporalCliPath } from '../temporal/binaries.ts';
import { SHUTDOWN_DEADLINE_SECONDS } from '../workers/shutdown.ts';

const root = path.resolve(import.meta.dirname, '../..');
interface Service {
  image?: string;
  build?: string | { context: string; target?: string };
  command?: string[];
  entrypoint?: string[];
  ports?: string[];
  profiles?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  volumes?: string[];
  stop_grace_period?: string;
}
type Compose = { services: Record<string, Service>; volumes?: Record<string, unknown> };

/** Compose's interpolation: ${NAME}, ${NAME:-default}, ${NAME:?error} (empty counts as unset), $$. */
function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(
    /\$\$|\$\{([A-Z0-9_]+)(?::([-?])([^}]*))?\}/g,
    (whole, name: string | undefined, op?: string, arg?: string) => {
      if (whole === '$$') return '$';
      const value = env[name!];
      if (value !== undefined && value !== '') return value;
      if (op === '?') throw new Error(`required variable ${name} is missing a value: ${arg}`);
      return op === '-' ? arg! : '';
    },
  );
}
const composeFile = fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
const load = (file: string, env: Record<string, string>) => parse(interpolate(file, env), { merge: true }) as Compose;

/** What an operator puts in .env: the compose section of .env.example, filled in. */
const secrets = {
  POSTGRES_PASSWORD: 'pg-superuser-secret',
  FULLTIME_DB_PASSWORD: 'fulltime-db-secret',
  TEMPORAL_DB_PASSWORD: 'temporal-db-secret',
  REDIS_PASSWORD: 'redis-secret',
  API_TOKEN: 'an-api-token-of-their-own',
  SESSION_SECRET: 'a-session-secret-of-their-own',
};
const { services } = load(composeFile, secrets);
const workers = taskQueueNames.map((name) => `worker-${name}`);
const apps = ['migrate', 'api', ...workers];
const envOf = (name: string) => services[name]!.environment ?? {};
const published = (name: string) => services[name]!.ports ?? [];

describe('docker-compose.yml', () => {
  it('runs current, pinned images and no deprecated one', () => {
    const images = Object.entries(services)
      .filter(([, s]) => !s.build)
      .map(([, s]) => s.image!);
    for (const image of images) expect(image, image).toMatch(/^[a-z0-9./-]+:v?\d+\.\d+(\.\d+)?$/); // a release: no latest, no bare major
    expect(composeFile).not.toMatch(/auto-setup/);
    const version = (name: string) => services[name]!.image!.split(':')[1];
    expect(version('temporal')).toBe(version('temporal-schema'));
    expect(version('temporal')).toBe(version('temporal-namespace'));
    // The same server and UI as the pinned dev server `npm run dev` and the tests run.
    const cli = spawnSync(temporalCliPath() ?? 'temporal', ['--version'], { encoding: 'utf8' });
    const [, server, ui] = /Server ([\d.]+), UI ([\d.]+)/.exec(cli.stdout) ?? [];
    expect(server, cli.stdout).toBeDefined();
    expect(services.temporal!.image).toBe(`temporalio/server:${server}`);
    expect(services['temporal-ui']!.image).toBe(`temporalio/ui:${ui}`);
  });

  it('sets up Temporal in order: schema job, server, namespace job; and migrates before the app starts', () => {
    expect(services.temporal!.depends_on).toMatchObject({
      'temporal-schema': { condition: 'service_completed_successfully' },
    });
    expect(services['temporal-namespace']!.depends_on).toMatchObject({ temporal: { condition: 'service_healthy' } });
    expect(services['temporal-schema']!.command).toEqual(['/scripts/temporal-schema.sh']);
    const schemaScript = fs.readFileSync(path.join(root, 'deploy/compose/temporal-schema.sh'), 'utf8');
    expect(schemaScript).toMatch(/setup-schema -v 0\.0/);
    expect(schemaScript).toMatch(/update-schema -d/);
    expect(fs.readFileSync(path.join(root, 'deploy/compose/temporal-namespace.sh'), 'utf8')).toMatch(
      /temporal operator cluster health/,
    );
    for (const name of ['api', ...workers]) {
      expect(services[name]!.depends_on, name).toMatchObject({
        migrate: { condition: 'service_completed_successfully' },
      });
    }
    for (const name of workers) {
      expect(services[name]!.depends_on, name).toMatchObject({
        'temporal-namespace': { condition: 'service_completed_successfully' },
      });
    }
    // Every mounted file exists.
    for (const [name, service] of Object.entries(services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('./')) expect(fs.existsSync(path.join(root, source)), `${name}: ${source}`).toBe(true);
      }
    }
  });

  it('migrates with Prisma in the image stage that has its CLI, and runs the rest on production dependencies only', () => {
    expect(services.migrate!.build).toEqual({ context: '.', target: 'migrate' });
    for (const name of ['api', ...workers])
      expect(services[name]!.build, name).toEqual({ context: '.', target: 'runtime' });
    const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    const stages = Object.fromEntries(
      dockerfile
        .split(/^FROM /m)
        .slice(1)
        .map((stage) => [/^\S+ AS (\S+)/.exec(stage)![1], stage]),
    );
    expect(Object.keys(stages)).toEqual(['build', 'migrate', 'runtime']);
    expect(stages.build).toMatch(/RUN npm ci --no-audit/);
    expect(stages.build).toMatch(/RUN .*scripts\/build\.ts/);
    expect(stages.migrate).toMatch(/^build AS migrate/);
    expect(stages.migrate).toMatch(/CMD \["node", "dist\/scripts\/migrate\.js"\]/);
    expect(stages.runtime).toMatch(/npm ci --omit=dev/);
    expect(stages.runtime).toMatch(/COPY --from=build \/app\/dist \.\/dist/);
    expect(stages.runtime).not.toMatch(/tsx|COPY src/);
    expect(stages.runtime).toMatch(/^USER 10001:10001$/m);
    expect(stages.migrate).toMatch(/^USER 10001:10001$/m);
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    expect(pkg.dependencies.tsx).toBeUndefined();
    expect(pkg.devDependencies.prisma).toBeDefined();
  });

  it.each(apps)('gives %s only known settings, enough for NODE_ENV=production', (name) => {
    const env = envOf(name);
    expect(Object.keys(env).filter((k) => !(settingNames as string[]).includes(k))).toEqual([]);
    expect(productionRequired.filter((k) => !(k in env) || env[k] === '')).toEqual([]);
    const { config } = loadConfig(env);
    expect(config.NODE_ENV).toBe('production');
    expect(new URL(config.DATABASE_URL)).toMatchObject({
      hostname: 'postgres',
      port: '5432',
      username: 'fulltime',
      password: secrets.FULLTIME_DB_PASSWORD,
    });
    expect(new URL(config.REDIS_URL)).toMatchObject({
      hostname: 'redis',
      port: '6379',
      password: secrets.REDIS_PASSWORD,
    });
    expect(config.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(config.API_TOKEN).toBe(secrets.API_TOKEN);
    expect(new URL(config.PROVIDER_URL).host).toBe(
      `provider-sim:${services['provider-sim']!.environment!.PROVIDER_SIM_PORT}`,
    );
  });

  it('takes every secret from .env and refuses to start without any of them', () => {
    for (const name of Object.keys(secrets)) {
      const { [name]: _left, ...without } = secrets as Record<string, string>;
      expect(() => load(composeFile, without), name).toThrow(new RegExp(`required variable ${name} is missing`));
      expect(() => load(composeFile, { ...without, [name]: '' }), `${name} empty`).toThrow(new RegExp(name));
    }
    // No secret has a fallback written into the file.
    for (const name of Object.keys(secrets)) expect(composeFile).not.toMatch(new RegExp(`\\$\\{${name}:-`));
    // Temporal has a role of its own, not the superuser, and the app another.
    expect(envOf('temporal').POSTGRES_USER).toBe('temporal');
    expect(envOf('temporal').POSTGRES_PWD).toBe(secrets.TEMPORAL_DB_PASSWORD);
    const init = fs.readFileSync(path.join(root, 'deploy/compose/postgres-init.sh'), 'utf8');
    expect(init).toMatch(/CREATE ROLE fulltime LOGIN PASSWORD :'fulltime_password'/);
    expect(init).toMatch(/CREATE DATABASE temporal_visibility OWNER temporal/);
    // Grafana refuses to start without its admin password rather than take admin/admin.
    expect(services.grafana!.entrypoint!.join(' ')).toMatch(/test -n "\$GF_SECURITY_ADMIN_PASSWORD" \|\|/);
  });

  it('publishes neither PostgreSQL nor Redis, but the dev override does, on loopback', () => {
    expect(published('postgres')).toEqual([]);
    expect(published('redis')).toEqual([]);
    const dev = parse(fs.readFileSync(path.join(root, 'docker-compose.dev.yml'), 'utf8')) as Compose;
    expect(dev.services.postgres!.ports).toEqual(['127.0.0.1:5432:5432']);
    expect(dev.services.redis!.ports).toEqual(['127.0.0.1:6379:6379']);
    // What else is published: the API (all interfaces, it is the product), the rest on loopback only.
    for (const [name, service] of Object.entries(services)) {
      for (const port of service.ports ?? []) {
        if (name === 'api' || name === 'temporal-ui') continue;
        expect(port, name).toMatch(/^127\.0\.0\.1:/);
      }
    }
    expect(published('api')).toEqual([`${loadConfig({}).config.PORT}:3000`]);
  });

  it('runs one worker service per task queue, each with its health check and a stop grace past the shutdown deadline', () => {
    expect(
      Object.keys(services)
        .filter((s) => s.startsWith('worker'))
        .sort(),
    ).toEqual([...workers].sort());
    for (const queue of taskQueueNames) {
      const service = services[`worker-${queue}`]!;
      expect(service.command).toEqual(['node', 'dist/src/workers/worker.js', queue]);
      expect(service.healthcheck!.test.join(' ')).toMatch(/:9465\/healthz/);
      expect(Number.parseInt(service.stop_grace_period!, 10)).toBeGreaterThan(SHUTDOWN_DEADLINE_SECONDS);
      expect(service.ports, 'scales with --scale: no fixed host port').toBeUndefined();
    }
    expect(services.api!.healthcheck!.test.join(' ')).toMatch(/:3000\/healthz/);
    for (const name of ['postgres', 'redis', 'temporal']) expect(services[name]!.healthcheck, name).toBeDefined();
    expect(new URL(`http://${envOf('worker-stats').WORKER_METRICS_ADDRESS}`).port).toBe('9465');
  });

  it('keeps the simulator in the demo profile and the observability stack in its own', () => {
    expect(services['provider-sim']!.profiles).toEqual(['demo']);
    for (const name of ['prometheus', 'grafana', 'jaeger'])
      expect(services[name]!.profiles, name).toEqual(['observability']);
    const always = Object.entries(services)
      .filter(([, s]) => !s.profiles)
      .map(([name]) => name);
    expect(always.sort()).toEqual(
      [
        'api',
        'migrate',
        'postgres',
        'redis',
        'temporal',
        'temporal-namespace',
        'temporal-schema',
        'temporal-ui',
        ...workers,
      ].sort(),
    );
  });

  it('.env.example lists every setting, and every variable compose reads that is not one', () => {
    const example = fs.readFileSync(path.join(root, '.env.example'), 'utf8');
    const [app, composeSection] = example.split(/^# ---- docker compose .*$/m) as [string, string];
    const names = (text: string) => [...text.matchAll(/^(?:# )?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]!);
    expect(names(app).sort()).toEqual([...settingNames].sort());
    const read = new Set([...composeFile.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1]!));
    const composeOnly = [...read].filter((name) => !(settingNames as string[]).includes(name));
    expect(
      names(composeSection)
        .filter((n) => !(settingNames as string[]).includes(n))
        .sort(),
    ).toEqual(composeOnly.sort());
    // The example publishes no secret: the token and session secret are left for the operator.
    expect(example).not.toMatch(/^(API_TOKEN|SESSION_SECRET)=./m);
  });
});

describe('deploy/prometheus/prometheus.yml', () => {
  it('is valid for promtool, with the alert rules, and scrapes the API, every worker service and Temporal', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fulltime-prom-'));
    const config = fs.readFileSync(path.join(root, 'deploy/prometheus/prometheus.yml'), 'utf8');
    fs.copyFileSync(path.join(root, 'deploy/prometheus/alerts.yml'), path.join(dir, 'alerts.yml'));
    fs.writeFileSync(
      path.join(dir, 'prometheus.yml'),
      config.replace('/etc/prometheus/alerts.yml', path.join(dir, 'alerts.yml')),
    );
    const checked = spawnSync('promtool', ['check', 'config', path.join(dir, 'prometheus.yml')], { encoding: 'utf8' });
    expect(checked.status, checked.stdout + checked.stderr).toBe(0);
    expect(services.prometheus!.volumes).toContain('./deploy/prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro');

    const scrape = (
      parse(config) as {
        scrape_configs: {
          job_name: string;
          dns_sd_configs?: { names: string[]; port: number }[];
          static_configs?: { targets: string[] }[];
        }[];
      }
    ).scrape_configs;
    const job = (name: string) => scrape.find((j) => j.job_name === name)!;
    expect(job('fulltime-api').dns_sd_configs![0]).toMatchObject({ names: ['api'], port: 9464 });
    expect(job('fulltime-worker').dns_sd_configs![0]!.names.sort()).toEqual([...workers].sort());
    expect(job('fulltime-worker').dns_sd_configs![0]!.port).toBe(9465);
    expect(job('temporal-server').static_configs![0]!.targets).toEqual([
      `temporal:${envOf('temporal').PROMETHEUS_ENDPOINT!.split(':')[1]}`,
    ]);
  });
});
