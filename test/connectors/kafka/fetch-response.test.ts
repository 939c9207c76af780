import { Consumer, createAPI, FetchIsolationLevels, fetchV17, Producer, Reader } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientOptions } from '../../../src/connectors/kafka/cluster.js';
import { parseFetchResponse } from '../../../src/connectors/kafka/fetch-response.js';
import { newTopic, testCluster, testProducer } from './cluster.js';

/**
 * The parser against `@platformatic/kafka`'s own, on the bytes of real Fetch v17 responses:
 * the same offsets, errors and aborted transactions, and each partition's record batches as
 * the bytes the library reads its records from.
 */

let consumer: Consumer;
beforeAll(() => {
  consumer = new Consumer({
    ...clientOptions(testCluster(), 'test'),
    groupId: `fetch-response-${Date.now()}`,
  });
});
afterAll(() => consumer.close(true));

/** A Fetch v17 whose "parser" keeps the response's bytes. */
const rawFetch = createAPI<fetchV17.FetchRequest, Buffer>(
  1,
  17,
  fetchV17.createRequest,
  (_c, _k, _v, reader) => reader.buffer.slice(reader.position, reader.buffer.length),
);

/** The bytes of a read-committed fetch of `topic`'s partitions from the given offsets (one leader: a single broker). */
const fetchBytes = async (topic: string, offsets: readonly number[]): Promise<Buffer> => {
  const metadata = await consumer.metadata({ topics: [topic], forceUpdate: true });
  const found = metadata.topics.get(topic)!;
  const connection = await consumer.connections.get(metadata.brokers.get(found.partitions[0].leader)!);
  return rawFetch.async(
    connection,
    100,
    1,
    50 * 1024 * 1024,
    FetchIsolationLevels.READ_COMMITTED,
    0,
    -1,
    [
      {
        topicId: found.id,
        partitions: offsets.map((offset, partition) => ({
          partition,
          currentLeaderEpoch: -1,
          fetchOffset: BigInt(offset),
          lastFetchedEpoch: -1,
          partitionMaxBytes: 1024 * 1024,
        })),
      },
    ],
    [],
    '',
  );
};

/** The library's parse: it throws on a partition error, with the response on the error. */
const libraryParse = (bytes: Buffer): fetchV17.FetchResponse => {
  try {
    return fetchV17.parseResponse(0, 1, 17, Reader.from(bytes));
  } catch (error) {
    return (error as { response: fetchV17.FetchResponse }).response;
  }
};

describe('parseFetchResponse', () => {
  it('reads what the client reads: offsets, errors, aborted transactions, and the record batches as bytes', async () => {
    const topic = await newTopic('response', 3);
    const plain = new Producer({ ...clientOptions(testCluster(), 'test'), idempotent: true });
    const transactional = new Producer({
      ...clientOptions(testCluster(), 'test'),
      idempotent: true,
      transactionalId: `response-${topic}`,
    });
    try {
      await plain.send({
        messages: ['a', 'b', 'c'].map((v) => ({ topic, partition: 0, value: Buffer.from(v) })),
      });
      const aborted = await transactional.beginTransaction();
      await aborted.send({ messages: [{ topic, partition: 0, value: Buffer.from('aborted') }] });
      await aborted.abort();
      await plain.send({ messages: [{ topic, partition: 2, value: Buffer.from('x') }] });
    } finally {
      await plain.close();
      await transactional.close();
    }
    // Once the abort marker is written and every partition has its leader:
    await expect
      .poll(async () =>
        parseFetchResponse(0, 1, 17, Reader.from(await fetchBytes(topic, [0, 0, 0])))
          .partitions.map((p) => [p.partition, p.errorCode, p.lastStableOffset])
          .sort(),
      )
      .toEqual([
        [0, 0, 5],
        [1, 0, 0],
        [2, 0, 1],
      ]);

    // Partition 1 is empty; partition 2 is asked for an offset it does not have yet.
    const bytes = await fetchBytes(topic, [0, 0, 7]);
    const ours = parseFetchResponse(0, 1, 17, Reader.from(bytes));
    const theirs = libraryParse(bytes);
    expect(ours.errorCode).toBe(0);
    const byPartition = new Map(theirs.responses[0].partitions.map((p) => [p.partitionIndex, p]));
    expect(ours.partitions.map((p) => p.partition).sort()).toEqual([0, 1, 2]);
    for (const p of ours.partitions) {
      const library = byPartition.get(p.partition)!;
      expect(p.topicId).toBe(theirs.responses[0].topicId);
      expect([p.errorCode, p.highWatermark, p.lastStableOffset, p.logStartOffset]).toEqual(
        [library.errorCode, library.highWatermark, library.lastStableOffset, library.logStartOffset].map(
          Number,
        ),
      );
      expect(p.abortedTransactions).toEqual(
        library.abortedTransactions?.map((a) => ({
          producerId: Number(a.producerId),
          firstOffset: Number(a.firstOffset),
        })) ?? null,
      );
    }
    const [zero, one, two] = [0, 1, 2].map((n) => ours.partitions.find((p) => p.partition === n)!);
    expect(zero).toMatchObject({ errorCode: 0, highWatermark: 5, lastStableOffset: 5, logStartOffset: 0 });
    expect(zero.abortedTransactions).toHaveLength(1);
    // Three batches: the plain records, the aborted record, the abort marker — as the library reads them.
    expect(byPartition.get(0)!.records).toHaveLength(3);
    expect(zero.records!.length).toBe(recordsBytes(byPartition.get(0)!.records!));
    expect(one).toMatchObject({ errorCode: 0, highWatermark: 0, records: null });
    // OFFSET_OUT_OF_RANGE; the broker leaves the offsets of a partition in error at -1.
    expect(two).toMatchObject({ errorCode: 1, highWatermark: -1, records: null });
  });

  it('gives the record batches as one Buffer when the socket brought the response in pieces', async () => {
    const topic = await newTopic('response-chunks', 1);
    const producer = testProducer();
    try {
      await producer.send({
        messages: Array.from({ length: 50 }, (_, i) => ({
          topic,
          partition: 0,
          value: Buffer.from(`value-${i}`),
        })),
      });
    } finally {
      await producer.close();
    }
    const bytes = await fetchBytes(topic, [0]);
    const pieces = Reader.from(bytes.subarray(0, 7));
    for (let at = 7; at < bytes.length; at += 7) pieces.buffer.append(bytes.subarray(at, at + 7));
    const whole = parseFetchResponse(0, 1, 17, Reader.from(bytes)).partitions[0].records!;
    const pieced = parseFetchResponse(0, 1, 17, pieces).partitions[0].records!;
    expect(pieced.equals(whole)).toBe(true);
    expect(whole.length).toBeGreaterThan(50 * 7);
  });
});

/** The bytes the library's batches took: each is its length field plus 12 (base offset and length). */
const recordsBytes = (batches: readonly { length: number }[]): number =>
  batches.reduce((sum, batch) => sum + batch.length + 12, 0);
