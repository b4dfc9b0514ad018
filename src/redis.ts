import { Redis } from 'ioredis';

export type { Redis };

/**
 * `timeoutMs` (the API's): a command unanswered that long fails (its caller falls back to
 * PostgreSQL), and a connection that stops answering is closed and made again, so a stalled Redis
 * costs each read at most that long instead of hanging it.
 */
export function createRedis(url: string, keyPrefix: string, options: { timeoutMs?: number } = {}): Redis {
  const timeouts = options.timeoutMs
    ? { commandTimeout: options.timeoutMs, socketTimeout: options.timeoutMs, connectTimeout: options.timeoutMs }
    : {};
  // Fail fast instead of queueing commands forever while Redis is down; readiness reports it.
  return new Redis(url, {
    keyPrefix,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    lazyConnect: false,
    ...timeouts,
  });
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
