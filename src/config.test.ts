import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, productionRequired } from './config.ts';

const productionEnv = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgresql://app:secret@db:5432/fulltime',
  REDIS_URL: 'redis://cache:6379',
  TEMPORAL_ADDRESS: 'temporal:7233',
  TEMPORAL_NAMESPACE: 'fulltime',
  API_TOKEN: 'a-long-production-token',
  PORT: '8080',
};

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('takes printed dev defaults for missing settings outside production', () => {
    const { config, devDefaultsUsed } = loadConfig({});
    expect(config).toMatchObject({ PORT: 3000, API_TOKEN: 'dev-token', TEMPORAL_NAMESPACE: 'default', taskQueues: { minutes: 'fulltime-minutes' } });
    expect(devDefaultsUsed).toEqual(expect.arrayContaining(['API_TOKEN=dev-token', 'PORT=3000', 'TEMPORAL_ADDRESS=127.0.0.1:7233']));
    expect(config.temporalTls).toBe(false);
  });

  it('uses what the environment sets', () => {
    const { config, devDefaultsUsed } = loadConfig({ API_TOKEN: 'x', PORT: '4000' });
    expect(config.API_TOKEN).toBe('x');
    expect(config.PORT).toBe(4000);
    expect(devDefaultsUsed.some((d) => d.startsWith('API_TOKEN') || d.startsWith('PORT'))).toBe(false);
  });

  it.each([
    ['DATABASE_URL', 'mysql://localhost/db'],
    ['REDIS_URL', 'localhost:6379'],
    ['TEMPORAL_ADDRESS', 'no-port'],
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['LOG_LEVEL', 'loud'],
    ['TASK_QUEUE_MINUTES', 'has spaces'],
    ['OUTBOX_RELAY_INTERVAL_MS', '1'],
    ['NODE_ENV', 'staging'],
    ['TEMPORAL_TLS', 'yes'],
  ])('stops on a malformed %s, naming it', (name, value) => {
    expect(problems({ [name]: value })).toEqual([expect.stringMatching(new RegExp(`^${name} is malformed`))]);
    expect(problems({ ...productionEnv, [name]: value }).some((p) => p.startsWith(name))).toBe(true);
  });

  it('requires every connection setting when NODE_ENV=production', () => {
    expect(problems({ NODE_ENV: 'production' })).toEqual(productionRequired.map((name) => `${name} is required when NODE_ENV=production`));
    expect(productionRequired).toEqual(['DATABASE_URL', 'REDIS_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'API_TOKEN', 'PORT']);
    expect(loadConfig(productionEnv).devDefaultsUsed).toEqual([]);
  });

  it('enables TLS for an API key and wants a TLS certificate with its key', () => {
    expect(loadConfig({ ...productionEnv, TEMPORAL_API_KEY: 'k' }).config.temporalTls).toBe(true);
    expect(problems({ TEMPORAL_TLS_CERT_PATH: '/tmp/cert.pem' })).toEqual([
      'TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH must be set together',
    ]);
    expect(problems({ TEMPORAL_TLS_CERT_PATH: '/nope/c.pem', TEMPORAL_TLS_KEY_PATH: '/nope/k.pem' })[0]).toMatch(/cannot be read/);
  });
});

describe('process start-up', () => {
  it('exits non-zero with a message naming the malformed variable', async () => {
    const { spawnSync } = await import('node:child_process');
    const path = await import('node:path');
    const root = path.resolve(import.meta.dirname, '..');
    const run = spawnSync(path.join(root, 'node_modules/.bin/tsx'), ['src/api/server.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH, PORT: 'not-a-port', NODE_ENV: 'development' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/\[api\] Invalid configuration:\n\s+- PORT is malformed/);
  });
});
