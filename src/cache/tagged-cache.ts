// A read-through cache in Redis whose entries carry tags, so a writer can drop every entry built from
// what it changed (the stats workflow, after each aggregation). Redis holds copies only: a miss, or
// Redis being down, reads PostgreSQL.
//
// Each tag has a generation counter. An entry stores the generations of its tags at the moment its
// value was read from the database; it is served only while they are still current. Invalidating a
// tag bumps its generation and deletes its entries in one step (a Lua script), so a read that
// loaded old data before the invalidation and stored it after cannot be served as fresh.
import type { Redis } from '../redis.ts';
import { cacheKind, metrics } from '../telemetry/metrics.ts';

const entryKey = (key: string) => `cache:${key}`;
const generationKey = (tag: string) => `cache-tag-generation:${tag}`;
const membersKey = (tag: string) => `cache-tag-members:${tag}`;

// KEYS[1] generation, KEYS[2] members; ARGV[1] the client's key prefix (members are stored unprefixed).
const INVALIDATE_TAG = `
redis.call('INCR', KEYS[1])
local members = redis.call('SMEMBERS', KEYS[2])
local removed = 0
for _, member in ipairs(members) do
  removed = removed + redis.call('DEL', ARGV[1] .. 'cache:' .. member)
end
redis.call('DEL', KEYS[2])
return removed`;

interface Entry<T> {
  generations: string[];
  value: T;
}

export class TaggedCache {
  private readonly prefix: string;

  constructor(
    private readonly redis: Redis,
    private readonly options: { ttlSeconds: number; onError?: (err: unknown) => void } = { ttlSeconds: 3600 },
  ) {
    this.prefix = String(redis.options.keyPrefix ?? '');
  }

  /** The cached value for `key` if every tag is unchanged since it was stored; else `load()`, stored. */
  async getOrLoad<T>(key: string, tags: string[], load: () => Promise<T>): Promise<T> {
    const cache = cacheKind(key);
    let generations: string[];
    try {
      const [cached, ...current] = await this.redis.mget(entryKey(key), ...tags.map(generationKey));
      generations = current.map((g) => g ?? '0');
      if (cached) {
        const entry = JSON.parse(cached) as Entry<T>;
        if (entry.generations.length === tags.length && entry.generations.every((g, i) => g === generations[i])) {
          metrics.cacheRequests.inc({ cache, outcome: 'hit' });
          return entry.value;
        }
      }
    } catch (err) {
      metrics.cacheRequests.inc({ cache, outcome: 'error' });
      this.options.onError?.(err);
      return load(); // Redis down: PostgreSQL answers.
    }
    metrics.cacheRequests.inc({ cache, outcome: 'miss' });
    const value = await load();
    try {
      const entry: Entry<T> = { generations, value };
      const write = this.redis.multi().set(entryKey(key), JSON.stringify(entry), 'EX', this.options.ttlSeconds);
      for (const tag of tags) write.sadd(membersKey(tag), key);
      await write.exec();
    } catch (err) {
      this.options.onError?.(err);
    }
    return value;
  }

  /** Drops every entry carrying any of `tags`; returns how many keys were removed. Throws if Redis is down. */
  async invalidate(tags: string[]): Promise<number> {
    let removed = 0;
    for (const tag of new Set(tags)) {
      removed += Number(await this.redis.eval(INVALIDATE_TAG, 2, generationKey(tag), membersKey(tag), this.prefix));
    }
    return removed;
  }
}
