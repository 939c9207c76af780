/**
 * The PostgreSQL and Redis a fleet shares, as the integration tests find them
 * (`DATABASE_URL`, `REDIS_URL`, else this machine's services), and what the benchmark does
 * with them: read a round's results back through the store's own query, and leave nothing
 * behind — a round's schema is dropped and its Redis keys are deleted.
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import { openSeriesStore } from '../../src/store/index.js';
import { info } from '../harness.js';
import type { WindowCounts } from '../kafka/reference.js';
import { windowKey } from '../kafka/reference.js';

export const DATABASE_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

/**
 * The windows of `series` whose start is in `[from, to)`, as `user|windowStart` → clicks,
 * read from the store in `schema`. A window stored twice would show once: the store keeps one
 * row per key and window, which is what a reader sees.
 */
export const storedWindowCounts = async (
  schema: string,
  series: string,
  range: { from: number; to: number; limit: number },
): Promise<WindowCounts> => {
  const store = await openSeriesStore({ backend: 'postgres', url: DATABASE_URL, schema });
  try {
    const points = await store.query(series, range);
    return new Map(points.map((p) => [windowKey(p.key, p.start), Number(p.values.clicks)]));
  } finally {
    await store.close();
  }
};

/** Drops the schema and all in it; a failure is reported, not thrown (the figures matter more). */
export const dropSchema = async (schema: string): Promise<void> => {
  const db = new pg.Client({ connectionString: DATABASE_URL });
  try {
    await db.connect();
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } catch (error) {
    info(`  could not drop the schema ${schema}: ${String(error)}`);
  } finally {
    await db.end().catch(() => {});
  }
};

/** Deletes every key under `prefix:` (the workers' hot cache); a failure is reported, not thrown. */
export const deleteRedisKeys = async (prefix: string): Promise<void> => {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1_000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } catch (error) {
    info(`  could not delete the Redis keys ${prefix}:*: ${String(error)}`);
  } finally {
    redis.disconnect();
  }
};
