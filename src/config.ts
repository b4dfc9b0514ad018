// The one place settings are read. Every process validates its environment here at start-up:
// a malformed value always stops it with a message naming the variable; a missing one stops it when
// NODE_ENV=production and otherwise takes the dev default below, which is printed.
import fs from 'node:fs';
import { loadClientConfigProfile, toClientOptions, type ClientConfigProfile } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { z } from 'zod';
import { BUILD_ID_PATTERN, DEFAULT_WORKER_DEPLOYMENT_NAME } from './contracts/releases.ts';
import { taskQueueNames, taskQueueTable, type TaskQueueName, type TaskQueues } from './contracts/task-queues.ts';

const hostPort = z.string().regex(/^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/, 'expected host:port');
const postgresUrl = z.string().regex(/^postgres(ql)?:\/\/\S+$/, 'expected a postgresql:// URL');
const redisUrl = z.string().regex(/^rediss?:\/\/\S+$/, 'expected a redis:// or rediss:// URL');
const port = z.coerce.number().int().min(1).max(65535);
const nonEmpty = z.string().trim().min(1, 'must not be empty');
const taskQueue = z.string().regex(/^[A-Za-z0-9._-]{1,200}$/, 'expected a task queue name');
const timeZone = z.string().refine((zone) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'expected an IANA time zone such as Europe/Amsterdam');

interface Setting<T> {
  schema: z.ZodType<T>;
  /** A credential: in production its published dev default is refused, not just its absence. */
  secret?: boolean;
  /** Used when unset outside production (and printed). */
  devDefault?: string;
  /** Used when unset everywhere: tunables that a deployment rarely changes. */
  fallback?: string;
}

function setting<T>(schema: z.ZodType<T>, defaults: Omit<Setting<T>, 'schema'>): Setting<T> {
  return { schema, ...defaults };
}

type TaskQueueVariable = (typeof taskQueueTable)[TaskQueueName]['variable'];
/** TASK_QUEUE_MINUTES and the others, from the task-queue table. */
const taskQueueSettings = Object.fromEntries(
  taskQueueNames.map((name) => [
    taskQueueTable[name].variable,
    setting(taskQueue, { fallback: taskQueueTable[name].default }),
  ]),
) as Record<TaskQueueVariable, Setting<string>>;

