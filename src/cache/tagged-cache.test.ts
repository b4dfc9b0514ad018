// The tagged cache against real Redis (this run's key prefix).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../test/harness.ts';
import { createRedis, type Redis } from '../redis.ts';
import { TaggedCache } from './tagged-cache.ts';

let redis: Redis;
let cache: TaggedCache;

beforeAll(async () => {
  const config = testConfig();
  redis = createRedis(config.REDIS_URL, `${config.REDIS_KEY_PREFIX}cache-test:${randomUUID()}:`);
  await new Promise((resolve) => redis.once('ready', resolve));
  cache = new TaggedCache(redis, { ttlSeconds: 60 });
});

afterAll(() => {
  redis?.disconnect();
});

/** A loader that counts its calls and answers with the current `value`. */
function source(initial: string) {
  const state = { value: initial, loads: 0 };
  return {
    state,
    load: async () => {
      state.loads++;
      return state.value;
    },
  };
}

describe('TaggedCache', () => {
  it('serves a stored value until one of its tags is invalidated', async () => {
    const s = source('v1');
    expect(await cache.getOrLoad('player:1', ['season', 'all-time'], s.load)).toBe('v1');
    s.state.value = 'v2';
    expect(await cache.getOrLoad('player:1', ['season', 'all-time'], s.load)).toBe('v1');
    expect(s.state.loads).toBe(1);

    expect(await cache.invalidate(['all-time'])).toBe(1);
    expect(await cache.getOrLoad('player:1', ['season', 'all-time'], s.load)).toBe('v2');
    expect(s.state.loads).toBe(2);
  });

  it('counts the keys an invalidation removes and leaves other tags alone', async () => {
    const s = source('x');
    await cache.getOrLoad('a', ['t1'], s.load);
    await cache.getOrLoad('b', ['t1', 't2'], s.load);
    await cache.getOrLoad('c', ['t3'], s.load);
    expect(await cache.invalidate(['t1'])).toBe(2);
    expect(await cache.invalidate(['t1'])).toBe(0); // nothing left under t1
    expect(s.state.loads).toBe(3);
    await cache.getOrLoad('c', ['t3'], s.load);
    expect(s.state.loads).toBe(3); // t3's entry survived
  });

  it('never serves a value loaded before an invalidation that raced it', async () => {
    const s = source('old');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    // A reader loads the old value, and only stores it after the invalidation has run.
    const slowRead = cache.getOrLoad('race', ['hof'], async () => {
      const value = await s.load();
      await gate;
      return value;
    });
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (s.state.loads === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    s.state.value = 'new';
    await cache.invalidate(['hof']);
    release();
    expect(await slowRead).toBe('old'); // that reader answered with what it had
    expect(await cache.getOrLoad('race', ['hof'], s.load)).toBe('new'); // but it was not kept as fresh
  });

  it('reads the source when Redis is down', async () => {
    const down = createRedis('redis://127.0.0.1:1', 'nowhere:');
    down.on('error', () => {});
    const errors: unknown[] = [];
    const offline = new TaggedCache(down, { ttlSeconds: 60, onError: (err) => errors.push(err) });
    const s = source('from-db');
    expect(await offline.getOrLoad('k', ['t'], s.load)).toBe('from-db');
    expect(errors.length).toBeGreaterThan(0);
    await expect(offline.invalidate(['t'])).rejects.toThrow();
    down.disconnect();
  });
});
