/**
 * Avro on Kafka, end to end against a real registry: clicks that Apache Avro's Java
 * library wrote in the Confluent wire format are counted per user and window, and the
 * results go to a topic in Avro under the subject the sink registered; records that are not
 * Avro, or name a schema the registry lacks, go to the dead-letter topic and the partition
 * moves on.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEAD_LETTER_HEADERS } from '../../../src/connectors/kafka/dead-letter-topic.js';
import { avro } from '../../../src/formats/avro/index.js';
import { SchemaRegistry } from '../../../src/formats/registry/index.js';
import { newTopic, testProducer } from '../../connectors/kafka/cluster.js';
import { apacheAvroClasspath, apacheAvroWrite } from '../../formats/avro/apache-avro.js';
import { kafkaBrokers } from '../../kafka.js';
import { schemaRegistryUrl } from '../../registry.js';
import { consumeConfluentRaw } from './clients.js';
import { startPlatform } from './platform.js';

const WINDOW_MS = 10_000;
const USERS = 10;

const clickSchema = {
  type: 'record',
  name: 'Click',
  namespace: 'com.example.web',
  fields: [
    { name: 'user_id', type: 'string' },
    { name: 'page', type: 'string' },
    { name: 'timestamp', type: { type: 'long', logicalType: 'timestamp-millis' } },
  ],
};

const resultSchema = {
  type: 'record',
  name: 'ClicksPerUser',
  namespace: 'com.example.web',
  fields: [
    { name: 'key', type: 'string' },
    { name: 'start', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'end', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'clicks', type: 'long' },
  ],
};

interface Click {
  user_id: string;
  page: string;
  timestamp: number;
}

/** 400 clicks over 40 s of event time, then one per user past every window. */
const clicks = (): Click[] => [
  ...Array.from({ length: 400 }, (_, i) => ({
    user_id: `u${i % USERS}`,
    page: `/p/${i % 7}`,
    timestamp: 1_000_000 + i * 100,
  })),
  ...Array.from({ length: USERS }, (_, u) => ({ user_id: `u${u}`, page: '/', timestamp: 1_200_000 })),
];

const reference = (events: readonly Click[]): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const e of events) {
    if (e.timestamp >= 1_200_000) continue;
    const id = `${e.user_id}@${e.timestamp - (e.timestamp % WINDOW_MS)}`;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
};

/** Clicks the Java writer encoded, keyed by user, into `topic`; `between` goes after the first half. */
const produceClicks = async (
  topic: string,
  events: readonly Click[],
  values: readonly Buffer[],
  between: { key: string; value: Buffer }[] = [],
) => {
  const half = values.length / 2;
  const message = (i: number) => ({ topic, key: Buffer.from(events[i].user_id), value: values[i] });
  const producer = testProducer();
  try {
    await producer.send({
      messages: [
        ...values.slice(0, half).map((_, i) => message(i)),
        ...between.map(({ key, value }) => ({ topic, key: Buffer.from(key), value })),
        ...values.slice(half).map((_, i) => message(half + i)),
      ],
    });
  } finally {
    await producer.close();
  }
};

/**
 * A registry in front of the real one that answers 503 to the first `outage` requests for a
 * schema by id, as a registry does while it restarts.
 */
const flakyRegistry = async (
  target: string,
  outage: number,
): Promise<{ url: string; refused: () => number; server: Server }> => {
  let refused = 0;
  const server = createServer(async (request, response) => {
    if (request.url?.includes('/schemas/ids/') && refused < outage) {
      refused++;
      response.writeHead(503).end('restarting');
      return;
    }
    const answer = await fetch(`${new URL(target).origin}${request.url}`, { method: request.method });
    response.writeHead(answer.status, {
      'content-type': answer.headers.get('content-type') ?? 'application/json',
    });
    response.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const path = new URL(target).pathname;
  return { url: `http://127.0.0.1:${port}${path}`, refused: () => refused, server };
};

/** The pipeline of both tests: clicks per user and 10 s window, into `sink`. */
const clicksPerUser = (name: string, sink: string) => `pipelines:
  - name: ${name}
    source: clicks
    time: timestamp
    steps:
      - key_by: user_id
      - window: { tumbling: 10s }
        aggregate: { clicks: count }
    sinks: [${sink}]
`;

const started: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const p of started.splice(0)) await p.close();
});

