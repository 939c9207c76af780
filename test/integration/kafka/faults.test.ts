/**
 * A pipeline on Kafka rides out the cluster's faults with nothing lost and nothing twice: a
 * single broker stopped and started again mid-run (every request fails meanwhile), and on a
 * three-node cluster the node that leads a partition SIGKILLed (leadership moves). Each on
 * a cluster of its own, started here, so the run's shared broker is never touched.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Admin,
  compatibilityPartitioner,
  type MessageToProduce,
  ProduceAcks,
  Producer,
} from '@platformatic/kafka';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningKafka, startKafka } from '../../../scripts/kafka/broker.js';
import { KafkaBrokerError } from '../../../scripts/kafka/errors.js';
import type { KafkaClusterSpec } from '../../../src/connectors/kafka/cluster.js';
import { KafkaSource } from '../../../src/connectors/kafka/kafka-source.js';
import { ensureTopics } from '../../../src/connectors/kafka/topics.js';
import { valueAt } from '../../../src/connectors/source.js';
import { createLogger } from '../../../src/observability/logger.js';
import type { Platform } from '../../../src/runtime/platform.js';
import { KEEP_FOREVER } from '../../connectors/kafka/cluster.js';
import { startPlatform } from './platform.js';
import { countPerWindow } from './reference.js';

const USERS = 30;
const WINDOW_MS = 1_000;
const T0 = 1_700_000_000_000;
const PARTITIONS = 3;

const click = (i: number) => ({ user_id: `u${(i * 7) % USERS}`, timestamp: T0 + i * 2 });

const reference = (events: number) => countPerWindow(events, click, WINDOW_MS);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
});

const cluster = (brokers: string): KafkaClusterSpec => ({
  brokers: brokers.split(','),
  clientId: 'tributary-fault-test',
  requestTimeoutMs: 10_000,
});

/** A node's three ports in a row, free now: a restarted broker must come back on the same ones. */
const startOnFreePorts = async (dir: string): Promise<{ kafka: RunningKafka; port: number }> => {
  for (let attempt = 0; ; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    try {
      return { kafka: await startKafka({ dir, port, log: () => {} }), port };
    } catch (error) {
      if (!(error instanceof KafkaBrokerError && error.code === 'KAFKA_PORT_IN_USE') || attempt > 20)
        throw error;
    }
  }
};

/** Sends to the cluster, keyed by user as Kafka's Java clients place keys, acks=all, retrying through an outage. */
const send = async (brokers: string, messages: MessageToProduce[]) => {
  const producer = new Producer({
    clientId: 'tributary-fault-test',
    bootstrapBrokers: brokers.split(','),
    idempotent: true,
    acks: ProduceAcks.ALL,
    partitioner: compatibilityPartitioner,
    retries: 30,
    retryDelay: 500,
  });
  try {
    for (let i = 0; i < messages.length; i += 1_000)
      await producer.send({ messages: messages.slice(i, i + 1_000) });
  } finally {
    await producer.close();
  }
};

const message = (topic: string, value: { user_id: string; timestamp: number }): MessageToProduce => ({
  topic,
  key: Buffer.from(value.user_id),
  value: Buffer.from(JSON.stringify(value)),
});

/** Clicks [from, to). */
const produce = (brokers: string, topic: string, from: number, to: number) =>
  send(
    brokers,
    Array.from({ length: to - from }, (_, i) => message(topic, click(from + i))),
  );

/** Closing clicks past every window, one per user: every partition's watermark passes the clicks. */
const closeWindows = (brokers: string, topic: string, events: number) =>
  send(
    brokers,
    Array.from({ length: USERS }, (_, u) =>
      message(topic, { user_id: `u${u}`, timestamp: T0 + events * 2 + 5 * WINDOW_MS }),
    ),
  );

/** Starts the pipeline in this process: clicks counted per user and 1 s window, exactly-once into `output`. */
const startPipeline = async (brokers: string, input: string, output: string): Promise<Platform> => {
  const started = await startPlatform(
    (dataDir) => `
data_dir: ${dataDir}
workers: 1
checkpoint: { interval: 500ms }
kafka: { brokers: "${brokers}", request_timeout: 5s }
sources:
  clicks: { type: kafka, topic: ${input} }
sinks:
  out: { type: kafka, topic: ${output}, partitions: ${PARTITIONS} }
pipelines:
  - name: faults-${randomBytes(3).toString('hex')}
    source: clicks
    time: timestamp
    steps:
      - key_by: user_id
        partitioned: true
      - window: { tumbling: 1s }
        aggregate: { clicks: count }
    sinks: [out]
`,
    // Warnings on stderr: what the platform went through shows beside a failure.
    { logger: createLogger({ level: 'warn', destination: process.stderr }), onError: () => {} },
  );
  cleanup.push(started.close);
  return started.platform;
};

