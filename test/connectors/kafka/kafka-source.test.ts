import type { Producer } from '@platformatic/kafka';
import { afterEach, describe, expect, it } from 'vitest';
import {
  KafkaSource,
  type KafkaSourceSpec,
  MAX_QUEUED_RECORDS,
} from '../../../src/connectors/kafka/kafka-source.js';
import { type RecordBatch, valueAt } from '../../../src/connectors/source.js';
import { newTopic, testCluster, testProducer } from './cluster.js';

const opened: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const o of opened.splice(0)) await o.close();
});

const producer = (transactionalId?: string): Producer => {
  const p = testProducer(transactionalId);
  opened.push(p);
  return p;
};

const source = (topic: string, start: KafkaSourceSpec['start'] = 'earliest'): KafkaSource => {
  const s = new KafkaSource('clicks', { cluster: testCluster(), topic, group: `g-${topic}`, start });
  opened.push(s);
  return s;
};

/** Reads until `count` records came or 20 s passed. */
const readAll = async (s: KafkaSource, count: number, maxRecords = 10_000): Promise<RecordBatch[]> => {
  const batches: RecordBatch[] = [];
  const until = Date.now() + 20_000;
  let seen = 0;
  while (seen < count && Date.now() < until) {
    const batch = await s.read(maxRecords);
    if (batch) {
      batches.push(batch);
      seen += batch.count;
    } else await s.waitForRecords(500);
  }
  return batches;
};

const values = (batches: RecordBatch[]): string[] =>
  batches.flatMap((b) => Array.from({ length: b.count }, (_, i) => Buffer.from(valueAt(b, i)).toString()));

