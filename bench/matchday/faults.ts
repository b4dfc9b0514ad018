// The faults a matchday can meet in production, each injected at kickoff (or at its moment inside the
// window) and lifted a while after full time (`liftAt`), by bench:matchday --fault <name> and, all in a
// row, by bench:faults. Each acts on a real dependency: the bench's own Redis server
// (test/redis-server.ts), the machine's PostgreSQL, or a TCP proxy (test/fault-proxy.ts) between the
// stack and Redis, PostgreSQL or the Temporal dev server.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import pg from 'pg';
import type { FaultProxy } from '../../test/fault-proxy.ts';
import type { RedisServer } from '../../test/redis-server.ts';

export const faultNames = [
  'redis-refuses-writes',
  'redis-slow',
  'redis-down',
  'pg-slow',
  'pg-restart',
  'temporal-unreachable',
  'temporal-slow',
  'worker-kill',
] as const;
export type FaultName = (typeof faultNames)[number];

export function isFaultName(name: string): name is FaultName {
  return (faultNames as readonly string[]).includes(name);
}

/** What a fault acts on. */
export interface FaultTargets {
  redis: RedisServer;
  proxies: { redis?: FaultProxy; postgres?: FaultProxy; temporal?: FaultProxy };
  /** The bench database's URL, straight to PostgreSQL (not through a proxy). */
  databaseUrl: string;
  /** SIGKILLs one worker process of every task queue (their supervisor starts them again). */
  killWorkers(): void;
  say(line: string): void;
}

export interface FaultTiming {
  kickoff: number;
  fullTime: number;
  liftAt: number;
}

export interface Fault {
  name: FaultName;
  /** What it does, as the table says it. */
  what: string;
  /** Connections the stack makes through a proxy, so the fault can act on them. */
  proxied: ('redis' | 'postgres' | 'temporal')[];
  inject(targets: FaultTargets, timing: FaultTiming): Promise<void>;
  lift(targets: FaultTargets): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Timers a fault sets inside its window; lifting clears those still pending. */
class Steps {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly say: (line: string) => void) {}

  /** Runs `step` at `at` (ms since the epoch); a failure is reported, not thrown. */
  at(at: number, what: string, step: () => Promise<void> | void): void {
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        const run: Promise<void> = Promise.resolve()
          .then(step)
          .then(
            () => this.say(`fault: ${what}`),
            (err: unknown) => this.say(`fault: ${what} failed: ${(err as Error).message}`),
          )
          .finally(() => this.running.delete(run));
        this.running.add(run);
      },
      Math.max(0, at - Date.now()),
    );
    this.timers.add(timer);
  }

  /** Clears pending steps and waits for running ones. */
  async clear(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.all([...this.running]);
  }
}

/** The machine's PostgreSQL cluster, for pg_ctlcluster (Debian): `<version> main`. */
function postgresCluster(): string[] {
  const versions = fs.readdirSync('/etc/postgresql');
  if (versions.length !== 1)
    throw new Error(`expected one PostgreSQL version under /etc/postgresql, found ${versions.join(', ')}`);
  return [versions[0]!, 'main'];
}

function pgctl(action: 'stop' | 'start', ...args: string[]): void {
  const result = spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', ...postgresCluster(), action, ...args], {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`pg_ctlcluster ${action}: ${result.stderr || result.stdout}`);
}

/** Until PostgreSQL accepts connections again. */
async function postgresUp(databaseUrl: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const client = new pg.Client({ connectionString: databaseUrl });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.end();
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error('PostgreSQL did not come back within 60 s');
}

/**
 * Holds a lock that makes writes to `games` wait (SHARE ROW EXCLUSIVE: reads and SELECT … FOR UPDATE
 * go on) for `holdMs` every `everyMs`: the API's statements that update a game wait past
 * API_STATEMENT_TIMEOUT_MS and are cancelled (57014), as on a PostgreSQL that is overloaded or
 * blocked by a long migration.
 */
function lockCycles(
  targets: FaultTargets,
  steps: Steps,
  from: number,
  until: number,
  holdMs: number,
  everyMs: number,
): void {
  for (let at = from; at + holdMs < until; at += everyMs) {
    steps.at(at, `games locked for ${holdMs / 1000} s`, async () => {
      const client = new pg.Client({ connectionString: targets.databaseUrl });
      client.on('error', () => {});
      await client.connect();
      try {
        await client.query('BEGIN');
        await client.query('LOCK TABLE games IN SHARE ROW EXCLUSIVE MODE');
        await sleep(holdMs);
        await client.query('COMMIT');
      } finally {
        await client.end();
      }
    });
  }
}

