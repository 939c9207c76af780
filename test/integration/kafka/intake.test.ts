/**
 * Intake on Kafka (`log: { type: kafka }`): what MQTT and HTTP take in is appended to the
 * Kafka topic of the source's name, acknowledged only once the broker has it, and the
 * pipelines read it there.
 */
import { randomBytes } from 'node:crypto';
import { connectAsync } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { partitionForKey } from '../../../src/connectors/log/index.js';
import { kafkaBrokers } from '../../kafka.js';
import { consumeConfluent } from './clients.js';
import { startPlatform } from './platform.js';

const MQTT = process.env.MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const started: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const p of started.splice(0)) await p.close();
});

describe('intake on Kafka', () => {
  it('appends MQTT messages (acknowledged once on Kafka) and HTTP events to the topics of their sources, which the pipelines read', {
    timeout: 120_000,
  }, async () => {
    const id = randomBytes(4).toString('hex');
    const [readings, orders] = [`readings_${id}`, `orders_${id}`];
    const { platform, close } = await startPlatform(
      (dataDir) => `
data_dir: ${dataDir}
workers: 0
checkpoint: { interval: 500ms }
kafka: { brokers: "${kafkaBrokers()}" }
log: { type: kafka, partitions: 3 }
sources:
  ${readings}: { type: mqtt, url: "${MQTT}", topic: "tributary-test/${id}/#", qos: 1 }
  ${orders}: { type: http }
pipelines:
  - name: per-device-${id}
    source: ${readings}
    time: ts
    steps:
      - key_by: device
      - window: { tumbling: 10s }
        aggregate: { readings: count }
    sinks: [per-device-${id}]
  - name: per-customer-${id}
    source: ${orders}
    time: ts
    steps:
      - key_by: customer
      - window: { tumbling: 10s }
        aggregate: { orders: count }
    sinks: [per-customer-${id}]
`,
    );
    started.push({ close });

    // 30 readings of 3 devices in the first 10 s, then one per device past the window. The
    // MQTT topic is the record's key: one device per partition, so each partition's watermark
    // passes the window.
    const topicOf = (device: string) => `tributary-test/${id}/${device}`;
    const devices = [0, 1, 2].map((partition) => {
      let n = 0;
      while (partitionForKey(topicOf(`d${n}`), 3) !== partition) n++;
      return `d${n}`;
    });
    const publisher = await connectAsync(MQTT, { clientId: `tributary-test-${id}` });
    try {
      for (let i = 0; i < 33; i++) {
        const device = devices[i % 3];
        const ts = i < 30 ? 1_000_000 + i * 100 : 1_020_000;
        await publisher.publishAsync(topicOf(device), JSON.stringify({ device, ts }), {
          qos: 1,
        });
      }
    } finally {
      await publisher.endAsync();
    }
    // Each PUBACK came after the broker had the message: all of them are on the topic now.
    const onTopic = await consumeConfluent(kafkaBrokers(), readings, 34, 5);
    expect(onTopic).toHaveLength(33);

    // Keyed by customer, placed by Kafka's key hash: a closing event on each of the 3 partitions.
    const closing = [0, 1, 2].map((partition) => {
      let n = 0;
      while (partitionForKey(`close-${n}`, 3) !== partition) n++;
      return { customer: `close-${n}`, ts: 1_020_000 };
    });
    const events = [
      ...Array.from({ length: 20 }, (_, i) => ({ customer: `c${i % 2}`, ts: 1_000_000 + i * 100 })),
      ...closing,
    ];
    const result = await platform.ingest(
      orders,
      events.map((value) => ({ key: value.customer, value })),
    );
    expect(result.accepted).toBe(23);
    const ordersOnTopic = await consumeConfluent(kafkaBrokers(), orders, 24, 5);
    expect(ordersOnTopic.map((r) => r.value)).toEqual(expect.arrayContaining(events));
    expect(ordersOnTopic).toHaveLength(23);
    // The offsets the ingest answered are Kafka's: per partition, as many as it placed there.
    expect(result.partitions!.reduce((n, p) => n + p.lastOffset - p.firstOffset + 1, 0)).toBe(23);
    expect(result.partitions!.map((p) => p.partition)).toEqual([0, 1, 2]);

    const windows = async (series: string) =>
      (await platform.querySeries(series, { from: 0, to: 2_000_000, limit: 100 }))
        .map((r) => `${r.key}@${r.start}=${Object.values(r.values)[0]}`)
        .sort();
    await expect
      .poll(() => windows(`per-device-${id}`), { timeout: 60_000 })
      .toEqual(devices.map((d) => `${d}@1000000=10`).sort());
    await expect
      .poll(() => windows(`per-customer-${id}`), { timeout: 60_000 })
      .toEqual(['c0@1000000=10', 'c1@1000000=10']);
    expect(platform.streams()).toEqual([readings, orders]);
  });
});
