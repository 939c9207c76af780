import {
  Admin,
  type CompressionAlgorithmValue,
  Consumer,
  FetchIsolationLevels,
  type Producer,
} from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientOptions } from '../../../src/connectors/kafka/cluster.js';
import { recordColumns } from '../../../src/connectors/kafka/fetch-columns.js';
import { fetchPartitions } from '../../../src/connectors/kafka/fetch-request.js';
import { type RecordBatch, valueAt } from '../../../src/connectors/source.js';
import { toRecordBatch } from './client-record-batches.js';
import { newTopic, testCluster, testProducer } from './cluster.js';

/**
 * fetch-columns.ts reads a Fetch response's bytes into columns; client-record-batches.ts reads the
 * same fetch as `@platformatic/kafka` parsed it. Both must keep the same records: each test
 * writes a partition's history with the real broker, then reads it from every offset (or
 * from each fetch's next offset) both ways and compares, and says what it expects besides.
 */

const opened: { close(force?: boolean): Promise<unknown> }[] = [];
let consumer: Consumer;
beforeAll(() => {
  consumer = new Consumer({
    ...clientOptions(testCluster(), 'test'),
    groupId: `fetch-columns-${Date.now()}`,
    isolationLevel: FetchIsolationLevels.READ_COMMITTED,
  });
});
afterAll(async () => {
  for (const o of opened.splice(0)) await o.close();
  await consumer.close(true);
});

const producer = (transactionalId?: string): Producer => {
  const p = testProducer(transactionalId);
  opened.push(p);
  return p;
};

const PARTITION_MAX_BYTES = 1024 * 1024;

/** Where `topic`'s partition 0 lives, for a fetch of it. */
const leaderOf = async (topic: string) => {
  const metadata = await consumer.metadata({ topics: [topic], forceUpdate: true });
  const found = metadata.topics.get(topic)!;
  const node = found.partitions[0].leader;
  return { node, broker: metadata.brokers.get(node)!, topicId: found.id };
};

/** Partition 0 of `topic` from `from`, read into columns from the response's bytes. */
const columnsFrom = async (topic: string, from: number, partitionMaxBytes = PARTITION_MAX_BYTES) => {
  // A topic just created may not have its leader yet (UNKNOWN_TOPIC_ID, NOT_LEADER_OR_FOLLOWER).
  for (let attempt = 1; ; attempt++) {
    const { broker, topicId } = await leaderOf(topic);
    const response = await fetchPartitions(consumer, broker, topicId, [{ partition: 0, fetchOffset: from }], {
      maxWaitMs: 100,
      maxBytes: 50 * 1024 * 1024,
      partitionMaxBytes,
    });
    const fetched = response!.partitions[0];
    if (fetched.errorCode !== 0 && attempt < 50) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      continue;
    }
    expect(fetched.errorCode).toBe(0);
    return fetched.records
      ? recordColumns(topic, 0, from, fetched.records, fetched.abortedTransactions, true)
      : undefined;
  }
};

/** The same, fetched and parsed by the client and read by client-record-batches.ts. */
const clientFrom = async (topic: string, from: number, partitionMaxBytes = PARTITION_MAX_BYTES) => {
  const { node, topicId } = await leaderOf(topic);
  const response = await consumer.fetch({
    node,
    maxWaitTime: 100,
    topics: [
      {
        topicId,
        partitions: [
          {
            partition: 0,
            currentLeaderEpoch: -1,
            fetchOffset: BigInt(from),
            lastFetchedEpoch: -1,
            partitionMaxBytes,
          },
        ],
      },
    ],
  });
  return toRecordBatch(topic, 0, from, response.responses[0].partitions[0], true);
};

/** A batch as plain values: what the two readers must agree on. */
const plain = (batch: RecordBatch | undefined) =>
  batch && {
    count: batch.count,
    nextOffset: batch.nextOffset,
    records: Array.from({ length: batch.count }, (_, i) => ({
      offset: batch.offsets[i],
      timestamp: batch.timestamps[i],
      key: batch.keys[i],
      value: Buffer.from(valueAt(batch, i)).toString('utf8'),
      headers: batch.headers?.[i]?.map(([key, value]) => [key, Buffer.from(value).toString('utf8')]),
    })),
  };