export function createFault(name: FaultName): Fault {
  let steps: Steps | null = null;
  const begin = (targets: FaultTargets) => (steps = new Steps(targets.say));
  const end = async () => {
    await steps?.clear();
    steps = null;
  };
  switch (name) {
    case 'redis-refuses-writes':
      return {
        name,
        what: 'Redis refuses every write (maxmemory below use, noeviction: OOM) from kickoff to the lift',
        proxied: [],
        inject: (t) => t.redis.refuseWrites('oom'),
        lift: (t) => t.redis.acceptWrites(),
      };
    case 'redis-slow':
      return {
        name,
        what: 'Redis answers 200 ms late from kickoff, 2 s late from full time to the lift (proxy latency)',
        proxied: ['redis'],
        async inject(t, timing) {
          t.proxies.redis!.slow(200);
          begin(t).at(timing.fullTime, 'Redis 2 s late', () => t.proxies.redis!.slow(2000));
        },
        async lift(t) {
          await end();
          t.proxies.redis!.restore();
        },
      };
    case 'redis-down':
      return {
        name,
        what: 'Redis killed at kickoff, started again empty at the lift',
        proxied: [],
        inject: (t) => t.redis.kill(),
        lift: (t) => t.redis.restart(),
      };
    case 'pg-slow':
      return {
        name,
        what: "PostgreSQL 20 ms late each way (proxy), and writes to games held 7 s every 20 s (past the API's 5 s statement timeout: cancelled)",
        proxied: ['postgres'],
        async inject(t, timing) {
          t.proxies.postgres!.slow(20);
          lockCycles(t, begin(t), timing.kickoff + 5000, timing.liftAt, 7000, 20_000);
        },
        async lift(t) {
          await end();
          t.proxies.postgres!.restore();
        },
      };
    case 'pg-restart':
      return {
        name,
        what: 'PostgreSQL crash-stopped (immediate) for 5 s, at kickoff + 30 s and again 2 s after full time',
        proxied: [],
        async inject(t, timing) {
          const restart = async () => {
            pgctl('stop', '-m', 'immediate');
            await sleep(5000);
            pgctl('start');
            await postgresUp(t.databaseUrl);
          };
          // One step, so the second restart never overlaps the first on a short clock.
          begin(t).at(timing.kickoff + 30_000, 'PostgreSQL crash-stopped twice (5 s each)', async () => {
            await restart();
            await sleep(Math.max(0, timing.fullTime + 2000 - Date.now()));
            await restart();
          });
        },
        async lift(t) {
          await end();
          await postgresUp(t.databaseUrl);
        },
      };
    case 'temporal-unreachable':
      return {
        name,
        what: 'Temporal unreachable (connections reset and refused) for 30 s from full time',
        proxied: ['temporal'],
        async inject(t, timing) {
          const s = begin(t);
          s.at(timing.fullTime, 'Temporal cut', () => t.proxies.temporal!.cut());
          s.at(timing.fullTime + 30_000, 'Temporal back', () => t.proxies.temporal!.restore());
        },
        async lift(t) {
          await end();
          t.proxies.temporal!.restore();
        },
      };
    case 'temporal-slow':
      return {
        name,
        what: 'Temporal answers 250 ms late from kickoff, 2 s late from full time to the lift (proxy latency: starts past their 3 s deadline, DEADLINE_EXCEEDED)',
        proxied: ['temporal'],
        async inject(t, timing) {
          t.proxies.temporal!.slow(250);
          begin(t).at(timing.fullTime, 'Temporal 2 s late', () => t.proxies.temporal!.slow(2000));
        },
        async lift(t) {
          await end();
          t.proxies.temporal!.restore();
        },
      };
    case 'worker-kill':
      return {
        name,
        what: 'one worker of every queue SIGKILLed every 20 s from kickoff, and 1, 4 and 8 s after full time (mid-settlement)',
        proxied: [],
        async inject(t, timing) {
          const s = begin(t);
          const times = new Set<number>();
          for (let at = timing.kickoff + 10_000; at < timing.liftAt; at += 20_000) times.add(at);
          for (const after of [1000, 4000, 8000]) times.add(timing.fullTime + after);
          for (const at of [...times].sort((a, b) => a - b))
            s.at(at, 'a worker of each queue killed', () => t.killWorkers());
        },
        lift: () => end(),
      };
  }
}
