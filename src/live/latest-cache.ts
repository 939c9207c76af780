import type { Redis } from 'ioredis';
import type { RedisSettings } from '../config/settings.js';
import type { SeriesLatest, SeriesPoint } from '../contract/index.js';
import type { SeriesStore } from '../store/series-store.js';

/**
 * Sets each field of the hash whose window starts no earlier than the one it holds: writes
 * from a task that replays older windows (after a restart, or a partition that moved) never
 * push a newer value out. A value is `<start> <written at> <point as JSON>`, so the script
 * compares without decoding JSON. Beside the hash, the moment it began (set once, when the
 * hash is new): from then on it holds every write. Both expire `ttl` after the last write.
 *
 * KEYS[1] the series' hash, KEYS[2] its beginning; ARGV[1] the TTL in ms, ARGV[2] now,
 * then (key, start, value) triples.
 */
const SET_IF_NEWER = `
for i = 3, #ARGV, 3 do
  local held = redis.call('HGET', KEYS[1], ARGV[i])
  if (not held) or tonumber(string.match(held, '^(%S+)')) <= tonumber(ARGV[i + 1]) then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 2])
  end
end
redis.call('SET', KEYS[2], ARGV[2], 'NX')
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return 1
`;

type WithScript = Redis & {
  tributaryLatest(
    hash: string,
    began: string,
    ttlMs: number,
    now: number,
    ...triples: (string | number)[]
  ): Promise<number>;
};

/**
 * The hot cache the API reads before the store: the newest result of each key of each
 * series, in a Redis hash per series (`<prefix>:latest:<series>`), written by the process
 * that stored it. A key not written for `latest_ttl` is no longer answered (and removed);
 * a series none of whose keys is in the cache is answered by the store.
 *
 * A whole series is answered only by a hash that began at least `latest_ttl` ago: every key
 * written within the TTL was written into it. A younger one (a new deployment, Redis
 * restarted empty) may lack keys written before it began; it answers the keys it holds.
 *
 * A cache, never the truth: while Redis is away writes are dropped (counted) and reads go
 * to the store, so nothing is lost and nothing waits for Redis. A series whose writes were
 * dropped may hold older windows than the store: its hash is deleted as soon as Redis is
 * back, before anything else this process writes there, and begins again.
 */
export class LatestCache {
  /** Writes not sent because Redis was away or refused them. */
  dropped = 0;
  private readonly redis: WithScript;
  /** Series whose writes were dropped: their hashes may be behind the store. */
  private readonly behind = new Set<string>();

  constructor(
    redis: Redis,
    private readonly settings: Pick<RedisSettings, 'prefix' | 'latestTtlMs'>,
    private readonly now: () => number = Date.now,
  ) {
    redis.defineCommand('tributaryLatest', { numberOfKeys: 2, lua: SET_IF_NEWER });
    this.redis = redis as WithScript;
    redis.on('ready', () => {
      for (const series of this.behind) this.forget(series);
    });
  }

  /** Points just stored: each becomes its key's latest unless a newer window is there. */
  record(series: string, points: readonly SeriesPoint[]): void {
    if (points.length === 0) return;
    if (this.redis.status !== 'ready') {
      this.drop(series, points.length);
      return;
    }
    // Commands on one connection run in order: the hash is gone before this write lands.
    if (this.behind.has(series)) this.forget(series);
    const writtenAt = this.now();
    const triples: (string | number)[] = [];
    for (const point of points)
      triples.push(point.key, point.start, `${point.start} ${writtenAt} ${JSON.stringify(point)}`);
    this.redis
      .tributaryLatest(
        this.hash(series),
        this.began(series),
        this.settings.latestTtlMs,
        writtenAt,
        ...triples,
      )
      .catch(() => this.drop(series, points.length));
  }

  private drop(series: string, points: number): void {
    this.dropped += points;
    this.behind.add(series);
  }

  /** Deletes a series' hash that may be behind; it stays marked until Redis confirms. */
  private forget(series: string): void {
    this.redis.del(this.hash(series), this.began(series)).then(
      () => this.behind.delete(series),
      () => {},
    );
  }

  /** The cached latest of each key (of `keys` only), by key; undefined when Redis is away or does not hold them. */
  async latest(series: string, keys?: readonly string[]): Promise<SeriesPoint[] | undefined> {
    if (this.redis.status !== 'ready') return undefined;
    const hash = this.hash(series);
    const wanted = keys && [...new Set(keys)];
    const since = this.now() - this.settings.latestTtlMs;
    let entries: [string, string | null][];
    try {
      if (wanted) entries = (await this.redis.hmget(hash, ...wanted)).map((value, i) => [wanted[i], value]);
      else {
        const began = await this.redis.get(this.began(series));
        if (began === null || Number(began) > since) return undefined;
        entries = Object.entries(await this.redis.hgetall(hash));
      }
    } catch {
      return undefined;
    }
    const points: SeriesPoint[] = [];
    const stale: string[] = [];
    for (const [key, value] of entries) {
      if (value === null) continue;
      const [, writtenAt, json] = /^\S+ (\S+) ([\s\S]*)$/.exec(value) ?? [];
      if (Number(writtenAt) >= since) points.push(JSON.parse(json) as SeriesPoint);
      else stale.push(key);
    }
    if (stale.length > 0) this.redis.hdel(hash, ...stale).catch(() => {});
    // Keys asked for and not held: the store answers them all, so that one answer has one source.
    if (points.length === 0 || (wanted && points.length < wanted.length)) return undefined;
    return points.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  private hash(series: string): string {
    return `${this.settings.prefix}:latest:${series}`;
  }

  private began(series: string): string {
    return `${this.settings.prefix}:latest-began:${series}`;
  }
}

/** The newest result of each key: from the cache when it holds the series, else from the store. */
export const latestOfSeries = async (
  cache: LatestCache | undefined,
  store: Pick<SeriesStore, 'latest'>,
  series: string,
  keys?: readonly string[],
): Promise<Omit<SeriesLatest, 'name'>> => {
  const cached = await cache?.latest(series, keys);
  if (cached) return { source: 'cache', points: cached };
  return { source: 'store', points: await store.latest(series, keys) };
};
