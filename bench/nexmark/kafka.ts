/**
 * Nexmark from Kafka: the events written beforehand to a topic of 6 partitions as JSON
 * values (event i to partition i mod 6, its event time as the record's timestamp), then
 * read by Tributary's Kafka source, decoded by its JSON format and pushed through a
 * query's pipeline — the way a pipeline task reads, on one thread, with the watermark kept
 * per partition.
 */
import { randomBytes } from 'node:crypto';
import { type MessageToProduce, ProduceAcks, Producer } from '@platformatic/kafka';
import { KafkaSource } from '../../src/connectors/kafka/kafka-source.js';
import { json } from '../../src/formats/json.js';
import { compile, type JobOutput, type Plan } from '../../src/index.js';
import { info } from '../harness.js';
import { createTopic, PARTITIONS, sendAll } from '../kafka/fill-topic.js';
import type { GeneratedEvents } from './generator.js';
import { SOURCE } from './query.js';

const BATCH = 4_096;

export interface NexmarkTopic {
  readonly topic: string;
  readonly bytes: number;
  readonly fillEventsPerSec: number;
}

/** A new topic holding `input`'s events. */
export const fillNexmarkTopic = async (brokers: string, input: GeneratedEvents): Promise<NexmarkTopic> => {
  const topic = `bench-nexmark-${randomBytes(4).toString('hex')}`;
  await createTopic(brokers, topic);
  const producer = new Producer({
    clientId: 'tributary-bench-nexmark-fill',
    bootstrapBrokers: brokers.split(','),
    idempotent: true,
    acks: ProduceAcks.ALL,
  });
  try {
    await producer.initIdempotentProducer({});
    let bytes = 0;
    const started = performance.now();
    const { events, timestamps } = input;
    await sendAll(producer, topic, function* () {
      for (let from = 0; from < events.length; from += BATCH) {
        const messages: MessageToProduce<Buffer, Buffer, Buffer, Buffer>[] = [];
        for (let i = from; i < Math.min(events.length, from + BATCH); i++) {
          const value = Buffer.from(JSON.stringify(events[i]));
          bytes += value.length;
          messages.push({ topic, partition: i % PARTITIONS, value, timestamp: BigInt(timestamps[i]) });
        }
        yield messages;
      }
    });
    const seconds = (performance.now() - started) / 1000;
    info(
      `  filled ${topic}: ${events.length} events, ${(bytes / 1e6).toFixed(1)} MB of JSON in ${seconds.toFixed(1)} s`,
    );
    return { topic, bytes, fillEventsPerSec: events.length / seconds };
  } finally {
    await producer.close();
  }
};

export interface KafkaRun {
  /** From the first batch read to the end of input pushed. */
  readonly seconds: number;
  readonly results: number;
}

/** Reads the whole topic through `plan`, results counted. */
export const runFromKafka = async (
  brokers: string,
  topic: string,
  plan: Plan,
  events: number,
): Promise<KafkaRun> => {
  const source = new KafkaSource(SOURCE, {
    cluster: { brokers: brokers.split(','), clientId: 'tributary-bench-nexmark', requestTimeoutMs: 10_000 },
    topic,
    group: `tributary-bench-nexmark-${randomBytes(4).toString('hex')}`,
    start: 'earliest',
  });
  let results = 0;
  const output: JobOutput = {
    sink: (_name, batch) => {
      results += batch.values.length;
    },
    deadLetter: (letter) => {
      throw new Error(`${plan.name}: unexpected dead letter: ${letter.error.message}`);
    },
    late: () => {
      throw new Error(`${plan.name}: unexpected late record`);
    },
  };
  try {
    const partitions = await source.partitions();
    source.assign(partitions);
    const job = compile(plan);
    // Every partition holds the watermark back from the start, as a task's assigned partitions do.
    job.assign(
      SOURCE,
      partitions.map((p) => String(p.partition)),
    );
    let read = 0;
    let started = 0;
    const deadline = Date.now() + 30_000 + events / 10;
    while (read < events) {
      const batch = await source.read(10_000);
      if (!batch) {
        if (Date.now() > deadline)
          throw new Error(`${topic}: ${read} of ${events} records read before the deadline`);
        await source.waitForRecords(100);
        continue;
      }
      if (started === 0) started = performance.now();
      const data = Buffer.from(batch.data.buffer, batch.data.byteOffset, batch.data.byteLength);
      const values: unknown[] = new Array(batch.count);
      for (let i = 0; i < batch.count; i++)
        values[i] = json.decode(data, batch.valueStarts[i], batch.valueEnds[i]);
      job.push(
        SOURCE,
        { values, timestamps: Array.from(batch.timestamps), split: String(batch.partition) },
        output,
      );
      read += batch.count;
    }
    job.endOfInput(output);
    return { seconds: (performance.now() - started) / 1000, results };
  } finally {
    await source.close();
  }
};
