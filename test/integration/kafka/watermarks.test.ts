/**
 * Reading a backlog across partitions never turns on-time events late: the watermark is the
 * least of the partitions' own. A sparse partition covers the whole backlog's event time in
 * its first fetch, while a dense one needs many; with one watermark for the topic, nearly
 * every event of the dense one would arrive behind it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { newTopic, testProducer } from '../../connectors/kafka/cluster.js';
import { kafkaBrokers } from '../../kafka.js';
import { startPlatform } from './platform.js';

const T0 = 1_700_000_000_000;
const SPAN_MS = 120_000;
const WINDOW_MS = 10_000;
/** Events per partition: a dense one, a sparse one. */
const SIZES = [60_000, 600];

describe('watermarks of a pipeline on Kafka', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => {});
  });

  it('are per partition: a backlog read unevenly makes no event late', { timeout: 120_000 }, async () => {
    const input = await newTopic('skewed', SIZES.length);
    const producer = testProducer();
    cleanup.push(() => producer.close());
    const expected = new Map<string, number>();
    for (const [partition, size] of SIZES.entries()) {
      for (let from = 0; from < size; from += 5_000) {
        const messages = [];
        for (let i = from; i < Math.min(size, from + 5_000); i++) {
          const timestamp = T0 + Math.floor((i * SPAN_MS) / size);
          const key = `p${partition}`;
          messages.push({ topic: input, partition, value: Buffer.from(JSON.stringify({ key, timestamp })) });
          const id = `${key}@${timestamp - (timestamp % WINDOW_MS)}`;
          expected.set(id, (expected.get(id) ?? 0) + 1);
        }
        await producer.send({ messages });
      }
    }
    // One event per partition past the backlog: every window of it closes.
    await producer.send({
      messages: SIZES.map((_, partition) => ({
        topic: input,
        partition,
        value: Buffer.from(JSON.stringify({ key: 'end', timestamp: T0 + SPAN_MS + 2 * WINDOW_MS })),
      })),
    });

    const { platform, close } = await startPlatform(
      (dataDir) => `
data_dir: ${dataDir}
workers: 0
kafka: { brokers: "${kafkaBrokers()}" }
sources:
  events: { type: kafka, topic: ${input} }
pipelines:
  - name: skewed-${input}
    source: events
    time: timestamp
    steps:
      - key_by: key
      - window: { tumbling: 10s }
        aggregate: { events: count }
    sinks: [per-window]
`,
      { pipelineTasks: { batchSize: 1_000 } },
    );
    cleanup.push(close);
    const pipeline = `skewed-${input}`;
    await expect
      .poll(() => platform.pipeline(pipeline)?.recordsOut ?? 0, { timeout: 90_000, interval: 200 })
      .toBeGreaterThanOrEqual(expected.size);
    expect(platform.pipeline(pipeline)?.lateEvents).toBe(0);
    await expect
      .poll(
        async () => (await platform.querySeries('per-window', { from: 0, to: T0 * 2, limit: 10_000 })).length,
        {
          timeout: 30_000,
        },
      )
      .toBe(expected.size);
    const stored = await platform.querySeries('per-window', { from: 0, to: T0 * 2, limit: 10_000 });
    expect(new Map(stored.map((p) => [`${p.key}@${p.start}`, p.values.events]))).toEqual(expected);
  });
});