/**
 * Half the clicks, the pipeline started and reading, `fault` done to the cluster, the other
 * half and the closing clicks: the results must equal the reference, each once.
 */
const runThrough = async (brokers: string, fault: (input: string) => Promise<void>) => {
  const [input, output] = ['clicks', 'clicks-per-user'];
  await ensureTopics(
    cluster(brokers),
    [input, output].map((topic) => ({ topic, partitions: PARTITIONS, configs: KEEP_FOREVER })),
  );
  const events = 30_000;
  await produce(brokers, input, 0, events / 2);
  const platform = await startPipeline(brokers, input, output);
  await expect.poll(() => platform.pipelines()[0]?.recordsIn ?? 0, { timeout: 60_000 }).toBeGreaterThan(0);
  await fault(input);
  await produce(brokers, input, events / 2, events);
  await closeWindows(brokers, input, events);
  const expected = reference(events);
  const { results, repeated } = await readResults(brokers, output, expected.size);
  expect(repeated).toEqual([]);
  expect(results).toEqual(expected);
};

/** The results a read_committed reader sees, once `expected` arrived or 120 s passed; repeats listed. */
const readResults = async (brokers: string, topic: string, expected: number) => {
  const source = new KafkaSource('check', {
    cluster: cluster(brokers),
    topic,
    group: `check-${topic}`,
    start: 'earliest',
  });
  cleanup.push(() => source.close());
  source.assign(await source.partitions());
  const results = new Map<string, number>();
  const repeated: string[] = [];
  // Room for a loaded machine: the tasks resume from their checkpoints once the cluster answers.
  const deadline = Date.now() + 120_000;
  let quietUntil = 0;
  while (Date.now() < deadline && (results.size < expected || Date.now() < quietUntil)) {
    const batch = await source.read(10_000);
    if (!batch) {
      await source.waitForRecords(200);
      continue;
    }
    for (let i = 0; i < batch.count; i++) {
      const row = JSON.parse(Buffer.from(valueAt(batch, i)).toString()) as {
        key: string;
        start: number;
        clicks: number;
      };
      const id = `${row.key}@${row.start}`;
      if (results.has(id)) repeated.push(id);
      results.set(id, row.clicks);
    }
    // Once all are in, a second more: a repeat would show up in it.
    if (results.size >= expected && quietUntil === 0) quietUntil = Date.now() + 1_000;
  }
  return { results, repeated };
};

const partitionLeaders = async (brokers: string, topic: string): Promise<number[]> => {
  const admin = new Admin({ clientId: 'tributary-fault-test', bootstrapBrokers: brokers.split(',') });
  try {
    const metadata = await admin.metadata({ topics: [topic], forceUpdate: true });
    return metadata.topics.get(topic)!.partitions.map((p) => p.leader);
  } finally {
    await admin.close();
  }
};

describe('a pipeline on Kafka when the cluster fails', () => {
  it('resumes after its only broker was stopped and started again, nothing lost or repeated', {
    timeout: 300_000,
  }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tributary-kafka-restart-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const started = await startOnFreePorts(dir);
    let kafka = started.kafka;
    cleanup.push(() => kafka.stop());
    const { brokers } = kafka;
    await runThrough(brokers, async () => {
      await kafka.stop();
      await sleep(3_000); // every fetch, heartbeat, send and commit fails meanwhile
      kafka = await startKafka({ dir, port: started.port, log: () => {} });
      expect(kafka.brokers).toBe(brokers);
    });
  });

  it('loses nothing when the node leading a partition is SIGKILLed on a three-node cluster', {
    timeout: 420_000,
  }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tributary-kafka-failover-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const kafka = await startKafka({ dir, nodes: 3, log: () => {} });
    cleanup.push(() => kafka.stop());
    const { brokers } = kafka;
    await runThrough(brokers, async (input) => {
      // kill -9 of the leader of the input's partition 0: no controlled shutdown.
      const leader = (await partitionLeaders(brokers, input))[0];
      process.kill(kafka.pids[leader - 1], 'SIGKILL');
      await expect
        .poll(async () => (await partitionLeaders(brokers, input))[0], { timeout: 30_000 })
        .not.toBe(leader);
    });
  });
});