/**
 * Reads from every offset in `offsets` both ways and expects the same, and that a read from
 * `from` is the read from the first offset without the records before `from`. Returns the
 * read from the first offset.
 */
const readBothWays = async (
  topic: string,
  offsets: readonly number[],
  partitionMaxBytes = PARTITION_MAX_BYTES,
): Promise<NonNullable<ReturnType<typeof plain>>> => {
  const whole = plain(await columnsFrom(topic, offsets[0], partitionMaxBytes))!;
  for (const from of offsets) {
    const columns = plain(await columnsFrom(topic, from, partitionMaxBytes));
    expect(columns, `from offset ${from}`).toEqual(plain(await clientFrom(topic, from, partitionMaxBytes)));
    if (partitionMaxBytes === PARTITION_MAX_BYTES)
      expect(columns?.records, `from offset ${from}`).toEqual(whole.records.filter((r) => r.offset >= from));
  }
  return whole;
};

/** Transaction markers are written after the commit or abort returns: waits until the partition ends at `end`. */
const settled = (topic: string, end: number) =>
  expect.poll(async () => (await columnsFrom(topic, 0))?.nextOffset, { timeout: 10_000 }).toBe(end);

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
/** 2026-01-01T00:00:00Z */
const T = 1_767_225_600_000n;

