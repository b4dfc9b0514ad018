// docker-compose.yml agrees with the config module: service names, ports and the variables the api and
// worker get (every one a known setting, all production-required ones present and well-formed).
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig, productionRequired, settingNames } from '../config.ts';

const root = path.resolve(import.meta.dirname, '../..');
interface Service {
  image?: string;
  build?: string;
  command?: string[];
  ports?: string[];
  environment?: Record<string, string>;
}
const compose = parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const services = compose.services;

/** Compose's `${NAME:-default}` interpolation, with an empty environment. */
const interpolate = (value: string) => value.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');
const envOf = (name: string) =>
  Object.fromEntries(Object.entries(services[name]!.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]));
const hostPort = (address: string) => {
  const url = new URL(address.includes('://') ? address : `tcp://${address}`);
  return { host: url.hostname, port: Number(url.port) };
};
const publishedPort = (service: string, containerPort: number) =>
  services[service]!.ports?.map((p) => p.split(':')).find(([, inside]) => Number(inside) === containerPort)?.[0];

describe('docker-compose.yml', () => {
  it('has the whole stack with official images', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'postgres', 'provider-sim', 'redis', 'temporal', 'temporal-ui', 'worker']);
    expect(services.postgres!.image).toMatch(/^postgres:\d+/);
    expect(services.redis!.image).toMatch(/^redis:\d+/);
    expect(services.temporal!.image).toMatch(/^temporalio\/auto-setup:\d+\.\d+\.\d+$/);
    expect(services['temporal-ui']!.image).toMatch(/^temporalio\/ui:\d+\.\d+\.\d+$/);
    expect(services.api!.build).toBe('.');
    expect(services.worker!.build).toBe('.');
    expect(services.worker!.command).toEqual(['node', 'dist/src/workers/worker.js']);
    expect(services.api!.command!.join(' ')).toMatch(/^sh -c node dist\/scripts\/migrate\.js && exec node dist\/src\/api\/server\.js$/);
  });

  it('builds the image once and runs compiled JavaScript with production dependencies only', () => {
    const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    const stages = dockerfile.split(/^FROM /m).slice(1);
    expect(stages).toHaveLength(2);
    const [build, runtime] = stages as [string, string];
    expect(build).toMatch(/RUN .*scripts\/build\.ts/);
    expect(runtime).toMatch(/npm ci --omit=dev/);
    expect(runtime).toMatch(/COPY --from=build \/app\/dist \.\/dist/);
    expect(runtime).toMatch(/^CMD \["node", "dist\/src\/api\/server\.js"\]$/m);
    expect(runtime).not.toMatch(/tsx|COPY src/);
    // tsx is a development tool only.
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    expect(pkg.dependencies.tsx).toBeUndefined();
  });

  it.each(['api', 'worker'])('gives the %s only known settings, enough for NODE_ENV=production', (name) => {
    const env = envOf(name);
    expect(Object.keys(env).filter((k) => !(settingNames as string[]).includes(k))).toEqual([]);
    expect(productionRequired.filter((k) => !(k in env))).toEqual([]);
    const { config } = loadConfig(env);
    expect(config.NODE_ENV).toBe('production');
  });

  it('points the app at the compose services and ports', () => {
    const { config } = loadConfig(envOf('api'));
    const db = hostPort(config.DATABASE_URL);
    expect(db.host).toBe('postgres');
    expect(db.port).toBe(5432);
    expect(new URL(config.DATABASE_URL).username).toBe(services.postgres!.environment!.POSTGRES_USER);
    expect(new URL(config.DATABASE_URL).password).toBe(services.postgres!.environment!.POSTGRES_PASSWORD);
    expect(hostPort(config.REDIS_URL)).toEqual({ host: 'redis', port: 6379 });
    expect(hostPort(config.TEMPORAL_ADDRESS)).toEqual({ host: 'temporal', port: 7233 });
    expect(envOf('temporal-ui').TEMPORAL_ADDRESS).toBe(config.TEMPORAL_ADDRESS);
    expect(envOf('temporal').POSTGRES_SEEDS).toBe('postgres');
    expect(new URL(config.PROVIDER_URL).host).toBe(`provider-sim:${envOf('provider-sim').PROVIDER_SIM_PORT}`);
  });

  it('publishes the ports the dev defaults and README use', () => {
    const dev = loadConfig({}).config;
    expect(publishedPort('api', loadConfig(envOf('api')).config.PORT)).toBe(String(dev.PORT));
    expect(publishedPort('postgres', 5432)).toBe(String(hostPort(dev.DATABASE_URL).port));
    // `docker compose up -d postgres redis` + `npm run dev` must work with no settings at all.
    expect(new URL(dev.DATABASE_URL).username).toBe(services.postgres!.environment!.POSTGRES_USER);
    expect(new URL(dev.DATABASE_URL).password).toBe(services.postgres!.environment!.POSTGRES_PASSWORD);
    expect(publishedPort('redis', 6379)).toBe(String(hostPort(dev.REDIS_URL).port));
    expect(publishedPort('temporal', 7233)).toBe(String(hostPort(dev.TEMPORAL_ADDRESS).port));
    expect(publishedPort('temporal-ui', 8080)).toBe('8233');
  });

  it('.env.example lists every setting', () => {
    const example = fs.readFileSync(path.join(root, '.env.example'), 'utf8');
    const names = [...example.matchAll(/^([A-Z_]+)=/gm)].map((m) => m[1]);
    expect(names.sort()).toEqual([...settingNames].sort());
  });
});
