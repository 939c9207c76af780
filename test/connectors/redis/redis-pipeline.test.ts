/** A pipeline from a configuration file whose results go to Redis: the latest per user in a hash, and a stream. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { platformOptions } from '../../../src/runtime/from-config.js';
import { Platform } from '../../../src/runtime/platform.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('a pipeline with redis sinks', () => {
  const prefix = `tributary-test:${randomBytes(4).toString('hex')}`;
  const redis = new Redis(REDIS_URL);
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => {});
    await redis.del(`${prefix}:latest`, `${prefix}:feed`);
    redis.disconnect();
  });

  it('keeps the latest count per user in a hash and appends every count to a stream', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tributary-redis-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'tributary.yaml');
    await writeFile(
      file,
      `
data_dir: ${join(dir, 'data')}
workers: 0
sources:
  clicks: { type: http }
sinks:
  latest: { type: redis, url: "\${REDIS_URL}", key: "${prefix}:latest", ttl: 10m }
  feed: { type: redis, url: "\${REDIS_URL}", mode: stream, key: "${prefix}:feed", max_len: 1000 }
pipelines:
  - name: clicks-per-user
    source: clicks
    time: ts
    steps:
      - key_by: user
      - window: { tumbling: 1s }
        aggregate: { clicks: count }
    sinks: [latest, feed]
`,
    );
    const platform = new Platform(platformOptions(await loadConfig(file, { env: { REDIS_URL } })));
    await platform.start();
    cleanup.push(() => platform.stop());
    // Two windows of u1 and one of u2, then a click past them that closes both windows.
    const clicks = [
      { user: 'u1', ts: 100 },
      { user: 'u2', ts: 200 },
      { user: 'u1', ts: 300 },
      { user: 'u1', ts: 1_100 },
      { user: 'u3', ts: 5_000 },
    ];
    await platform.ingest(
      'clicks',
      clicks.map((value) => ({ value })),
    );
    await expect.poll(() => redis.xlen(`${prefix}:feed`), { timeout: 20_000 }).toBe(3);
    const latest = await redis.hgetall(`${prefix}:latest`);
    expect(Object.fromEntries(Object.entries(latest).map(([k, v]) => [k, JSON.parse(v).clicks]))).toEqual({
      u1: 1,
      u2: 1,
    });
    expect(JSON.parse(latest.u1)).toMatchObject({ key: 'u1', start: 1_000, end: 2_000 });
    const feed = await redis.xrange(`${prefix}:feed`, '-', '+');
    expect(
      feed.map(([, fields]) => [fields[1], JSON.parse(fields[3]).start, JSON.parse(fields[3]).clicks]),
    ).toEqual([
      ['u1', 0, 2],
      ['u2', 0, 1],
      ['u1', 1_000, 1],
    ]);
    expect(await redis.pttl(`${prefix}:latest`)).toBeGreaterThan(0);
  });
});
