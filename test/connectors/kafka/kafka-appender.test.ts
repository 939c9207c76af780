import { describe, expect, it } from 'vitest';
import { KafkaAppender } from '../../../src/connectors/kafka/kafka-appender.js';
import { KafkaSource } from '../../../src/connectors/kafka/kafka-source.js';
import { partitionForKey } from '../../../src/connectors/log/index.js';
import { type RecordBatch, valueAt } from '../../../src/connectors/source.js';
import { newTopic, testCluster } from './cluster.js';

/** Every record of a topic: where it is and what it carries. */
const readAll = async (topic: string, count: number) => {
  const source = new KafkaSource('check', {
    cluster: testCluster(),
    topic,
    group: `check-${topic}`,
    start: 'earliest',
  });
  try {
    source.assign(await source.partitions());
    const read: { partition: number; offset: number; key?: string; value: string; timestamp: number }[] = [];
    const deadline = Date.now() + 20_000;
    while (read.length < count && Date.now() < deadline) {
      const batch: RecordBatch | undefined = await source.read(10_000);
      if (!batch) {
        await source.waitForRecords(200);
        continue;
      }
      for (let i = 0; i < batch.count; i++)
        read.push({
          partition: batch.partition,
          offset: batch.offsets[i],
          ...(batch.keys[i] === undefined ? {} : { key: batch.keys[i] }),
          value: Buffer.from(valueAt(batch, i)).toString(),
          timestamp: batch.timestamps[i],
        });
    }
    return read;
  } finally {
    await source.close();
  }
};

describe('KafkaAppender', () => {
  it("places records as the embedded log does and answers Kafka's offsets per partition", async () => {
    const topic = await newTopic('intake', 3);
    const appender = new KafkaAppender(testCluster(), (t) => (t === topic ? 3 : undefined));
    try {
      const keyed = ['a', 'b', 'c', 'd', 'e', 'f'].map((key, i) => ({
        key,
        value: Buffer.from(`{"n":${i}}`),
        timestamp: 1_000 + i,
      }));
      const first = await appender.append(topic, keyed);
      // Without keys: round-robin, one record a partition in turn.
      const second = await appender.append(
        topic,
        [6, 7, 8].map((n) => ({ value: Buffer.from(`{"n":${n}}`), timestamp: 2_000 })),
      );
      const read = await readAll(topic, 9);
      expect(read).toHaveLength(9);
      for (const record of keyed) {
        const found = read.find((r) => r.key === record.key)!;
        expect(found).toMatchObject({
          partition: partitionForKey(record.key, 3),
          timestamp: record.timestamp,
        });
        const range = first.partitions.find((p) => p.partition === found.partition)!;
        expect(found.offset).toBeGreaterThanOrEqual(range.baseOffset);
        expect(found.offset).toBeLessThanOrEqual(range.lastOffset);
      }
      expect(second.partitions.map((p) => [p.partition, p.lastOffset - p.baseOffset])).toEqual([
        [0, 0],
        [1, 0],
        [2, 0],
      ]);
      const unkeyed = read.filter((r) => r.key === undefined);
      expect(unkeyed.map((r) => r.partition).sort()).toEqual([0, 1, 2]);
      for (const r of unkeyed)
        expect(r.offset).toBe(second.partitions.find((p) => p.partition === r.partition)!.baseOffset);
    } finally {
      await appender.close();
    }
  });

  it('appends more than the broker takes in one request (1 MiB a batch) as several, the offsets bounding them', async () => {
    const topic = await newTopic('intake-large', 1);
    const appender = new KafkaAppender(testCluster(), (t) => (t === topic ? 1 : undefined));
    try {
      // 3,000 records of 1 KiB: 3 MiB for one partition.
      const padding = 'x'.repeat(1_000);
      const records = Array.from({ length: 3_000 }, (_, n) => ({
        value: Buffer.from(`{"n":${n},"p":"${padding}"}`),
      }));
      const { partitions } = await appender.append(topic, records);
      expect(partitions).toEqual([{ partition: 0, baseOffset: 0, lastOffset: 2_999 }]);
      const read = await readAll(topic, 3_000);
      expect(read.map((r) => JSON.parse(r.value).n)).toEqual(records.map((_, n) => n));
    } finally {
      await appender.close();
    }
  });

  it('refuses a topic it was not prepared for', async () => {
    const appender = new KafkaAppender(testCluster(), () => undefined);
    try {
      await expect(appender.append('elsewhere', [{ value: Buffer.from('{}') }])).rejects.toThrow(
        'no topic "elsewhere" was prepared',
      );
    } finally {
      await appender.close();
    }
  });
});
