import { Redis } from 'ioredis';

export type { Redis };

export function createRedis(url: string, keyPrefix: string): Redis {
  // Fail fast instead of queueing commands forever while Redis is down; readiness reports it.
  return new Redis(url, { keyPrefix, maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
}

/** Deletes every key under `prefix` (a test run's or a benchmark's), with a client of no prefix. */
export async function deleteKeysUnder(url: string, prefix: string): Promise<number> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length > 0) deleted += await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}
