import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, productionRequired, settingDefaults, settingNames } from './config.ts';
import { projectRoot } from './paths.ts';

const productionEnv = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgresql://app:secret@db:5432/fulltime',
  REDIS_URL: 'redis://cache:6379',
  TEMPORAL_ADDRESS: 'temporal:7233',
  TEMPORAL_NAMESPACE: 'fulltime',
  API_TOKEN: 'a-long-production-token',
  PORT: '8080',
  PROVIDER_URL: 'https://provider.example/v1',
  API_METRICS_ADDRESS: '0.0.0.0:9464',
  WORKER_METRICS_ADDRESS: '0.0.0.0:9465',
  SESSION_SECRET: 'a-long-production-session-secret',
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
    expect(config).toMatchObject({
      PORT: 3000,
      API_TOKEN: 'dev-token',
      TEMPORAL_NAMESPACE: 'default',
      taskQueues: { minutes: 'fulltime-minutes' },
    });
    expect(devDefaultsUsed).toEqual(
      expect.arrayContaining(['API_TOKEN=dev-token', 'PORT=3000', 'TEMPORAL_ADDRESS=127.0.0.1:7233']),
    );
    expect(config.temporalConnection).toMatchObject({ address: '127.0.0.1:7233', tls: undefined, apiKey: undefined });
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
    ['WORKER_MAX_CACHED_WORKFLOWS', '1'],
    ['WORKER_MAX_CACHED_WORKFLOWS', 'lots'],
  ])('stops on a malformed %s, naming it', (name, value) => {
    expect(problems({ [name]: value })).toEqual([expect.stringMatching(new RegExp(`^${name} is malformed`))]);
    expect(problems({ ...productionEnv, [name]: value }).some((p) => p.startsWith(name))).toBe(true);
  });

  it('leaves the workflow cache to the SDK unless it is bounded', () => {
    expect(loadConfig({}).config.WORKER_MAX_CACHED_WORKFLOWS).toBeUndefined();
    expect(loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: '500' }).config.WORKER_MAX_CACHED_WORKFLOWS).toBe(500);
    expect(loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: '0' }).config.WORKER_MAX_CACHED_WORKFLOWS).toBe(0);
  });

  it('requires every connection setting when NODE_ENV=production', () => {
    expect(problems({ NODE_ENV: 'production' })).toEqual(
      productionRequired.map((name) => `${name} is required when NODE_ENV=production`),
    );
    expect(productionRequired).toEqual([
      'DATABASE_URL',
      'REDIS_URL',
      'TEMPORAL_ADDRESS',
      'TEMPORAL_NAMESPACE',
      'API_TOKEN',
      'PORT',
      'PROVIDER_URL',
      'API_METRICS_ADDRESS',
      'WORKER_METRICS_ADDRESS',
      'SESSION_SECRET',
    ]);
    expect(loadConfig(productionEnv).devDefaultsUsed).toEqual([]);
  });

  it('refuses the published dev token and session secret in production', () => {
    expect(
      problems({ ...productionEnv, API_TOKEN: 'dev-token', SESSION_SECRET: 'dev-session-secret-not-for-production' }),
    ).toEqual([
      'API_TOKEN is the published dev default; set a secret of your own when NODE_ENV=production',
      'SESSION_SECRET is the published dev default; set a secret of your own when NODE_ENV=production',
    ]);
    expect(loadConfig({ API_TOKEN: 'dev-token' }).config.API_TOKEN).toBe('dev-token'); // fine outside production
  });

  it('enables TLS for an API key and wants a TLS certificate with its key', () => {
    expect(loadConfig({ ...productionEnv, TEMPORAL_API_KEY: 'k' }).config.temporalConnection).toMatchObject({
      tls: true,
      apiKey: 'k',
    });
    expect(problems({ TEMPORAL_TLS_CLIENT_CERT_PATH: '/tmp/cert.pem' })).toEqual([
      'TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH must be set together',
    ]);
    expect(
      problems({ TEMPORAL_TLS_CLIENT_CERT_PATH: '/nope/c.pem', TEMPORAL_TLS_CLIENT_KEY_PATH: '/nope/k.pem' })[0],
    ).toMatch(/cannot be read/);
  });
});

