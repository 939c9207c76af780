/**
 * Records a pipeline on Kafka cannot handle go to its dead-letter topic — the original bytes,
 * the key, and headers naming the error, the stage, the pipeline, the operator and where the
 * record was — and the partition keeps moving: the good records after them are counted.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DEAD_LETTER_HEADERS } from '../../../src/connectors/kafka/dead-letter-topic.js';
import { KafkaSource } from '../../../src/connectors/kafka/kafka-source.js';
import { type RecordBatch, valueAt } from '../../../src/connectors/source.js';
import { newTopic, testCluster, testProducer } from '../../connectors/kafka/cluster.js';
import { kafkaBrokers } from '../../kafka.js';
import { startPlatform } from './platform.js';

const until = async (check: () => Promise<boolean>, what: string) => {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
};

describe('dead letters of a pipeline on Kafka', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => {});
  });

  it('go to its dead-letter topic with the original bytes and the error in headers, and the partition moves on', async () => {
    const input = await newTopic('orders', 1);
    const deadLetterTopic = `${input}.dead-letters`;
    const good = (i: number) => Buffer.from(JSON.stringify({ user_id: `u${i % 3}`, timestamp: 1_000 + i }));
    const notUtf8 = Buffer.from([0xff, 0xfe, 0x7b, 0x00]);
    const producer = testProducer();
    cleanup.push(() => producer.close());
    await producer.send({
      messages: [
        ...Array.from({ length: 5 }, (_, i) => ({ topic: input, key: Buffer.from('k'), value: good(i) })),
        { topic: input, key: Buffer.from('bad-json'), value: Buffer.from('{"user_id": "u1", ') },
        { topic: input, key: Buffer.from('bad-bytes'), value: notUtf8 },
        { topic: input, value: Buffer.from(JSON.stringify({ user_id: 'u2' })) }, // no timestamp
        ...Array.from({ length: 5 }, (_, i) => ({ topic: input, key: Buffer.from('k'), value: good(5 + i) })),
      ],
    });

    const { platform, close } = await startPlatform(
      (dataDir) => `
data_dir: ${dataDir}
workers: 0
checkpoint: { interval: 500ms }
kafka: { brokers: "${kafkaBrokers()}" }
sources:
  orders: { type: kafka, topic: ${input}, dead_letter_topic: ${deadLetterTopic} }
pipelines:
  - name: orders-${input}
    source: orders
    time: timestamp
    steps:
      - key_by: user_id
      - window: { tumbling: 1s }
        aggregate: { orders: count }
    sinks: [orders-per-user]
`,
    );
    cleanup.push(close);
    await until(
      async () => (platform.pipeline(`orders-${input}`)?.recordsIn ?? 0) >= 13,
      'every record read',
    );

    const source = new KafkaSource('dead-letters', {
      cluster: testCluster(),
      topic: deadLetterTopic,
      group: `check-${deadLetterTopic}`,
      start: 'earliest',
    });
    cleanup.push(() => source.close());
    source.assign([{ topic: deadLetterTopic, partition: 0 }]);
    const batches: RecordBatch[] = [];
    let letters = 0;
    await until(async () => {
      const batch = await source.read(10_000);
      if (batch) {
        batches.push(batch);
        letters += batch.count;
      }
      return letters >= 3;
    }, 'three dead letters');
    const read = batches.flatMap((b) =>
      Array.from({ length: b.count }, (_, i) => ({
        key: b.keys[i],
        value: Buffer.from(valueAt(b, i)),
        headers: Object.fromEntries((b.headers?.[i] ?? []).map(([k, v]) => [k, Buffer.from(v).toString()])),
      })),
    );
    expect(read.map((r) => r.value)).toEqual([
      Buffer.from('{"user_id": "u1", '),
      notUtf8,
      Buffer.from(JSON.stringify({ user_id: 'u2' })),
    ]);
    expect(read.map((r) => r.key)).toEqual(['bad-json', 'bad-bytes', undefined]);
    expect(read[0].headers).toMatchObject({
      [DEAD_LETTER_HEADERS.code]: 'TRB_BAD_RECORD',
      [DEAD_LETTER_HEADERS.stage]: 'decode',
      [DEAD_LETTER_HEADERS.pipeline]: `orders-${input}`,
      [DEAD_LETTER_HEADERS.operator]: 'decode:orders',
      [DEAD_LETTER_HEADERS.source]: 'orders',
      [DEAD_LETTER_HEADERS.topic]: input,
      [DEAD_LETTER_HEADERS.partition]: '0',
      [DEAD_LETTER_HEADERS.offset]: '5',
    });
    expect(read[0].headers[DEAD_LETTER_HEADERS.message]).toMatch(/JSON/);
    expect(read[1].headers[DEAD_LETTER_HEADERS.offset]).toBe('6');
    expect(read[2].headers).toMatchObject({
      [DEAD_LETTER_HEADERS.stage]: 'process',
      [DEAD_LETTER_HEADERS.offset]: '7',
    });
    expect(read[2].headers[DEAD_LETTER_HEADERS.message]).toMatch(/timestamp/);
    // The partition moved past them: the ten good records reached the window, before and after.
    const status = platform.pipeline(`orders-${input}`)!;
    expect(status.deadLetters).toBe(3);
    expect(status.operators.find((o) => o.kind === 'window')?.recordsIn).toBe(10);
  });
});