describe('recordColumns', () => {
  it('reads keys, values, headers and timestamps as the client does, null and empty ones included', async () => {
    const topic = await newTopic('columns-fields', 1);
    // Timestamps out of order (negative deltas in the batch), a few seconds apart.
    await producer().send({
      messages: [
        { topic, partition: 0, key: Buffer.from('k1'), value: Buffer.from('{"a":1}'), timestamp: T + 5_000n },
        { topic, partition: 0, value: Buffer.from('no key'), timestamp: T + 4_000n },
        { topic, partition: 0, key: Buffer.from(''), value: Buffer.from(''), timestamp: T + 6_000n },
        { topic, partition: 0, key: Buffer.from('ключ-🔑'), timestamp: T + 123n },
        {
          topic,
          partition: 0,
          key: Buffer.from('h'),
          value: Buffer.from('with headers'),
          headers: new Map([
            [Buffer.from('trace'), Buffer.from('abc')],
            [Buffer.from('trace'), Buffer.from('def')],
            [Buffer.from('empty'), Buffer.from('')],
          ]),
          timestamp: T + 7_000n,
        },
      ],
    });
    const read = await readBothWays(topic, range(5));
    expect(read.nextOffset).toBe(5);
    const t = Number(T);
    expect(read.records.map((r) => [r.offset, r.timestamp, r.key, r.value])).toEqual([
      [0, t + 5_000, 'k1', '{"a":1}'],
      [1, t + 4_000, undefined, 'no key'],
      [2, t + 6_000, '', ''],
      [3, t + 123, 'ключ-🔑', ''],
      [4, t + 7_000, 'h', 'with headers'],
    ]);
    // A key may repeat (each Buffer is a key of its own in the Map).
    expect(read.records[4].headers).toEqual([
      ['trace', 'abc'],
      ['trace', 'def'],
      ['empty', ''],
    ]);
    expect(read.records[0].headers).toBeUndefined();
  });

  it.each<CompressionAlgorithmValue>(['none', 'gzip', 'snappy', 'lz4', 'zstd'])(
    'reads %s batches from any offset, also from the middle of a batch',
    async (compression) => {
      const topic = await newTopic(`columns-${compression}`, 1);
      const p = producer();
      for (let b = 0; b < 3; b++) {
        await p.send({
          compression,
          messages: range(4).map((i) => ({
            topic,
            partition: 0,
            key: Buffer.from(`u${b * 4 + i}`),
            value: Buffer.from(JSON.stringify({ batch: b, i })),
          })),
        });
      }
      const read = await readBothWays(topic, range(12));
      expect(read.count).toBe(12);
      expect(read.records.map((r) => r.key)).toEqual(range(12).map((i) => `u${i}`));
      expect(plain(await columnsFrom(topic, 6))!.records[0]).toMatchObject({ offset: 6, key: 'u6' });
    },
  );

  it('leaves out aborted transactions and markers, keeps committed and plain records, from every offset', async () => {
    const topic = await newTopic('columns-txn', 1);
    const plainProducer = producer();
    const first = producer(`columns-a-${topic}`);
    const second = producer(`columns-b-${topic}`);
    const send = (p: { send: Producer['send'] }, value: string) =>
      p.send({ messages: [{ topic, partition: 0, value: Buffer.from(value) }] });
    await send(plainProducer, 'plain-1');
    const aborted = await first.beginTransaction();
    await send(aborted, 'aborted-1');
    const committed = await second.beginTransaction();
    await send(committed, 'committed-1');
    await send(aborted, 'aborted-2');
    await send(plainProducer, 'plain-2');
    await aborted.abort();
    await send(committed, 'committed-2');
    await committed.commit();
    const again = await first.beginTransaction();
    await send(again, 'committed-3');
    await again.commit();
    await send(plainProducer, 'plain-3');
    // 8 records and 3 markers, in an order the markers' writes decide.
    await settled(topic, 11);
    const read = await readBothWays(topic, range(11));
    expect(read.records.map((r) => r.value)).toEqual([
      'plain-1',
      'committed-1',
      'plain-2',
      'committed-2',
      'committed-3',
      'plain-3',
    ]);
    expect(read.nextOffset).toBe(11);
  });

  it('stops at an open transaction (read committed), and a batch of only markers still moves the offset', async () => {
    const topic = await newTopic('columns-open', 1);
    const p = producer(`columns-open-${topic}`);
    const done = await p.beginTransaction();
    await done.send({ messages: [{ topic, partition: 0, value: Buffer.from('done') }] });
    await done.commit();
    await settled(topic, 2);
    expect(plain(await columnsFrom(topic, 1))).toEqual({ count: 0, nextOffset: 2, records: [] });
    const open = await p.beginTransaction();
    await open.send({ messages: [{ topic, partition: 0, value: Buffer.from('open') }] });
    const read = await readBothWays(topic, [0, 1]);
    expect(read.records.map((r) => r.value)).toEqual(['done']);
    expect(read.nextOffset).toBe(2);
    await open.commit();
    await settled(topic, 4);
    expect(plain(await columnsFrom(topic, 2))!.records.map((r) => r.value)).toEqual(['open']);
  });

  it("gives a LogAppendTime topic's records their batch's append time", async () => {
    const topic = `columns-append-time-${Date.now()}`;
    const admin = new Admin(clientOptions(testCluster(), 'test'));
    try {
      await admin.createTopics({
        topics: [topic],
        partitions: 1,
        replicas: -1,
        configs: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }],
      });
    } finally {
      await admin.close();
    }
    const before = Date.now();
    await producer().send({
      messages: range(3).map((i) => ({
        topic,
        partition: 0,
        value: Buffer.from(`v${i}`),
        timestamp: 1_000n,
      })),
    });
    const read = await readBothWays(topic, range(3));
    expect(read.count).toBe(3);
    expect(new Set(read.records.map((r) => r.timestamp)).size).toBe(1);
    expect(read.records[0].timestamp).toBeGreaterThanOrEqual(before - 1_000);
  });

  it('leaves a batch the size limit cut short for the next fetch', async () => {
    const topic = await newTopic('columns-cut', 1);
    const p = producer();
    const value = Buffer.alloc(300, 'x');
    for (let b = 0; b < 4; b++)
      await p.send({ messages: range(2).map(() => ({ topic, partition: 0, value })) });
    // Room for one batch of two records and part of the next.
    const read = await readBothWays(topic, [0, 1, 2, 5], 800);
    expect(read.count).toBe(2);
    expect(read.nextOffset).toBe(2);
    let next = 0;
    let seen = 0;
    while (next < 8) {
      const batch = (await columnsFrom(topic, next, 800))!;
      seen += batch.count;
      next = batch.nextOffset;
    }
    expect(seen).toBe(8);
  });

  it('is undefined when the fetch brought no batch', async () => {
    const topic = await newTopic('columns-empty', 1);
    expect(await columnsFrom(topic, 0)).toBeUndefined();
    expect(await clientFrom(topic, 0)).toBeUndefined();
  });
});
