/**
 * The hot cache against this machine's Redis (127.0.0.1:6379), each test under its own
 * prefix: the newest window wins whatever order writes come in, a key not written for the
 * TTL is no longer answered, a whole series only from a cache that has held it for the TTL,
 * and the store answers whenever the cache cannot.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { SeriesPoint } from '../../src/contract/index.js';
import { LatestCache, latestOfSeries } from '../../src/live/latest-cache.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const TTL = 60_000;
const point = (key: string, start: number, n: number): SeriesPoint => ({
  key,
  start,
  end: start + 10,
  values: { n },
});

describe('the hot cache of the latest result per key', () => {
  const clients: Redis[] = [];
  let now = 1_000_000;
  const prefixes: string[] = [];
  const open = async () => {
    const client = new Redis(REDIS_URL, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
    });
    clients.push(client);
    await client.connect();
    const prefix = `t-latest-${randomBytes(4).toString('hex')}`;
    prefixes.push(prefix);
    return { client, cache: new LatestCache(client, { prefix, latestTtlMs: TTL }, () => now) };
  };
  /** Writes are sent without waiting; a read on the same connection comes after them. */
  const settled = (client: Redis) => client.ping();

  afterEach(async () => {
    for (const client of clients.splice(0)) client.disconnect();
  });
  afterAll(async () => {
    const client = new Redis(REDIS_URL);
    for (const prefix of prefixes) {
      const keys = await client.keys(`${prefix}:*`);
      if (keys.length > 0) await client.del(...keys);
    }
    client.disconnect();
  });

  it('keeps the newest window of each key, whatever order the writes come in', async () => {
    const { client, cache } = await open();
    cache.record('clicks', [point('b', 20, 2), point('a', 10, 1)]);
    // A replay of older windows (a task restarted from its checkpoint) does not push them out.
    cache.record('clicks', [point('a', 0, 9), point('b', 10, 9), point('b', 30, 3)]);
    // The same window again: a later result for it replaces the earlier one.
    cache.record('clicks', [point('a', 10, 4)]);
    await settled(client);

    expect(await cache.latest('clicks', ['b', 'a'])).toEqual([point('a', 10, 4), point('b', 30, 3)]);
    expect(await cache.latest('clicks', ['b'])).toEqual([point('b', 30, 3)]);
    expect(await cache.latest('other', ['a'])).toBeUndefined();
    expect(cache.dropped).toBe(0);
  });

  it('answers a key only within the TTL of its last write, and expires the series after it', async () => {
    const { client, cache } = await open();
    cache.record('temps', [point('s1', 10, 1)]);
    now += TTL / 2;
    cache.record('temps', [point('s2', 10, 2)]);
    await settled(client);
    expect(await cache.latest('temps', ['s1', 's2'])).toEqual([point('s1', 10, 1), point('s2', 10, 2)]);

    now += TTL / 2 + 1;
    // Asked for a key it does not hold, the cache leaves the whole answer to the store.
    expect(await cache.latest('temps', ['s1', 's2'])).toBeUndefined();
    // The whole series: every key written within the TTL, the cache being older than that.
    expect(await cache.latest('temps')).toEqual([point('s2', 10, 2)]);
    const hash = (await client.keys('*:latest:temps')).find((k) => k.startsWith(prefixes.at(-1)!))!;
    expect(await client.hkeys(hash)).toEqual(['s2']);
    const ttl = await client.pttl(hash);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(TTL);
  });

  it('answers a whole series only once it has held it for the TTL: before, a key written earlier may be missing', async () => {
    const { client, cache } = await open();
    const store = { latest: async () => [point('from-store', 0, 7), point('k', 0, 1)] };
    cache.record('young', [point('k', 0, 1)]);
    await settled(client);
    // A cache that began a moment ago (a new deployment, Redis restarted empty) knows of `k` only.
    expect(await latestOfSeries(cache, store, 'young')).toMatchObject({ source: 'store' });
    expect(await latestOfSeries(cache, store, 'young', ['k'])).toEqual({
      source: 'cache',
      points: [point('k', 0, 1)],
    });
    now += TTL;
    cache.record('young', [point('k', 10, 2)]);
    await settled(client);
    expect(await latestOfSeries(cache, store, 'young')).toEqual({
      source: 'cache',
      points: [point('k', 10, 2)],
    });
  });

  it('leaves the answer to the store when it holds none of the series, or Redis is away', async () => {
    const { client, cache } = await open();
    const store = { latest: async () => [point('from-store', 0, 7)] };
    expect(await latestOfSeries(cache, store, 'empty')).toEqual({
      source: 'store',
      points: [point('from-store', 0, 7)],
    });
    cache.record('full', [point('k', 0, 1)]);
    await settled(client);
    expect(await latestOfSeries(cache, store, 'full', ['k'])).toEqual({
      source: 'cache',
      points: [point('k', 0, 1)],
    });

    const ended = new Promise((resolve) => client.once('end', resolve));
    client.disconnect();
    await ended;
    cache.record('full', [point('k', 10, 2), point('j', 10, 3)]);
    expect(cache.dropped).toBe(2);
    expect(await latestOfSeries(cache, store, 'full', ['k'])).toEqual({
      source: 'store',
      points: [point('from-store', 0, 7)],
    });
    expect(await latestOfSeries(undefined, store, 'full')).toMatchObject({ source: 'store' });

    // Back, the cache no longer answers `k` with the window it held before the lost write.
    await client.connect();
    await expect.poll(() => latestOfSeries(cache, store, 'full', ['k'])).toMatchObject({ source: 'store' });
    cache.record('full', [point('k', 20, 4)]);
    await settled(client);
    expect(await latestOfSeries(cache, store, 'full', ['k'])).toEqual({
      source: 'cache',
      points: [point('k', 20, 4)],
    });
  });
});
