// The change feed against a real Redis: a published change reaches a watcher through the one
// subscription (with the PostgreSQL check set far apart, so nothing else could have told it), and
// with Redis unreachable the check alone finds a change; a watcher stopped hears nothing more.
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { waitFor } from '../../test/harness.ts';
import { createRedis } from '../redis.ts';
import { ChangeFeed, feedTopics, publishChange } from './change-feed.ts';

describe('change feed', () => {
  it('delivers a published change through its subscription, once, to every watcher of the topic', async () => {
    const redis = createRedis(inject('redisUrl'), `${inject('redisKeyPrefix')}feed-${randomUUID()}:`);
    const feed = new ChangeFeed(redis, { checkEveryMs: 600_000, checkEveryWhileDownMs: 600_000 });
    try {
      const topic = feedTopics.board('t1');
      const heard: [string, number][] = [];
      feed.watch(
        topic,
        async () => 1,
        (v) => heard.push(['a', v]),
      );
      const stop = feed.watch(
        topic,
        async () => 1,
        (v) => heard.push(['b', v]),
      );
      feed.watch(
        feedTopics.board('t2'),
        async () => 1,
        (v) => heard.push(['other', v]),
      );
      await waitFor(async () => feed.subscribed, 10_000, 'the subscription');
      await waitFor(async () => heard.length === 3, 10_000, 'the first check'); // version 1, asked once at start
      await publishChange(redis, topic, 2);
      await publishChange(redis, topic, 2); // a repeat moves nothing
      await waitFor(async () => heard.length === 5, 10_000, 'the published change');
      stop();
      await publishChange(redis, topic, 3);
      await waitFor(async () => heard.length === 6, 10_000, 'the next change');
      expect(heard).toEqual(
        expect.arrayContaining([
          ['a', 1],
          ['b', 1],
          ['other', 1],
          ['a', 2],
          ['b', 2],
          ['a', 3],
        ]),
      );
      expect(heard).toHaveLength(6);
      expect(feed.size()).toEqual({ topics: 2, listeners: 2 });
    } finally {
      await feed.close();
      redis.disconnect();
    }
  });

  it('finds a change by asking its source while Redis is unreachable', async () => {
    const redis = createRedis('redis://127.0.0.1:1', 'fulltime:nowhere:');
    redis.on('error', () => {});
    const feed = new ChangeFeed(redis, { checkEveryMs: 600_000, checkEveryWhileDownMs: 100 });
    try {
      let version = 1;
      const heard: number[] = [];
      feed.watch(
        feedTopics.report('g1'),
        async () => version,
        (v) => heard.push(v),
      );
      await waitFor(async () => heard.includes(1), 10_000, 'the first check');
      version = 4;
      await waitFor(async () => heard.includes(4), 10_000, 'the change, found by the check');
      expect(feed.subscribed).toBe(false);
      expect(heard).toEqual([1, 4]);
    } finally {
      await feed.close();
      redis.disconnect();
    }
  });
});
