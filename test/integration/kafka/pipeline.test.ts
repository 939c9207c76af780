import { afterEach, describe, expect, it } from 'vitest';
import { newTopic } from '../../connectors/kafka/cluster.js';
import { kafkaBrokers } from '../../kafka.js';
import { consumeConfluent, produceKcat, producePython } from './clients.js';
import { startPlatform } from './platform.js';

const WINDOW_MS = 10_000;
const started: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const p of started.splice(0)) await p.close();
});

interface Click {
  user_id: string;
  page: string;
  timestamp: number;
}

/** Clicks of 20 users over 60 s of event time, then one late-enough click per user to close every window. */
const clicks = (): Click[] => {
  const out: Click[] = [];
  for (let i = 0; i < 600; i++)
    out.push({ user_id: `u${i % 20}`, page: `/p/${i % 7}`, timestamp: 1_000_000 + i * 100 });
  return out;
};

const reference = (events: readonly Click[], before: number): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const e of events) {
    if (e.timestamp >= before) continue;
    const start = e.timestamp - (e.timestamp % WINDOW_MS);
    const key = `${e.user_id}@${start}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
};

describe('a pipeline on Kafka', () => {
  it('counts clicks that kafka-python and kcat produced, into a topic that confluent-kafka reads exactly once, and into the store', async () => {
    const brokers = kafkaBrokers();
    const input = await newTopic('click_events', 3);
    const output = await newTopic('clicks_per_user', 3);
    const events = clicks();
    await producePython(brokers, input, events.slice(0, 500), 'user_id');
    await produceKcat(
      brokers,
      input,
      events.slice(500).map((e) => ({ key: e.user_id, value: e })),
    );
    // Past every window of the clicks above, on every partition: the watermark closes them all.
    const closing = Array.from({ length: 20 }, (_, u) => ({
      user_id: `u${u}`,
      page: '/',
      timestamp: 1_200_000,
    }));
    await producePython(brokers, input, closing, 'user_id');

    const { platform, close } = await startPlatform(
      (dataDir) => `
data_dir: ${dataDir}
workers: 2
checkpoint: { interval: 500ms }
kafka: { brokers: "${brokers}" }
sources:
  clicks: { type: kafka, topic: ${input}, format: json, start: earliest }
sinks:
  per-user-topic: { type: kafka, topic: ${output}, format: json }
pipelines:
  - name: clicks-per-user
    source: clicks
    time: timestamp
    steps:
      - key_by: user_id
      - window: { tumbling: 10s }
        aggregate: { clicks: count }
    sinks: [per-user-topic, clicks-per-user]
`,
      {
        onError: (where, error) => process.stderr.write(`${where}: ${(error as Error).message ?? error}\n`),
      },
    );
    started.push({ close });
    const expected = reference(events, 1_060_000);
    const read = await consumeConfluent(brokers, output, expected.size + 1, 20);
    const got = new Map<string, number>();
    for (const { key, value } of read) {
      const row = value as { key: string; start: number; end: number; clicks: number };
      const id = `${key}@${row.start}`;
      expect(row.key).toBe(key);
      expect(got.has(id), `${id} once`).toBe(false);
      got.set(id, row.clicks);
    }
    expect(got).toEqual(expected);
    const stored = await platform.querySeries('clicks-per-user', { from: 0, to: 2_000_000, limit: 10_000 });
    expect(stored.length).toBe(expected.size);
    // Lag per partition on /metrics: everything read.
    const metrics = await platform.metrics.metrics();
    for (const partition of [0, 1, 2])
      expect(metrics).toContain(
        `tributary_consumer_lag_records{pipeline="clicks-per-user",topic="${input}",partition="${partition}"} 0`,
      );
    // Events for a stream read from Kafka are the producers' to write: HTTP ingest says so.
    expect(platform.streams()).toEqual([]);
    await expect(platform.ingest('clicks', [{ value: { user_id: 'u1' } }])).rejects.toThrow(
      `stream "clicks" reads Kafka topic "${input}": produce to that topic with a Kafka client`,
    );
  });
});