describe('KafkaSource', () => {
  it('reads every partition from the start, with offsets, keys, timestamps and headers', async () => {
    const topic = await newTopic('source-read', 3);
    await producer().send({
      messages: Array.from({ length: 30 }, (_, i) => ({
        topic,
        partition: i % 3,
        key: Buffer.from(`k${i}`),
        value: Buffer.from(`v${i}`),
        timestamp: BigInt(1_000 + i),
        headers: i === 0 ? new Map([[Buffer.from('h'), Buffer.from('x')]]) : undefined,
      })),
    });
    const s = source(topic);
    expect((await s.partitions()).map((p) => p.partition)).toEqual([0, 1, 2]);
    s.assign([0, 1, 2].map((partition) => ({ topic, partition })));
    const batches = await readAll(s, 30);
    expect(values(batches).sort()).toEqual(Array.from({ length: 30 }, (_, i) => `v${i}`).sort());
    const zero = batches.find((b) => b.partition === 0)!;
    expect(zero.offsets[0]).toBe(0);
    expect(zero.keys[0]).toBe('k0');
    expect(zero.timestamps[0]).toBe(1_000);
    expect(Buffer.from(zero.headers![0]![0][1]).toString()).toBe('x');
    expect(s.positions().sort((a, b) => a.partition - b.partition)).toEqual(
      [0, 1, 2].map((partition) => ({ topic, partition, offset: 10 })),
    );
    expect(s.lag().every((l) => l.lag === 0 && l.end === 10)).toBe(true);
  });

  it('resumes from given offsets, and starts at the end with start: latest', async () => {
    const topic = await newTopic('source-resume', 1);
    const p = producer();
    await p.send({ messages: ['a', 'b', 'c'].map((v) => ({ topic, partition: 0, value: Buffer.from(v) })) });
    const resumed = source(topic);
    resumed.assign([{ topic, partition: 0, offset: 2 }]);
    expect(values(await readAll(resumed, 1))).toEqual(['c']);

    const latest = source(topic, 'latest');
    latest.assign([{ topic, partition: 0 }]);
    await latest.waitForRecords(1_000);
    expect(await latest.read(10_000)).toBeUndefined();
    await p.send({ messages: [{ topic, partition: 0, value: Buffer.from('d') }] });
    expect(values(await readAll(latest, 1))).toEqual(['d']);
    expect(latest.positions()).toEqual([{ topic, partition: 0, offset: 4 }]);
  });

  it('never sees what an aborted transaction wrote, and moves past the markers', async () => {
    const topic = await newTopic('source-txn', 1);
    const p = producer(`txn-${topic}`);
    const aborted = await p.beginTransaction();
    await aborted.send({ messages: [{ topic, partition: 0, value: Buffer.from('aborted-1') }] });
    await aborted.send({ messages: [{ topic, partition: 0, value: Buffer.from('aborted-2') }] });
    await aborted.abort();
    const committed = await p.beginTransaction();
    await committed.send({ messages: [{ topic, partition: 0, value: Buffer.from('committed') }] });
    await committed.commit();
    const s = source(topic);
    s.assign([{ topic, partition: 0 }]);
    const batches = await readAll(s, 1);
    expect(values(batches)).toEqual(['committed']);
    // Two aborted records, the abort marker, one record, the commit marker.
    await expect.poll(() => s.positions()[0].offset).toBe(5);
  });

  it('drops what arrives for a revoked partition, and pauses without losing its place', async () => {
    const topic = await newTopic('source-revoke', 2);
    const p = producer();
    await p.send({
      messages: Array.from({ length: 10 }, (_, i) => ({
        topic,
        partition: i % 2,
        value: Buffer.from(`v${i}`),
      })),
    });
    const s = source(topic);
    s.assign([0, 1].map((partition) => ({ topic, partition })));
    s.pause([{ topic, partition: 1 }]);
    const first = await readAll(s, 5);
    expect(first.every((b) => b.partition === 0)).toBe(true);
    s.revoke([{ topic, partition: 0 }]);
    s.resume([{ topic, partition: 1 }]);
    const second = await readAll(s, 5);
    expect(second.every((b) => b.partition === 1)).toBe(true);
    expect(s.positions()).toEqual([{ topic, partition: 1, offset: 5 }]);
  });

  it('fetches ahead a bounded number of records while none are read, and hands them out a batch at a time', async () => {
    const topic = await newTopic('source-backlog', 1);
    const p = producer();
    const total = 100_000;
    const padding = 'x'.repeat(200);
    for (let from = 0; from < total; from += 2_000)
      await p.send({
        messages: Array.from({ length: 2_000 }, (_, i) => ({
          topic,
          value: Buffer.from(`${from + i} ${padding}`),
        })),
      });
    const s = source(topic);
    s.assign([{ topic, partition: 0 }]);
    await expect.poll(() => s.fetchedAhead(), { timeout: 20_000 }).toBeGreaterThanOrEqual(MAX_QUEUED_RECORDS);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    // One fetch (a megabyte, ~4,500 of these records) past the bound at most; the rest waits in Kafka.
    expect(s.fetchedAhead()).toBeLessThan(MAX_QUEUED_RECORDS + 5_000);
    expect(s.lag()).toEqual([{ topic, partition: 0, position: 0, end: total, lag: total }]);

    const batches = await readAll(s, total, 700);
    expect(Math.max(...batches.map((b) => b.count))).toBe(700);
    expect(values(batches).map((v) => Number(v.split(' ')[0]))).toEqual(
      Array.from({ length: total }, (_, i) => i),
    );
    expect(batches.map((b) => b.offsets[0])).toEqual(
      batches.map((_, i) => (i === 0 ? 0 : batches[i - 1].nextOffset)),
    );
    expect(s.positions()).toEqual([{ topic, partition: 0, offset: total }]);
  });

  it('says which topic is missing and how to fix it', async () => {
    const s = source('no-such-topic-anywhere');
    await expect(s.partitions()).rejects.toThrow(
      /topic "no-such-topic-anywhere" does not exist.*sources\.clicks\.topic/,
    );
  });
});
