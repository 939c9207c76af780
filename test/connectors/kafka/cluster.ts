/**
 * The test run's Kafka broker as a cluster spec, and topics with unique names, for the
 * Kafka connector's tests.
 */
import { randomUUID } from 'node:crypto';
import { Producer } from '@platformatic/kafka';
import { clientOptions, type KafkaClusterSpec } from '../../../src/connectors/kafka/cluster.js';
import { ensureTopics } from '../../../src/connectors/kafka/topics.js';
import { kafkaBrokers } from '../../kafka.js';

export const testCluster = (): KafkaClusterSpec => ({
  brokers: kafkaBrokers().split(','),
  clientId: 'tributary-test',
  requestTimeoutMs: 10_000,
});

/**
 * Kept whatever their timestamps: the tests' events happen in 2023, and a broker's time
 * retention (7 days by default, checked 30 s after it starts and every 5 min) would delete
 * records stamped with those event times in the middle of a test.
 */
export const KEEP_FOREVER = { 'retention.ms': '-1' } as const;

/** A new topic of `partitions` partitions; its name starts with `prefix`. */
export const newTopic = async (prefix: string, partitions: number): Promise<string> => {
  const topic = `${prefix}-${randomUUID().slice(0, 8)}`;
  await ensureTopics(testCluster(), [{ topic, partitions, configs: KEEP_FOREVER }]);
  return topic;
};

/** An idempotent producer to the test cluster, transactional when given an id; the caller closes it. */
export const testProducer = (transactionalId?: string): Producer =>
  new Producer({
    ...clientOptions(testCluster(), 'test'),
    idempotent: true,
    ...(transactionalId ? { transactionalId } : {}),
  });
