import { ConfigResourceTypes } from '@platformatic/kafka';
import { TributaryError } from '../../errors.js';
import type { KafkaClusterSpec } from './cluster.js';
import { withAdmin } from './topics.js';

/**
 * The record timestamps a topic accepts, relative to the broker's clock
 * (`message.timestamp.before.max.ms`, `message.timestamp.after.max.ms`; Kafka 4 takes at most
 * an hour ahead by default). A produce with one timestamp outside fails its whole request —
 * in a transaction, the checkpoint's, at every retry — so a sink refuses such a result itself,
 * as a dead letter, before sending.
 */
export interface TimestampBounds {
  readonly topic: string;
  readonly beforeMs: number;
  readonly afterMs: number;
}

const KEYS = ['message.timestamp.type', 'message.timestamp.before.max.ms', 'message.timestamp.after.max.ms'];

/** The topic's bounds; undefined when it takes any timestamp (LogAppendTime: the broker stamps records itself). */
export const timestampBounds = (
  cluster: KafkaClusterSpec,
  topic: string,
): Promise<TimestampBounds | undefined> =>
  withAdmin(cluster, async (admin) => {
    const [description] = await admin.describeConfigs({
      resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configurationKeys: KEYS }],
    });
    const value = (name: string) => description?.configs.find((c) => c.name === name)?.value ?? undefined;
    if (value('message.timestamp.type') === 'LogAppendTime') return undefined;
    const limit = (name: string) => Number(value(name) ?? Number.MAX_SAFE_INTEGER);
    return {
      topic,
      beforeMs: limit('message.timestamp.before.max.ms'),
      afterMs: limit('message.timestamp.after.max.ms'),
    };
  });

/**
 * Why the topic refuses a record stamped `timestamp` at `now`, or undefined when it takes it.
 * A minute's margin on either side: the broker judges by its own clock, when the record arrives.
 */
export const refusedTimestamp = (
  bounds: TimestampBounds,
  timestamp: number,
  now: number,
): TributaryError | undefined => {
  const MARGIN_MS = 60_000;
  const refuse = (config: string, limit: number, side: string) =>
    new TributaryError(
      'TRB_BAD_RECORD',
      `a result stamped ${new Date(timestamp).toISOString()} (its event time) is more than ${limit} ms ${side} ` +
        `the present, which Kafka topic "${bounds.topic}" refuses (${config}=${limit}); raise ${config} on the topic, ` +
        'or set message.timestamp.type=LogAppendTime',
    );
  if (timestamp > now + bounds.afterMs - MARGIN_MS)
    return refuse('message.timestamp.after.max.ms', bounds.afterMs, 'ahead of');
  if (timestamp < now - bounds.beforeMs + MARGIN_MS)
    return refuse('message.timestamp.before.max.ms', bounds.beforeMs, 'behind');
  return undefined;
};
