// Change notices for live readers: a worker that moved a number a stream shows (a tournament's board
// projected to a new version, a game's report calculated at a new version) publishes the topic and
// version on Redis; each API process holds ONE subscription, whatever its number of clients, and fans
// notices out to the streams listening on that topic. Pub/sub forgets what nobody received, and Redis
// may be down: so the feed also asks each watched topic's version from its source of truth (one
// query per topic, not per client) every few seconds, more often while its subscription is down.
// Publishing never fails a write: a notice lost is found by that check.
import type { Redis } from '../redis.ts';

export type FeedTopic = `board:${string}` | `report:${string}`;

export const feedTopics = {
  board: (tournamentId: string): FeedTopic => `board:${tournamentId}`,
  report: (gameId: string): FeedTopic => `report:${gameId}`,
};

/** Channels carry the client's key prefix by hand: ioredis prefixes keys, not channels. */
function channelPrefix(redis: Redis): string {
  return `${redis.options.keyPrefix ?? ''}feed:`;
}

/** Tells live readers that `topic` is at `version` now. Errors are swallowed: the feed's check finds it. */
export async function publishChange(redis: Redis, topic: FeedTopic, version: number): Promise<void> {
  await redis.publish(`${channelPrefix(redis)}${topic}`, String(version)).catch(() => 0);
}

interface Watched {
  /** The topic's version from its source of truth (PostgreSQL). */
  check: () => Promise<number>;
  listeners: Set<(version: number) => void>;
  version: number;
}

export interface ChangeFeedOptions {
  /** How often each watched topic's version is asked while the subscription is up (a lost notice). */
  checkEveryMs?: number;
  /** … and while it is down. */
  checkEveryWhileDownMs?: number;
}

export class ChangeFeed {
  readonly #subscriber: Redis;
  readonly #prefix: string;
  readonly #topics = new Map<FeedTopic, Watched>();
  readonly #options: Required<ChangeFeedOptions>;
  #subscribed = false;
  #timer: NodeJS.Timeout | null = null;
  #checking = false;
  #lastCheck = 0;

  constructor(redis: Redis, options: ChangeFeedOptions = {}) {
    this.#options = { checkEveryMs: 5000, checkEveryWhileDownMs: 1000, ...options };
    this.#prefix = channelPrefix(redis);
    // Its own connection (a subscribed one runs no other command), reconnecting for ever, offline queue
    // on so the PSUBSCRIBE waits for Redis to come back.
    this.#subscriber = redis.duplicate({
      keyPrefix: '',
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      lazyConnect: true,
    });
    this.#subscriber.on('error', () => {}); // the check covers an outage; readiness reports it
    this.#subscriber.on('pmessage', (_pattern: string, channel: string, message: string) => {
      const topic = channel.slice(this.#prefix.length) as FeedTopic;
      const version = Number(message);
      if (Number.isFinite(version)) this.#notify(topic, version);
    });
    this.#subscriber.on('ready', () => {
      this.#subscriber.psubscribe(`${this.#prefix}*`).then(
        () => (this.#subscribed = true),
        () => (this.#subscribed = false),
      );
    });
    this.#subscriber.on('close', () => (this.#subscribed = false));
  }

  #started = false;
  #closed = false;

  /** Starts the subscription and the checks (the first watch does it too). */
  start(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    this.#subscriber.connect().catch(() => {}); // retried by ioredis; the checks serve meanwhile
    this.#timer = setInterval(() => this.#tick(), Math.min(this.#options.checkEveryWhileDownMs, 1000));
    this.#timer.unref();
  }

  /** Whether notices arrive by Redis now (otherwise only the checks find changes). */
  get subscribed(): boolean {
    return this.#subscribed;
  }

  /**
   * Calls `onVersion` whenever `topic` moves past the version it had when watched. `check` reads the
   * version from its source of truth. Answers the function that stops watching.
   */
  watch(topic: FeedTopic, check: () => Promise<number>, onVersion: (version: number) => void): () => void {
    this.start();
    let watched = this.#topics.get(topic);
    if (!watched) {
      watched = { check, listeners: new Set(), version: -1 };
      this.#topics.set(topic, watched);
    }
    watched.listeners.add(onVersion);
    return () => {
      watched.listeners.delete(onVersion);
      if (watched.listeners.size === 0) this.#topics.delete(topic);
    };
  }

  /** How many topics and listeners are watched (for metrics and tests). */
  size(): { topics: number; listeners: number } {
    let listeners = 0;
    for (const w of this.#topics.values()) listeners += w.listeners.size;
    return { topics: this.#topics.size, listeners };
  }

  #notify(topic: FeedTopic, version: number): void {
    const watched = this.#topics.get(topic);
    if (!watched || version <= watched.version) return;
    watched.version = version;
    for (const listener of watched.listeners) listener(version);
  }

  #tick(): void {
    const every = this.#subscribed ? this.#options.checkEveryMs : this.#options.checkEveryWhileDownMs;
    if (this.#checking || Date.now() - this.#lastCheck < every) return;
    this.#checking = true;
    this.#lastCheck = Date.now();
    const checks = [...this.#topics].map(([topic, w]) =>
      w.check().then(
        (version) => this.#notify(topic, version),
        () => {}, // PostgreSQL down: the next tick asks again
      ),
    );
    const done = () => (this.#checking = false);
    Promise.all(checks).then(done, done);
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#topics.clear();
    this.#subscriber.disconnect();
  }
}
