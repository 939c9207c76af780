import { Consumer, FetchIsolationLevels, type Producer } from '@platformatic/kafka';
import { afterEach, describe, expect, it } from 'vitest';
import { clientOptions, type KafkaClusterSpec } from '../../../src/connectors/kafka/cluster.js';
import { fetchPartitions } from '../../../src/connectors/kafka/fetch-request.js';
import { OFFSET_OUT_OF_RANGE } from '../../../src/connectors/kafka/fetch-response.js';
import { kafkaScramBrokers } from '../../kafka.js';
import { newTopic, testCluster, testProducer } from './cluster.js';

const opened: { close(force?: boolean): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const o of opened.splice(0).reverse()) await o.close(true);
});

const consumerOn = (cluster: KafkaClusterSpec): Consumer => {
  const c = new Consumer({
    ...clientOptions(cluster, 'test'),
    groupId: `fetch-request-${Date.now()}`,
    isolationLevel: FetchIsolationLevels.READ_COMMITTED,
  });
  opened.push(c);
  return c;
};

const producer = (transactionalId?: string): Producer => {
  const p = testProducer(transactionalId);
  opened.push(p);
  return p;
};

const LIMITS = { maxWaitMs: 100, maxBytes: 1024 * 1024, partitionMaxBytes: 64 * 1024 };

/**
 * Fetches `topic`'s partitions from `offsets` (partition i from offsets[i]) on its one leader;
 * again while a partition of the new topic has no leader yet.
 */
const fetchFrom = async (consumer: Consumer, topic: string, offsets: readonly number[]) => {
  for (let attempt = 1; ; attempt++) {
    const metadata = await consumer.metadata({ topics: [topic], forceUpdate: true });
    const found = metadata.topics.get(topic)!;
    const response = await fetchPartitions(
      consumer,
      metadata.brokers.get(found.partitions[0].leader)!,
      found.id,
      offsets.map((fetchOffset, partition) => ({ partition, fetchOffset })),
      LIMITS,
    );
    expect(response, 'the broker speaks Fetch v13 or later').toBeDefined();
    const settled = response!.partitions.every(
      (p) => p.errorCode === 0 || p.errorCode === OFFSET_OUT_OF_RANGE,
    );
    if (settled || attempt === 50) return new Map(response!.partitions.map((p) => [p.partition, p]));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

describe('fetchPartitions', () => {
  it('fetches each partition from its offset, read committed: an open transaction holds back its records', async () => {
    const topic = await newTopic('request', 2);
    await producer().send({
      messages: ['a', 'b', 'c'].map((v) => ({ topic, partition: 0, value: Buffer.from(v) })),
    });
    const open = await producer(`request-${topic}`).beginTransaction();
    await open.send({ messages: [{ topic, partition: 1, value: Buffer.from('not yet') }] });

    const fetched = await fetchFrom(consumerOn(testCluster()), topic, [1, 0]);
    expect(fetched.get(0)).toMatchObject({
      errorCode: 0,
      highWatermark: 3,
      lastStableOffset: 3,
      logStartOffset: 0,
    });
    expect(fetched.get(0)!.records).not.toBeNull();
    expect(fetched.get(1)).toMatchObject({
      errorCode: 0,
      highWatermark: 1,
      lastStableOffset: 0,
      records: null,
    });
    await open.abort();
  });

  it("returns a partition's error with the partition, and the others' records beside it", async () => {
    const topic = await newTopic('request-errors', 2);
    await producer().send({ messages: [{ topic, partition: 0, value: Buffer.from('a') }] });
    const fetched = await fetchFrom(consumerOn(testCluster()), topic, [0, 5]);
    expect(fetched.get(0)).toMatchObject({ errorCode: 0, highWatermark: 1 });
    expect(fetched.get(0)!.records).not.toBeNull();
    expect(fetched.get(1)).toMatchObject({ errorCode: OFFSET_OUT_OF_RANGE, records: null });
  });

  it("fetches over the consumer's SASL SCRAM connection", async () => {
    const topic = await newTopic('request-scram', 1);
    await producer().send({ messages: [{ topic, partition: 0, value: Buffer.from('secret') }] });
    const scram = consumerOn({
      ...testCluster(),
      brokers: kafkaScramBrokers().split(','),
      sasl: { mechanism: 'scram-sha-512', username: 'tributary', password: 'tributary-secret' },
    });
    const fetched = await fetchFrom(scram, topic, [0]);
    expect(fetched.get(0)).toMatchObject({ errorCode: 0, highWatermark: 1 });
    expect(fetched.get(0)!.records!.includes(Buffer.from('secret'))).toBe(true);
  });
});