describe('a pipeline on Kafka with format avro', () => {
  let classpath: string;
  beforeAll(async () => {
    classpath = await apacheAvroClasspath();
  }, 180_000);

  it('counts Avro clicks a third-party writer produced into Avro results under a registered subject; bad records are dead letters', {
    timeout: 180_000,
  }, async () => {
    const brokers = kafkaBrokers();
    const registryUrl = schemaRegistryUrl();
    const input = await newTopic('clicks_avro', 2);
    const output = await newTopic('clicks_per_user_avro', 2);
    const deadLetterTopic = await newTopic('clicks_avro_dead_letters', 1);

    const events = clicks();
    const { id, values } = await apacheAvroWrite(
      classpath,
      `${input}-value`,
      clickSchema,
      events.map((e) => JSON.stringify(e)),
    );
    // After the first half: a JSON value (no magic byte), and a value naming an id no registry has.
    const unknownId = Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 2, 0x61]);
    const half = values.length / 2;
    const producer = testProducer();
    try {
      await producer.send({
        messages: [
          ...values
            .slice(0, half)
            .map((value, i) => ({ topic: input, key: Buffer.from(events[i].user_id), value })),
          { topic: input, key: Buffer.from('u1'), value: Buffer.from('{"user_id":"u1"}') },
          { topic: input, key: Buffer.from('u2'), value: unknownId },
          ...values
            .slice(half)
            .map((value, i) => ({ topic: input, key: Buffer.from(events[half + i].user_id), value })),
        ],
      });
    } finally {
      await producer.close();
    }

    const pipeline = `avro-${randomUUID().slice(0, 6)}`;
    const { platform, close } = await startPlatform(
      (dataDir) => `
data_dir: ${dataDir}
workers: 0
checkpoint: { interval: 500ms }
kafka: { brokers: "${brokers}" }
schema_registry: { url: "${registryUrl}" }
sources:
  clicks: { type: kafka, topic: ${input}, format: avro, dead_letter_topic: ${deadLetterTopic} }
sinks:
  per-user-avro:
    type: kafka
    topic: ${output}
    format: avro
    schema: ${JSON.stringify(resultSchema)}
${clicksPerUser(pipeline, 'per-user-avro')}`,
    );
    started.push({ close });

    const expected = reference(events);
    const read = await consumeConfluentRaw(brokers, output, expected.size + 1, 20);
    // The sink registered its schema under the topic's subject, and wrote that id.
    const registry = new SchemaRegistry({ url: registryUrl });
    const resultId = await registry.lookup(`${output}-value`, JSON.stringify(resultSchema));
    expect(resultId).toBeDefined();
    expect(resultId).not.toBe(id);
    expect(read.every((r) => r.value[0] === 0 && r.value.readInt32BE(1) === resultId)).toBe(true);
    const reader = avro({ registry: { url: registryUrl } });
    await reader.prepare(read.map((r) => r.value));
    const got = new Map<string, number>();
    for (const { key, value } of read) {
      const row = reader.decode(value, 0, value.length) as {
        key: string;
        start: number;
        end: number;
        clicks: number;
      };
      expect(row.key).toBe(key);
      expect(row.end - row.start).toBe(WINDOW_MS);
      got.set(`${row.key}@${row.start}`, row.clicks);
    }
    expect(read).toHaveLength(expected.size);
    expect(got).toEqual(expected);

    // The two may be on different partitions: in byte order, the unknown id's (0x00…) first.
    const letters = (await consumeConfluentRaw(brokers, deadLetterTopic, 2, 10)).sort((a, b) =>
      a.value.compare(b.value),
    );
    expect(letters.map((l) => l.value)).toEqual([unknownId, Buffer.from('{"user_id":"u1"}')]);
    expect(letters.map((l) => l.headers[DEAD_LETTER_HEADERS.code])).toEqual([
      'TRB_BAD_RECORD',
      'TRB_BAD_RECORD',
    ]);
    expect(letters[0].headers[DEAD_LETTER_HEADERS.message]).toMatch(/2147483632/);
    expect(letters[1].headers[DEAD_LETTER_HEADERS.message]).toMatch(/magic byte/);
    expect(platform.pipeline(pipeline)!.deadLetters).toBe(2);
  });

  it('holds a batch while the registry is unavailable and reads it once the registry is back: nothing skipped', {
    timeout: 180_000,
  }, async () => {
    const input = await newTopic('clicks_avro', 1);
    const events = clicks();
    const { values } = await apacheAvroWrite(
      classpath,
      `${input}-value`,
      clickSchema,
      events.map((e) => JSON.stringify(e)),
    );
    await produceClicks(input, events, values);
    const registry = await flakyRegistry(schemaRegistryUrl(), 3);
    const pipeline = `avro-${randomUUID().slice(0, 6)}`;
    const { platform, close } = await startPlatform(
      (dataDir) => `
data_dir: ${dataDir}
workers: 0
checkpoint: { interval: 500ms }
kafka: { brokers: "${kafkaBrokers()}" }
schema_registry: { url: "${registry.url}" }
sources:
  clicks: { type: kafka, topic: ${input}, format: avro }
${clicksPerUser(pipeline, pipeline)}`,
    );
    started.push({
      close: async () => {
        await close();
        registry.server.close();
      },
    });
    const expected = reference(events);
    await expect
      .poll(
        async () => (await platform.querySeries(pipeline, { from: 0, to: 2_000_000, limit: 1_000 })).length,
        {
          timeout: 60_000,
        },
      )
      .toBe(expected.size);
    const rows = await platform.querySeries(pipeline, { from: 0, to: 2_000_000, limit: 1_000 });
    expect(new Map(rows.map((r) => [`${r.key}@${r.start}`, r.values.clicks]))).toEqual(expected);
    expect(registry.refused()).toBe(3);
    expect(platform.pipeline(pipeline)!.deadLetters).toBe(0);
  });
});
