/**
 * Against the real Mosquitto on 127.0.0.1:1883 (or MQTT_URL). Each test uses its own topic
 * prefix and client ids, and removes the persistent sessions it made.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect as connectTcp, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEAD_LETTER_TOPIC, type DeadLetterRecord } from '../../../src/connectors/dead-letter.js';
import type { Appender, Ingestor } from '../../../src/connectors/ingestor.js';
import { type EmbeddedLog, openEmbeddedLog } from '../../../src/connectors/log/index.js';
import type { AppendRecord } from '../../../src/connectors/log/record-format.js';
import { createMqttIngestor, type MqttOptions } from '../../../src/connectors/mqtt/index.js';
import { resolveMqttOptions } from '../../../src/connectors/mqtt/options.js';

const BROKER = process.env.MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const brokerUrl = new URL(BROKER);

let dir: string;
let log: EmbeddedLog;
let prefix: string;
let publisher: MqttClient;
const ingestors: Ingestor[] = [];
const sessions: string[] = [];

const reachable = (): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connectTcp(Number(brokerUrl.port || 1883), brokerUrl.hostname);
    socket.setTimeout(2_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });

beforeAll(async () => {
  if (!(await reachable())) {
    throw new Error(
      `No MQTT broker at ${BROKER}. Start Mosquitto with: mosquitto -d -c /etc/mosquitto/mosquitto.conf ` +
        '(apt-get install mosquitto if it is missing), or point MQTT_URL at a broker.',
    );
  }
  publisher = await connectAsync(BROKER, { clientId: `tributary-test-pub-${randomUUID()}` });
});

afterAll(async () => {
  await publisher?.endAsync();
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tributary-mqtt-'));
  log = await openEmbeddedLog({ dir });
  prefix = `tributary-test/${randomUUID()}`;
});

afterEach(async () => {
  await Promise.all(ingestors.splice(0).map((ingestor) => ingestor.stop()));
  // A clean connect ends a persistent session, so the broker does not keep queueing for it.
  for (const clientId of sessions.splice(0)) {
    const client = await connectAsync(BROKER, { clientId, clean: true });
    await client.endAsync();
  }
  await log.close();
  await rm(dir, { recursive: true, force: true });
});

const ingestor = (options: Partial<MqttOptions> & { name: string }, appender: Appender = log): Ingestor => {
  const clientId = options.clientId ?? `tributary-test-${randomUUID()}`;
  sessions.push(clientId);
  const created = createMqttIngestor({ url: BROKER, filter: `${prefix}/#`, ...options, clientId }, appender);
  ingestors.push(created);
  return created;
};

const waitFor = async (
  what: string,
  condition: () => boolean | Promise<boolean>,
  ms = 10_000,
): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(10);
  }
};

const values = async <T = unknown>(topic: string): Promise<T[]> => {
  const { records } = await log.read(topic, 0, 0);
  return records.map((record) => JSON.parse(record.value.toString('utf8')) as T);
};

/** A TCP hop between an ingestor and the broker that can cut the line and sees the client's packets. */
const startProxy = async () => {
  const sockets = new Set<Socket>();
  const sent: { type: number; at: number }[] = [];
  const server: Server = createServer((client) => {
    const broker = connectTcp(Number(brokerUrl.port || 1883), brokerUrl.hostname);
    sockets.add(client).add(broker);
    let pending = Buffer.alloc(0);
    client.on('data', (chunk) => {
      // MQTT framing: a type byte, a variable-length remaining length, the rest.
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        let length = 0;
        let multiplier = 1;
        let i = 1;
        for (; i < pending.length && i < 5; i++) {
          length += (pending[i] & 0x7f) * multiplier;
          multiplier *= 128;
          if ((pending[i] & 0x80) === 0) break;
        }
        if (i >= pending.length || pending.length < i + 1 + length) break;
        sent.push({ type: pending[0] >> 4, at: Date.now() });
        pending = pending.subarray(i + 1 + length);
      }
      broker.write(chunk);
    });
    broker.on('data', (chunk) => client.write(chunk));
    for (const [from, to] of [
      [client, broker],
      [broker, client],
    ]) {
      from.on('close', () => to.destroy());
      from.on('error', () => to.destroy());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `mqtt://127.0.0.1:${port}`,
    /** Packet types the client sent: 4 is PUBACK. */
    sent,
    cut: () => {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

const PUBACK = 4;

describe('the MQTT ingestor', () => {
  it('appends published JSON in batches, keyed by MQTT topic, with the topic added when asked', async () => {
    const appends: number[] = [];
    const counting: Appender = {
      append: (topic: string, records: readonly AppendRecord[]) => {
        appends.push(records.length);
        return log.append(topic, records);
      },
    };
    const sensors = ingestor({ name: 'sensors', topicField: 'mqtt_topic' }, counting);
    await sensors.start();
    expect(sensors.stats().active).toBe(true);

    const count = 500;
    await Promise.all(
      Array.from({ length: count }, (_, n) =>
        publisher.publishAsync(`${prefix}/sensor-${n % 5}`, JSON.stringify({ n, temp_f: 70 + (n % 10) }), {
          qos: 1,
        }),
      ),
    );
    await waitFor('all are appended', () => log.endOffset('sensors', 0) === count);

    const events = await values<{ n: number; mqtt_topic: string }>('sensors');
    expect(events.map((e) => e.n).sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, n) => n));
    for (const event of events) expect(event.mqtt_topic).toBe(`${prefix}/sensor-${event.n % 5}`);
    const { records } = await log.read('sensors', 0, 0, { maxRecords: 1 });
    expect(records[0].key).toMatch(new RegExp(`^${prefix}/sensor-\\d$`));
    // Per topic, in publish order.
    const perTopic = events.filter((e) => e.mqtt_topic.endsWith('sensor-3')).map((e) => e.n);
    expect(perTopic).toEqual([...perTopic].sort((a, b) => a - b));
    // Batched: far fewer appends than messages.
    expect(appends.length).toBeLessThan(count / 5);
    expect(sensors.stats()).toMatchObject({ events: count, rejected: 0, active: true });
  });

  it('keeps payloads byte for byte when no topic field is asked for, and passes JSON that is not an object', async () => {
    const raw = ingestor({ name: 'raw', qos: 0 });
    await raw.start();
    const payloads = ['{"a":1,  "b":[1,2]}', '42', '"text"', 'null'];
    for (const payload of payloads) await publisher.publishAsync(`${prefix}/raw`, payload, { qos: 0 });
    await waitFor('all are appended', () => log.endOffset('raw', 0) === payloads.length);
    const { records } = await log.read('raw', 0, 0);
    expect(records.map((r) => r.value.toString('utf8'))).toEqual(payloads);
  });

  it('dead-letters payloads that are not JSON, with the reason and the MQTT topic', async () => {
    const sensors = ingestor({ name: 'sensors' });
    await sensors.start();
    await publisher.publishAsync(`${prefix}/good`, '{"ok":true}', { qos: 1 });
    await publisher.publishAsync(`${prefix}/bad`, 'temp=71.2', { qos: 1 });
    await publisher.publishAsync(`${prefix}/empty`, '', { qos: 1 });
    await publisher.publishAsync(`${prefix}/binary`, Buffer.from([0xff, 0xfe, 0x00, 0x7b]), { qos: 1 });
    await waitFor('all are in', () => sensors.stats().events + sensors.stats().rejected === 4);

    expect(await values('sensors')).toEqual([{ ok: true }]);
    const letters = await values<DeadLetterRecord>(DEAD_LETTER_TOPIC);
    expect(letters).toHaveLength(3);
    const [text, empty, binary] = letters;
    expect(text).toMatchObject({
      stage: 'ingest',
      source: 'sensors',
      error: { code: 'TRB_BAD_RECORD' },
      input: 'temp=71.2',
      encoding: 'utf8',
      origin: { mqttTopic: `${prefix}/bad` },
    });
    expect(text.error.message).toMatch(/not JSON/);
    expect(empty).toMatchObject({ input: '', origin: { mqttTopic: `${prefix}/empty` } });
    expect(empty.error.message).toMatch(/empty/);
    expect(binary).toMatchObject({ encoding: 'base64', origin: { mqttTopic: `${prefix}/binary` } });
    expect(Buffer.from(binary.input!, 'base64')).toEqual(Buffer.from([0xff, 0xfe, 0x00, 0x7b]));
    expect(sensors.stats()).toMatchObject({ events: 1, rejected: 3 });
  });

  it('acknowledges a QoS 1 message only after its append resolves', async () => {
    const proxy = await startProxy();
    try {
      let release!: () => void;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      let appendCalled = false;
      const gated: Appender = {
        append: async (topic, records) => {
          appendCalled = true;
          await released;
          return log.append(topic, records);
        },
      };
      const sensors = ingestor({ name: 'sensors', url: proxy.url }, gated);
      await sensors.start();
      await publisher.publishAsync(`${prefix}/a`, '{"n":1}', { qos: 1 });
      await waitFor('the append is called', () => appendCalled);
      await sleep(300);
      expect(proxy.sent.filter((p) => p.type === PUBACK)).toHaveLength(0);

      const releasedAt = Date.now();
      release();
      await waitFor('the PUBACK is sent', () => proxy.sent.some((p) => p.type === PUBACK));
      expect(proxy.sent.find((p) => p.type === PUBACK)!.at).toBeGreaterThanOrEqual(releasedAt);
      expect(await values('sensors')).toEqual([{ n: 1 }]);
    } finally {
      await Promise.all(ingestors.splice(0).map((i) => i.stop()));
      await proxy.close();
    }
  });

  it('loses no QoS 1 message when it stops with one in hand, nor any published while it is away', async () => {
    const clientId = `tributary-test-${randomUUID()}`;
    // The first run's log hangs: the message is received but never durable.
    const received: string[] = [];
    const hanging: Appender = {
      append: (_topic, records) => {
        for (const record of records) received.push(Buffer.from(record.value).toString('utf8'));
        return new Promise(() => {});
      },
    };
    const first = ingestor({ name: 'sensors', clientId, stopTimeoutMs: 200 }, hanging);
    await first.start();
    await publisher.publishAsync(`${prefix}/a`, '{"n":1}', { qos: 1 });
    await waitFor('the message is in hand', () => received.length === 1);
    await first.stop(); // gives up on the append after 200 ms: the message was never acknowledged
    expect(first.stats()).toMatchObject({ events: 0, active: false });

    await publisher.publishAsync(`${prefix}/a`, '{"n":2}', { qos: 1 });

    const second = ingestor({ name: 'sensors', clientId });
    await second.start();
    await waitFor('both are appended', () => log.endOffset('sensors', 0) >= 2);
    await sleep(200);
    expect(await values('sensors')).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('resumes its session after a clean stop without losing or repeating messages', async () => {
    const clientId = `tributary-test-${randomUUID()}`;
    const first = ingestor({ name: 'sensors', clientId });
    await first.start();
    for (let n = 0; n < 50; n++)
      await publisher.publishAsync(`${prefix}/a`, JSON.stringify({ n }), { qos: 1 });
    await waitFor('the first 50 are appended', () => log.endOffset('sensors', 0) === 50);
    await first.stop();

    for (let n = 50; n < 80; n++)
      await publisher.publishAsync(`${prefix}/a`, JSON.stringify({ n }), { qos: 1 });
    const second = ingestor({ name: 'sensors', clientId });
    await second.start();
    await waitFor('all 80 are appended', () => log.endOffset('sensors', 0) >= 80);
    await sleep(300);
    const ns = (await values<{ n: number }>('sensors')).map((e) => e.n);
    expect(ns).toEqual(Array.from({ length: 80 }, (_, n) => n));
  });

  it('reconnects with backoff after the connection drops, and reports it meanwhile', async () => {
    const proxy = await startProxy();
    try {
      const sensors = ingestor({ name: 'sensors', url: proxy.url, minBackoffMs: 100, maxBackoffMs: 400 });
      await sensors.start();
      await publisher.publishAsync(`${prefix}/a`, '{"n":1}', { qos: 1 });
      await waitFor('the first is appended', () => log.endOffset('sensors', 0) === 1);

      proxy.cut();
      await waitFor('it notices', () => !sensors.stats().active);
      expect(sensors.stats().lastError).toMatch(/TRB_MQTT_CONNECTION/);

      await waitFor('it is back', () => sensors.stats().active);
      expect(sensors.stats().lastError).toBeUndefined();
      await publisher.publishAsync(`${prefix}/a`, '{"n":2}', { qos: 1 });
      const appended = async () => (await values<{ n: number }>('sensors')).map((v) => v.n);
      await waitFor('the second is appended', async () => (await appended()).includes(2));
      // At-least-once: when the cut took the acknowledgment of n:1 (appended, its PUBACK not yet
      // through), the broker sends it again after the reconnection. Nothing is lost either way.
      expect([
        [1, 2],
        [1, 1, 2],
      ]).toContainEqual(await appended());
    } finally {
      await Promise.all(ingestors.splice(0).map((i) => i.stop()));
      await proxy.close();
    }
  });

  it('keeps trying when the broker cannot be reached, and stops promptly', async () => {
    const proxy = await startProxy();
    const url = proxy.url;
    await proxy.close(); // nothing listens on that port any more
    const lonely = ingestor({ name: 'lonely', url, minBackoffMs: 50, maxBackoffMs: 200 });
    await lonely.start();
    expect(lonely.stats().active).toBe(false);
    expect(lonely.stats().lastError).toMatch(/TRB_MQTT_CONNECTION.*ECONNREFUSED/);
    await sleep(300);
    expect(lonely.stats().active).toBe(false);
    const stopping = Date.now();
    await lonely.stop();
    expect(Date.now() - stopping).toBeLessThan(2_000);
  });
});

describe('MQTT options', () => {
  it('defaults the broker to MQTT_URL, then to the local Mosquitto', () => {
    expect(resolveMqttOptions({ name: 's', filter: 'a/#' }, {}).url).toBe('mqtt://127.0.0.1:1883');
    expect(resolveMqttOptions({ name: 's', filter: 'a/#' }, { MQTT_URL: 'mqtt://broker:1884' }).url).toBe(
      'mqtt://broker:1884',
    );
    const resolved = resolveMqttOptions({ name: 's', filter: 'a/#' }, {});
    expect(resolved).toMatchObject({ topic: 's', qos: 1, cleanSession: false });
    expect(resolveMqttOptions({ name: 's', filter: 'a/#', qos: 0 }, {}).cleanSession).toBe(true);
  });

  it.each([
    [{ qos: 2 }, 'qos'],
    [{ url: 'http://example.com' }, 'url'],
    [{ filter: '' }, 'filter'],
    [{ maxBatch: 0 }, 'maxBatch'],
    [{ minBackoffMs: 500, maxBackoffMs: 100 }, 'maxBackoffMs'],
  ])('rejects %o, naming the field', (bad, field) => {
    expect(() => createMqttIngestor({ name: 's', filter: 'a/#', ...bad } as MqttOptions, log)).toThrow(
      expect.objectContaining({ code: 'TRB_INGEST_BAD_CONFIG', message: expect.stringContaining(field) }),
    );
  });
});