const settings = {
  NODE_ENV: setting(z.enum(['development', 'production', 'test']), { fallback: 'development' }),
  DATABASE_URL: setting(postgresUrl, { devDefault: 'postgresql://postgres:postgres@127.0.0.1:5432/fulltime' }),
  REDIS_URL: setting(redisUrl, { devDefault: 'redis://127.0.0.1:6379' }),
  /** Every Redis key starts with this, so test runs and tenants can share one server. */
  REDIS_KEY_PREFIX: setting(z.string().max(100), { fallback: 'fulltime:' }),
  // Temporal connection: the standard TEMPORAL_* variables, read through @temporalio/envconfig, which
  // also reads a profile from temporal.toml (TEMPORAL_CONFIG_FILE, or ~/.config/temporalio/temporal.toml;
  // TEMPORAL_PROFILE picks one). A variable set here overrides the profile's value.
  TEMPORAL_ADDRESS: setting(hostPort, { devDefault: '127.0.0.1:7233' }),
  TEMPORAL_NAMESPACE: setting(nonEmpty, { devDefault: 'default' }),
  API_TOKEN: setting(nonEmpty, { devDefault: 'dev-token', secret: true }),
  PORT: setting(port, { devDefault: '3000' }),
  ...taskQueueSettings,
  /** The match provider's base URL (GET <url>/matches/<providerGameId>); `npm run dev` runs a simulator there. */
  PROVIDER_URL: setting(z.string().url('expected an http(s) URL'), { devDefault: 'http://127.0.0.1:4010' }),
  /** How long one provider request may take before it counts as failed. */
  PROVIDER_TIMEOUT_MS: setting(z.coerce.number().int().min(100).max(60_000), { fallback: '3000' }),
  /** Match verification looks at games that kicked off within this many hours. */
  VERIFICATION_LOOKBACK_HOURS: setting(
    z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 14),
    { fallback: '12' },
  ),
  /** Provider requests in flight at once during a verification run. */
  VERIFICATION_CONCURRENCY: setting(z.coerce.number().int().min(1).max(100), { fallback: '5' }),
  /** The time zone of the stats-nightly schedule (03:00 there). */
  STATS_NIGHTLY_TIME_ZONE: setting(timeZone, { fallback: 'UTC' }),
  /** How long stored Idempotency-Key responses are kept (a client's retry within this window replays). */
  IDEMPOTENCY_KEY_RETENTION_DAYS: setting(z.coerce.number().int().min(1).max(3650), { fallback: '7' }),
  /** How long dispatched outbox rows are kept for inspection; undispatched ones are never pruned. */
  OUTBOX_RETENTION_DAYS: setting(z.coerce.number().int().min(1).max(3650), { fallback: '7' }),
  /** How long finished CSV exports are kept for download. */
  EXPORT_RETENTION_DAYS: setting(z.coerce.number().int().min(1).max(3650), { fallback: '7' }),
  /** How long a cached read (stats, leaderboards) lives at most; invalidation usually drops it first. */
  CACHE_TTL_SECONDS: setting(
    z.coerce
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 3600),
    { fallback: '3600' },
  ),
  /**
   * The API's PostgreSQL statement_timeout and wait for a connection; a query unanswered for 2 s
   * longer has its connection closed. So a request stuck on PostgreSQL answers 503 within ~this + 2 s.
   */
  API_STATEMENT_TIMEOUT_MS: setting(z.coerce.number().int().min(100).max(600_000), { fallback: '5000' }),
  /** The same for workers, whose set-based statements (a 1M-prediction settlement) run far longer. */
  WORKER_STATEMENT_TIMEOUT_MS: setting(z.coerce.number().int().min(1000).max(3_600_000), { fallback: '600000' }),
  /**
   * Workflows each worker of a process keeps in memory between tasks (the SDK's maxCachedWorkflows);
   * past it the least recently used is evicted and replayed from its history when it next has work
   * (0: no cache, every task replays). Unset: the SDK's default from the heap limit (600 a GiB over 200 MiB). A cached stats run holds
   * about 105 KiB of workflow heap (360 KiB traced, on Node 24): `npm run bench:worker-cache`.
   */
  WORKER_MAX_CACHED_WORKFLOWS: setting(
    z.coerce
      .number()
      .int()
      .max(100_000)
      .refine((n) => n === 0 || n >= 2, '0 (no cache) or at least 2')
      .optional(),
    {},
  ),
  /** The API's Redis command timeout: a read waits at most this long before falling back to PostgreSQL. */
  API_REDIS_TIMEOUT_MS: setting(z.coerce.number().int().min(50).max(60_000), { fallback: '1000' }),
  /** The API's deadline for a call to Temporal that has none of its own (jobs and schedules routes). */
  API_TEMPORAL_TIMEOUT_MS: setting(z.coerce.number().int().min(100).max(600_000), { fallback: '10000' }),
  /** Failed bearer-token attempts one client may make per AUTH_FAILURE_WINDOW_SECONDS; the next is 429. */
  AUTH_FAILURE_LIMIT: setting(z.coerce.number().int().min(1).max(100_000), { fallback: '30' }),
  AUTH_FAILURE_WINDOW_SECONDS: setting(z.coerce.number().int().min(1).max(86_400), { fallback: '60' }),
  /** How long a client past the limit is refused (429 with Retry-After), whatever token it sends. */
  AUTH_BLOCK_SECONDS: setting(z.coerce.number().int().min(1).max(86_400), { fallback: '300' }),
  /**
   * Which proxies' X-Forwarded-For to believe when naming the client (express's `trust proxy`):
   * `false` (the socket address), `true`, a hop count, or addresses/subnets such as `loopback, 10.0.0.0/8`.
   */
  TRUST_PROXY: setting(
    z
      .string()
      .trim()
      .min(1)
      .transform((value): boolean | number | string =>
        value === 'true' ? true : value === 'false' ? false : /^\d+$/.test(value) ? Number(value) : value,
      ),
    { fallback: 'false' },
  ),
  /** Where the API serves Prometheus metrics (never on PORT); port 0 picks a free one. */
  API_METRICS_ADDRESS: setting(hostPort, { devDefault: '127.0.0.1:9464' }),
  /** Where each worker process serves its metrics (the Temporal SDK's and the project's) and /healthz. */
  WORKER_METRICS_ADDRESS: setting(hostPort, { devDefault: '127.0.0.1:9465' }),
  /**
   * Whether workflow starts carry their priority and fairness keys (contracts/priorities.ts): `on`;
   * `off` only to measure what they change (bench:matchday's contention mode).
   */
  WORKFLOW_PRIORITIES: setting(z.enum(['on', 'off']), { fallback: 'on' }),
  /** The Temporal worker deployment every worker is a version of (Worker Versioning; docs/deploy.md). */
  WORKER_DEPLOYMENT_NAME: setting(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/, 'expected a name'), {
    fallback: DEFAULT_WORKER_DEPLOYMENT_NAME,
  }),
  /** This worker's version in the deployment; unset: the build's own ID (package version and commit). */
  WORKER_BUILD_ID: setting(
    z.string().regex(BUILD_ID_PATTERN, 'expected a build ID such as 0.2.0-1a2b3c4d').optional(),
    {},
  ),
  /**
   * When a starting worker makes its version the current one: `if-none` (only while the deployment has
   * no current version: the first deploy), `always` (npm run dev: the newest start serves everything) or
   * `never` (a release waits for `npm run release -- ramp|promote`).
   */
  WORKER_PROMOTE_ON_START: setting(z.enum(['if-none', 'always', 'never']), { fallback: 'if-none' }),
  /** Signs the console's session cookies and the jobs API's page tokens; required in production (a long random string). */
  SESSION_SECRET: setting(z.string().min(16, 'at least 16 characters'), {
    devDefault: 'dev-session-secret-not-for-production',
    secret: true,
  }),
  /** A console session ends after this many minutes without a request. */
  OPERATOR_SESSION_IDLE_MINUTES: setting(
    z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 60),
    { fallback: '30' },
  ),
  /** Wrong passwords one username may get in 15 minutes before sign-in is refused (429); a client gets twice as many. */
  LOGIN_FAILURE_LIMIT: setting(z.coerce.number().int().min(1).max(10_000), { fallback: '10' }),
  /** The Temporal Web UI, for the console's links to a run (e.g. http://localhost:8233); unset: no links. */
  TEMPORAL_UI_URL: setting(z.string().url('expected an http(s) URL').optional(), {}),
  /** OTLP collector for traces; unset: no tracing at all. */
  OTEL_EXPORTER_OTLP_ENDPOINT: setting(z.string().url('expected an http(s) URL').optional(), {}),
  OTEL_EXPORTER_OTLP_PROTOCOL: setting(z.enum(['http/protobuf', 'http/json', 'grpc']), { fallback: 'http/protobuf' }),
  /** The traces' service.name; defaults to fulltime-api / fulltime-worker. */
  OTEL_SERVICE_NAME: setting(nonEmpty.optional(), {}),
  LOG_LEVEL: setting(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), {
    fallback: 'info',
  }),
  /** `json` or `pretty`; unset: pretty on a terminal, JSON otherwise. */
  LOG_FORMAT: setting(z.enum(['json', 'pretty']).optional(), {}),
  /** How often the outbox relay looks for workflow starts that did not happen at write time. */
  OUTBOX_RELAY_INTERVAL_MS: setting(z.coerce.number().int().min(50).max(600_000), { fallback: '1000' }),
  TEMPORAL_PROFILE: setting(nonEmpty.optional(), {}),
  TEMPORAL_CONFIG_FILE: setting(nonEmpty.optional(), {}),
  // Temporal Cloud or any TLS-protected cluster: an API key, or an mTLS client certificate pair.
  TEMPORAL_API_KEY: setting(nonEmpty.optional(), {}),
  TEMPORAL_TLS: setting(z.enum(['true', 'false', '1', '0']).optional(), {}),
  TEMPORAL_TLS_CLIENT_CERT_PATH: setting(nonEmpty.optional(), {}),
  TEMPORAL_TLS_CLIENT_KEY_PATH: setting(nonEmpty.optional(), {}),
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: setting(nonEmpty.optional(), {}),
  TEMPORAL_TLS_SERVER_NAME: setting(nonEmpty.optional(), {}),
} satisfies Record<string, Setting<unknown>>;

