import Type, { type Static } from 'typebox';
import { duration } from '../../config/durations.js';
import { millis } from '../../config/units.js';
import type { SinkConnector } from '../connector.js';

export const REDIS_MODES = ['hash', 'stream', 'publish'] as const;
export type RedisMode = (typeof REDIS_MODES)[number];

/** What a task builds a redis sink from: plain data, it crosses to worker threads. */
export interface RedisSinkSpec {
  readonly type: 'redis';
  readonly url: string;
  readonly mode: RedisMode;
  /** The hash, the stream or the channel. */
  readonly key: string;
  /** stream: entries kept. */
  readonly maxLen: number;
  /** hash: expiry after the last write. */
  readonly ttlMs?: number;
}

const options = Type.Object(
  {
    type: Type.Literal('redis'),
    url: Type.Optional(
      Type.String({
        minLength: 1,
        default: 'redis://127.0.0.1:6379',
        description:
          'Where Redis listens (redis://[:password@]host:port[/db]); a URL from the environment keeps a password out of the file',
      }),
    ),
    mode: Type.Optional(
      Type.Enum(REDIS_MODES, {
        default: 'hash',
        description:
          'hash: the latest result per key in one hash; stream: each result appended (XADD); publish: each result on a channel',
      }),
    ),
    key: Type.Optional(
      Type.String({ minLength: 1, 'x-default': 'the sink name', description: 'The hash, stream or channel' }),
    ),
    max_len: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'stream: entries kept, the oldest trimmed (XADD MAXLEN); default 100000',
      }),
    ),
    ttl: Type.Optional(duration('hash: it expires this long after the last write; default: never')),
  },
  { additionalProperties: false },
);

/** Results into Redis: the latest per key in a hash, a stream, or a pub/sub channel. */
export const redisConnector: SinkConnector<RedisSinkSpec> = {
  type: 'redis',
  summary:
    'Results into Redis: the latest per key in a hash (with a TTL), a stream (XADD, MAXLEN), or a channel',
  guarantee: 'at-least-once',
  options,
  resolve: (name, block, context) => {
    const o = block as Static<typeof options>;
    const mode = o.mode ?? 'hash';
    if (o.max_len !== undefined && mode !== 'stream')
      context?.report(
        ['max_len'],
        `trims a stream; this sink's mode is ${mode}: remove it, or set mode: stream`,
      );
    if (o.ttl !== undefined && mode !== 'hash')
      context?.report(['ttl'], `expires a hash; this sink's mode is ${mode}: remove it, or set mode: hash`);
    return {
      type: 'redis',
      url: o.url ?? 'redis://127.0.0.1:6379',
      mode,
      key: o.key ?? name,
      maxLen: o.max_len ?? 100_000,
      ...(o.ttl === undefined ? {} : { ttlMs: millis(o.ttl, 0) }),
    };
  },
  create: async (name, spec, context) => {
    const { RedisSink } = await import('./redis-sink.js');
    return new RedisSink(name, spec, context);
  },
};
