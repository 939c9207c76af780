import { Redis } from 'ioredis';
import type { Batch } from '../../engine/batch.js';
import { describeError, TributaryError } from '../../errors.js';
import { redactUrl } from '../../store/store-errors.js';
import type { SinkContext } from '../connector.js';
import type { Guarantee, Sink } from '../sink.js';
import type { RedisSinkSpec } from './connector.js';

/** One result to write: the pipeline's key, its JSON, and whether it takes back an earlier one. */
interface Entry {
  readonly key: string;
  readonly json: string;
  readonly retraction: boolean;
}

/**
 * Results into Redis, written at every flush in one pipeline of commands:
 * - `hash`: `HSET key <result key> <json>` — the latest result per key (a retraction
 *   deletes its field), the hash expiring `ttl` after the last write;
 * - `stream`: `XADD key MAXLEN n * key <result key> value <json>` — every result, the
 *   oldest trimmed past `max_len`;
 * - `publish`: `PUBLISH key {"key", "value"}` — every result to whoever subscribes now.
 *
 * At-least-once: a replay after a crash writes its results again (a hash ends with the
 * same latest values). A failed flush keeps its results for the next; the client reconnects
 * by itself when Redis comes back.
 */
export class RedisSink implements Sink {
  readonly guarantee: Guarantee = 'at-least-once';
  private buffer: Entry[] = [];
  private readonly redis: Redis;

  constructor(
    readonly name: string,
    private readonly spec: RedisSinkSpec,
    private readonly context: Pick<SinkContext, 'reject'>,
  ) {
    this.redis = new Redis(spec.url, {
      lazyConnect: true,
      // A write while Redis is away fails at once (the task retries it) instead of queueing unseen.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: (attempt) => Math.min(2_000, 100 * attempt),
    });
    // Connection errors are the flush's to report; without a listener they would be thrown.
    this.redis.on('error', () => {});
  }

  get pending(): number {
    return this.buffer.length;
  }

  write(batch: Batch<unknown>): void {
    const { values, keys, retractions } = batch;
    for (let i = 0; i < values.length; i++) {
      let json: string;
      try {
        json = JSON.stringify(values[i]);
      } catch (error) {
        this.context.reject(this.name, batch, i, error);
        continue;
      }
      const key = keys?.[i];
      this.buffer.push({
        key: key === undefined ? '' : String(key),
        json,
        retraction: retractions?.[i] === true,
      });
    }
  }

  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const entries = this.buffer;
    this.buffer = [];
    try {
      if (this.redis.status === 'wait') await this.redis.connect();
      const commands = this.redis.pipeline();
      this.queue(commands, entries);
      for (const [error] of (await commands.exec()) ?? []) if (error) throw error;
    } catch (error) {
      this.buffer = entries.concat(this.buffer);
      throw new TributaryError(
        'TRB_REDIS_FAILED',
        `sink "${this.name}": writing ${entries.length} results to Redis at ${redactUrl(this.spec.url)} failed: ${describeError(error).message}`,
        { cause: error },
      );
    }
  }

  async prepare(): Promise<void> {}
  async commit(): Promise<void> {}
  async abort(): Promise<void> {}

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  private queue(commands: ReturnType<Redis['pipeline']>, entries: readonly Entry[]): void {
    const { key, mode } = this.spec;
    if (mode === 'hash') {
      // Only the last result of a key matters: one HSET of the latest ones.
      const latest = new Map<string, Entry>();
      for (const entry of entries) latest.set(entry.key, entry);
      const set: Record<string, string> = {};
      const removed: string[] = [];
      for (const entry of latest.values()) {
        if (entry.retraction) removed.push(entry.key);
        else set[entry.key] = entry.json;
      }
      if (Object.keys(set).length > 0) commands.hset(key, set);
      if (removed.length > 0) commands.hdel(key, ...removed);
      if (this.spec.ttlMs !== undefined) commands.pexpire(key, this.spec.ttlMs);
      return;
    }
    for (const entry of entries) {
      if (mode === 'stream') {
        const fields = [
          'key',
          entry.key,
          'value',
          entry.json,
          ...(entry.retraction ? ['retraction', 'true'] : []),
        ];
        commands.xadd(key, 'MAXLEN', String(this.spec.maxLen), '*', ...fields);
      } else {
        const retraction = entry.retraction ? ',"retraction":true' : '';
        commands.publish(key, `{"key":${JSON.stringify(entry.key)},"value":${entry.json}${retraction}}`);
      }
    }
  }
}
