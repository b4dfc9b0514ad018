import { Redis } from 'ioredis';

export type { Redis };

export function createRedis(url: string, keyPrefix: string): Redis {
  // Fail fast instead of queueing commands forever while Redis is down; readiness reports it.
  return new Redis(url, { keyPrefix, maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
}
