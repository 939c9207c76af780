/**
 * The redis sink against a real Redis: the Redis of this machine (REDIS_URL, or
 * 127.0.0.1:6379) with keys of the test's own, and for an outage a redis-server the test
 * starts on a port of its own.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { RedisSinkSpec } from '../../../src/connectors/redis/connector.js';
import { RedisSink } from '../../../src/connectors/redis/redis-sink.js';
import type { Batch } from '../../../src/engine/batch.js';
import { TributaryError } from '../../../src/errors.js';
import { startRedisServer } from '../../redis-server.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const client = new Redis(REDIS_URL);
const opened: { close(): Promise<unknown> }[] = [];
const used: string[] = [];

afterEach(async () => {
  for (const o of opened.splice(0)) await o.close();
});
afterAll(async () => {
  if (used.length > 0) await client.del(...used);
  client.disconnect();
});

const keyName = (what: string) => {
  const key = `tributary-test:${what}:${randomBytes(4).toString('hex')}`;
  used.push(key);
  return key;
};

const sink = (
  spec: Partial<RedisSinkSpec> & Pick<RedisSinkSpec, 'mode' | 'key'>,
  rejected: unknown[] = [],
) => {
  const s = new RedisSink(
    'out',
    { type: 'redis', url: REDIS_URL, maxLen: 100_000, ...spec },
    { reject: (_sink, _batch, _i, error) => rejected.push(error) },
  );
  opened.push(s);
  return s;
};

const results = (rows: [string, number][], retracted: number[] = []): Batch<unknown> => ({
  values: rows.map(([key, clicks]) => ({ key, clicks })),
  timestamps: rows.map(() => 0),
  keys: rows.map(([key]) => key),
  ...(retracted.length > 0 ? { retractions: rows.map((_, i) => retracted.includes(i)) } : {}),
});

describe('the redis sink', () => {
  it('keeps the latest result per key in a hash, expiring after its ttl; a retraction deletes the field', async () => {
    const key = keyName('hash');
    const s = sink({ mode: 'hash', key, ttlMs: 60_000 });
    s.write(
      results([
        ['a', 1],
        ['b', 5],
        ['a', 2],
        ['c', 9],
      ]),
    );
    expect(s.pending).toBe(4);
    await s.flush();
    expect(s.pending).toBe(0);
    expect(await client.hgetall(key)).toEqual({
      a: JSON.stringify({ key: 'a', clicks: 2 }),
      b: JSON.stringify({ key: 'b', clicks: 5 }),
      c: JSON.stringify({ key: 'c', clicks: 9 }),
    });
    const ttl = await client.pttl(key);
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    s.write(results([['c', 9]], [0]));
    await s.flush();
    expect(Object.keys(await client.hgetall(key)).sort()).toEqual(['a', 'b']);
  });

  it('appends every result to a stream, trimmed to max_len', async () => {
    const key = keyName('stream');
    const s = sink({ mode: 'stream', key, maxLen: 5 });
    s.write(results(Array.from({ length: 8 }, (_, i): [string, number] => [`k${i}`, i])));
    await s.flush();
    const entries = await client.xrange(key, '-', '+');
    expect(entries.map(([, fields]) => fields)).toEqual(
      [3, 4, 5, 6, 7].map((i) => ['key', `k${i}`, 'value', JSON.stringify({ key: `k${i}`, clicks: i })]),
    );
  });

  it('publishes every result on a channel', async () => {
    const channel = keyName('channel');
    const subscriber = new Redis(REDIS_URL);
    opened.push({ close: async () => subscriber.disconnect() });
    const received: unknown[] = [];
    subscriber.on('message', (_channel, message: string) => received.push(JSON.parse(message)));
    await subscriber.subscribe(channel);
    const s = sink({ mode: 'publish', key: channel });
    s.write(
      results([
        ['a', 1],
        ['b', 2],
      ]),
    );
    await s.flush();
    await expect
      .poll(() => received)
      .toEqual([
        { key: 'a', value: { key: 'a', clicks: 1 } },
        { key: 'b', value: { key: 'b', clicks: 2 } },
      ]);
  });

  it('keeps its results through an outage, says where it failed without the password, and writes once Redis is there', async () => {
    const port = await freePort();
    const url = `redis://:s3cret@127.0.0.1:${port}`;
    const key = 'latest';
    const s = new RedisSink(
      'out',
      { type: 'redis', url, mode: 'hash', key, maxLen: 1 },
      { reject: () => {} },
    );
    opened.push(s);
    s.write(results([['a', 1]]));
    const error = await s.flush().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TributaryError);
    expect((error as TributaryError).code).toBe('TRB_REDIS_FAILED');
    expect((error as Error).message).toContain(
      `sink "out": writing 1 results to Redis at redis://:***@127.0.0.1:${port}`,
    );
    expect((error as Error).message).not.toContain('s3cret');
    expect(s.pending).toBe(1);

    const server = await startRedisServer({ port, password: 's3cret' });
    opened.push({ close: () => server.kill() });
    s.write(results([['b', 2]]));
    await expect
      .poll(
        () =>
          s.flush().then(
            () => true,
            () => false,
          ),
        { timeout: 15_000, interval: 250 },
      )
      .toBe(true);
    const own = new Redis(url);
    opened.push({ close: async () => own.disconnect() });
    expect(await own.hgetall(key)).toEqual({
      a: JSON.stringify({ key: 'a', clicks: 1 }),
      b: JSON.stringify({ key: 'b', clicks: 2 }),
    });
  });
});

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