type Settings = typeof settings;
type RawConfig = { [K in keyof Settings]: Settings[K] extends Setting<infer T> ? T : never };

export interface Config extends RawConfig {
  /** Each concern's task queue, by name (contracts/task-queues.ts). */
  taskQueues: TaskQueues;
  /** How to reach Temporal (address, TLS, API key, gRPC metadata), from the variables and the profile. */
  temporalConnection: Pick<NativeConnectionOptions, 'address' | 'tls' | 'apiKey' | 'metadata'>;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadedConfig {
  config: Config;
  /** `NAME=value` for every setting that took its dev default. */
  devDefaultsUsed: string[];
}

/** The names of every setting, for tooling that checks deployments (docker-compose, .env.example). */
export const settingNames = Object.keys(settings) as (keyof Settings)[];
/** Settings that must be set explicitly when NODE_ENV=production. */
/** Each setting's default when unset outside production (its dev default or fallback), or null (none): docs/configuration.md lists them. */
export const settingDefaults = Object.fromEntries(
  settingNames.map((name) => [
    name,
    (settings[name] as Setting<unknown>).devDefault ?? (settings[name] as Setting<unknown>).fallback ?? null,
  ]),
) as Record<keyof Settings, string | null>;
export const productionRequired = settingNames.filter((name) => settings[name].devDefault !== undefined);

/** Settings a temporal.toml profile can provide instead of the environment. */
const fromProfile = (profile: ClientConfigProfile): Partial<Record<keyof Settings, string>> => ({
  TEMPORAL_ADDRESS: profile.address,
  TEMPORAL_NAMESPACE: profile.namespace,
});

export function loadConfig(env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const problems: string[] = [];
  const devDefaultsUsed: string[] = [];
  const production = env.NODE_ENV === 'production';
  const raw: Record<string, unknown> = {};
  // Empty variables count as unset, for envconfig as for us.
  const setEnv = Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''),
  );

  let profile: ClientConfigProfile = {};
  try {
    profile = loadClientConfigProfile({ overrideEnvVars: setEnv });
  } catch (err) {
    problems.push(`Temporal client profile (TEMPORAL_CONFIG_FILE / TEMPORAL_PROFILE): ${(err as Error).message}`);
  }
  const profileValues = fromProfile(profile);

  for (const name of settingNames) {
    const def: Setting<unknown> = settings[name];
    let value = setEnv[name] ?? profileValues[name];
    if (value === undefined) {
      if (def.fallback !== undefined) value = def.fallback;
      else if (def.devDefault !== undefined) {
        if (production) {
          problems.push(`${name} is required when NODE_ENV=production`);
          continue;
        }
        value = def.devDefault;
        devDefaultsUsed.push(`${name}=${value}`);
      }
    }
    if (production && def.secret && value === def.devDefault) {
      problems.push(`${name} is the published dev default; set a secret of your own when NODE_ENV=production`);
      continue;
    }
    const parsed = def.schema.safeParse(value);
    if (parsed.success) raw[name] = parsed.data;
    else problems.push(`${name} is malformed: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  }

  const tls = profile.tls;
  if (Boolean(tls?.clientCert) !== Boolean(tls?.clientKey)) {
    problems.push('TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH must be set together');
  }
  let temporalConnection: Config['temporalConnection'] = {};
  if (problems.length === 0) {
    try {
      // Reads the certificate files; TLS is on for an explicit TLS setting or an API key.
      const { connectionOptions } = toClientOptions({
        ...profile,
        address: raw.TEMPORAL_ADDRESS as string,
        namespace: raw.TEMPORAL_NAMESPACE as string,
      });
      temporalConnection = connectionOptions;
    } catch (err) {
      problems.push(`Temporal TLS files cannot be read: ${(err as Error).message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const config = raw as RawConfig;
  return {
    config: {
      ...config,
      taskQueues: Object.fromEntries(
        taskQueueNames.map((name) => [name, config[taskQueueTable[name].variable]]),
      ) as TaskQueues,
      temporalConnection,
    },
    devDefaultsUsed,
  };
}

/** Loads a git-ignored `.env` into process.env without overriding variables already set. */
export function loadDotEnv(path = '.env'): void {
  if (!fs.existsSync(path)) return;
  const before = { ...process.env };
  process.loadEnvFile(path);
  Object.assign(process.env, before);
}

/** For process entry points: validated config, or a clear message and exit code 1. */
export function loadConfigOrExit(processName: string): Config {
  loadDotEnv();
  try {
    const { config, devDefaultsUsed } = loadConfig();
    if (devDefaultsUsed.length > 0 && config.NODE_ENV !== 'test') {
      console.error(`[${processName}] using dev defaults: ${devDefaultsUsed.join(' ')}`);
    }
    return config;
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`[${processName}] ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
}
