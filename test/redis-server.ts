// A Redis server of its own (Debian's redis-server, the one the machine runs), for tests and
// benchmarks that make Redis misbehave the ways production Redis does. The machine's shared Redis is
// never touched: its settings are everyone's.
//
// Write refusals are Redis's own answers, made the way they happen in production:
//   - oom:      maxmemory below what is used, policy noeviction ("OOM command not allowed when used
//               memory > 'maxmemory'"); lifted by raising maxmemory again.
//   - misconf:  a background save that fails (its directory is gone, as on a full or lost disk) with
//               stop-writes-on-bgsave-error ("MISCONF … unable to persist to disk"); lifted by a save
//               that succeeds in a new directory.
//   - readonly: the server made a replica (of a master that is not there), as after a failover that
//               demoted it ("READONLY You can't write against a read only replica"); lifted by
//               REPLICAOF NO ONE. Its data stays (a replica drops it only once it syncs).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';

export type WriteRefusal = 'oom' | 'misconf' | 'readonly';
export const writeRefusals: WriteRefusal[] = ['oom', 'misconf', 'readonly'];
/** What each refusal's error message starts with. */
export const refusalReplies: Record<WriteRefusal, RegExp> = {
  oom: /^OOM /,
  misconf: /^MISCONF /,
  readonly: /^READONLY /,
};

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class RedisServer {
  private child: ChildProcess | null = null;
  private dir = '';
  private refusing: WriteRefusal | null = null;

  private constructor(readonly port: number) {}

  /** Starts one on a free port of 127.0.0.1, keeping nothing on disk unless asked to save. */
  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort());
    await server.launch();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Which refusal is in force, if any. */
  get refusal(): WriteRefusal | null {
    return this.refusing;
  }

  private async launch(): Promise<void> {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fulltime-redis-'));
    // enable-protected-configs lets CONFIG SET move `dir` (how a misconf is lifted).
    this.child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        this.dir,
        '--enable-protected-configs',
        'yes',
        '--loglevel',
        'warning',
      ],
      {
        stdio: 'ignore',
      },
    );
    this.child.once('error', () => {}); // a missing binary shows as the wait below failing
    for (let i = 0; ; i++) {
      if (await this.ping()) return;
      if (i > 200)
        throw new Error(`redis-server on port ${this.port} did not start (is Debian's redis-server installed?)`);
      await sleep(25);
    }
  }

  private async ping(): Promise<boolean> {
    const probe = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {});
    try {
      await probe.connect();
      return (await probe.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      probe.disconnect();
    }
  }

  /** A command on an admin connection of its own. */
  async admin<T = unknown>(...args: (string | number)[]): Promise<T> {
    const client = new Redis(this.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {});
    try {
      return (await client.call(String(args[0]), ...args.slice(1))) as T;
    } finally {
      client.disconnect();
    }
  }

  /** Makes the server refuse writes with `kind`'s own error, as production Redis does. */
  async refuseWrites(kind: WriteRefusal): Promise<void> {
    if (this.refusing) await this.acceptWrites();
    if (kind === 'oom') {
      await this.admin('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
      await this.admin('CONFIG', 'SET', 'maxmemory', 1);
    } else if (kind === 'misconf') {
      // Redis refuses writes after a failed save only when it has save points to keep.
      await this.admin('CONFIG', 'SET', 'save', '3600 1');
      await this.admin('CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'yes');
      fs.rmSync(this.dir, { recursive: true, force: true }); // the disk it saves to is gone
      await this.admin('BGSAVE');
      for (let i = 0; ; i++) {
        const info = await this.admin<string>('INFO', 'persistence');
        if (/rdb_bgsave_in_progress:0/.test(info) && /rdb_last_bgsave_status:err/.test(info)) break;
        if (i > 400) throw new Error('the failing background save did not finish');
        await sleep(25);
      }
    } else {
      // A master that is not there: the replica keeps its data and refuses writes.
      await this.admin('REPLICAOF', '127.0.0.1', await freePort());
    }
    this.refusing = kind;
  }

  /** Lifts the refusal the way an operator would. */
  async acceptWrites(): Promise<void> {
    const kind = this.refusing;
    this.refusing = null;
    if (kind === 'oom') await this.admin('CONFIG', 'SET', 'maxmemory', 0);
    else if (kind === 'misconf') {
      this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fulltime-redis-'));
      await this.admin('CONFIG', 'SET', 'dir', this.dir);
      await this.admin('SAVE'); // succeeds: writes are accepted again
      await this.admin('CONFIG', 'SET', 'save', '');
    } else if (kind === 'readonly') await this.admin('REPLICAOF', 'NO', 'ONE');
  }

  /** Crash-stops the server (SIGKILL): its data is gone, as with a Redis that keeps none on disk. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    this.refusing = null;
  }

  /** Starts it again on the same port, empty. */
  async restart(): Promise<void> {
    await this.kill();
    fs.rmSync(this.dir, { recursive: true, force: true });
    await this.launch();
  }

  async stop(): Promise<void> {
    await this.kill();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