describe('Temporal connection through @temporalio/envconfig', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fulltime-envconfig-'));
  const file = (name: string, text: string) => {
    const full = path.join(dir, name);
    fs.writeFileSync(full, text);
    return full;
  };
  const toml = file(
    'temporal.toml',
    [
      '[profile.default]',
      'address = "temporal.internal:7233"',
      'namespace = "league"',
      '',
      '[profile.cloud]',
      'address = "league.a1b2c.tmprl.cloud:7233"',
      'namespace = "league.a1b2c"',
      'api_key = "cloud-key"',
      '',
      '[profile.broken]',
      'address = "no port here"',
      '',
    ].join('\n'),
  );

  it('takes address and namespace from the temporal.toml profile, without dev defaults', () => {
    const { config, devDefaultsUsed } = loadConfig({ TEMPORAL_CONFIG_FILE: toml });
    expect(config.TEMPORAL_ADDRESS).toBe('temporal.internal:7233');
    expect(config.TEMPORAL_NAMESPACE).toBe('league');
    expect(config.temporalConnection.address).toBe('temporal.internal:7233');
    expect(devDefaultsUsed.filter((d) => d.startsWith('TEMPORAL'))).toEqual([]);
  });

  it('picks the profile named by TEMPORAL_PROFILE, with its API key (and so TLS)', () => {
    const { config } = loadConfig({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'cloud' });
    expect(config.TEMPORAL_NAMESPACE).toBe('league.a1b2c');
    expect(config.temporalConnection).toMatchObject({
      address: 'league.a1b2c.tmprl.cloud:7233',
      apiKey: 'cloud-key',
      tls: true,
    });
  });

  it('lets a variable override the profile', () => {
    const { config } = loadConfig({
      TEMPORAL_CONFIG_FILE: toml,
      TEMPORAL_ADDRESS: 'other:7233',
      TEMPORAL_NAMESPACE: 'ns',
    });
    expect(config.temporalConnection.address).toBe('other:7233');
    expect(config.TEMPORAL_NAMESPACE).toBe('ns');
  });

  it('satisfies production with a profile instead of variables', () => {
    const env = { ...productionEnv, TEMPORAL_ADDRESS: '', TEMPORAL_NAMESPACE: '', TEMPORAL_CONFIG_FILE: toml };
    expect(loadConfig(env).config.TEMPORAL_ADDRESS).toBe('temporal.internal:7233');
  });

  it('validates what a profile says, and names an unknown profile', () => {
    expect(problems({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'broken' })).toEqual([
      'TEMPORAL_ADDRESS is malformed: expected host:port',
    ]);
    expect(problems({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'nope' })).toEqual([
      expect.stringMatching(/^Temporal client profile .*Profile 'nope' not found/),
    ]);
    expect(problems({ TEMPORAL_CONFIG_FILE: file('bad.toml', 'profile = [') })[0]).toMatch(/^Temporal client profile/);
  });

  it('reads an mTLS client certificate pair and a server CA from the standard variables', () => {
    const { config } = loadConfig({
      TEMPORAL_TLS_CLIENT_CERT_PATH: file('client.pem', 'CERT'),
      TEMPORAL_TLS_CLIENT_KEY_PATH: file('client.key', 'KEY'),
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: file('ca.pem', 'CA'),
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    });
    const tls = config.temporalConnection.tls as {
      clientCertPair: { crt: Uint8Array; key: Uint8Array };
      serverRootCACertificate: Uint8Array;
      serverNameOverride: string;
    };
    const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
    expect(text(tls.clientCertPair.crt)).toBe('CERT');
    expect(text(tls.clientCertPair.key)).toBe('KEY');
    expect(text(tls.serverRootCACertificate)).toBe('CA');
    expect(tls.serverNameOverride).toBe('temporal.internal');
  });

  it('turns TLS off when TEMPORAL_TLS=false even with a profile that sets it', () => {
    expect(loadConfig({ TEMPORAL_TLS: 'false' }).config.temporalConnection.tls).toBe(false);
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

describe('docs/configuration.md', () => {
  // Every row: the variables (in backticks) and their defaults (in backticks, in the same order), or a
  // dash / words when they have none.
  const rows = [
    ...fs
      .readFileSync(path.join(projectRoot, 'docs', 'configuration.md'), 'utf8')
      .matchAll(/^\| (`[A-Z_]+`.*?) \| (.*?) \|/gm),
  ].map((m) => ({
    names: [...m[1]!.matchAll(/`([A-Z_]+)`/g)].map((n) => n[1]!),
    defaults: [...m[2]!.matchAll(/`([^`]+)`/g)].map((d) => d[1]!),
  }));

  it('lists every setting of src/config.ts, and nothing else', () => {
    const documented = rows.flatMap((r) => r.names);
    expect([...documented].sort()).toEqual([...settingNames].sort());
  });

  it('gives each setting the default the module has', () => {
    for (const { names, defaults } of rows) {
      const expected = names.map((name) => settingDefaults[name as keyof typeof settingDefaults]);
      if (expected.every((d) => d === null)) expect(defaults, names.join(', ')).toEqual([]);
      else expect(defaults, names.join(', ')).toEqual(expected);
    }
  });
});
