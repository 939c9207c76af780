/**
 * The input of the Kafka benchmarks: a new topic of 6 partitions (a random suffix, so runs
 * against a shared cluster never meet), filled with the clicks of clicks.ts keyed by user,
 * as fast as `@platformatic/kafka`'s idempotent producer writes them (acks=all, batches of
 * 4,096, 4 sends in flight). Returns the fill rate and the reference result (reference.ts),
 * computed from the same clicks as they are written.
 *
 * Users land on partitions as Kafka's Java clients place them (murmur2 of the key, positive
 * by masking the sign bit): the library's default partitioner takes the unsigned hash
 * instead, which puts about half the keys elsewhere, and a pipeline that declares its topic
 * partitioned by user (Tributary's `partitioned: true`, Kafka Streams) expects Kafka's placement.
 *
 * The last of the `events` are one closing click per partition, a window past the others: a windowing
 * contender learns from it that the last windows of the clicks are complete (the watermark
 * passes their end). The closing clicks are clicks like the others — every contender reads
 * and counts them, the reference holds them — but their own windows (from `openFrom`) are
 * still open when the topic ends (the reference's last window), so a contender that emits
 * closed windows only leaves them out.
 */
import { randomBytes } from 'node:crypto';
import {
  Admin,
  compatibilityPartitioner,
  ListOffsetTimestamps,
  type MessageToProduce,
  ProduceAcks,
  Producer,
} from '@platformatic/kafka';
import { info } from '../harness.js';
import { type Click, clickJson, clicks, clickTime, USERS } from './clicks.js';
import { countClick, WINDOW_MS, type WindowCounts } from './reference.js';

export const PARTITIONS = 6;
const BATCH = 4_096;
const IN_FLIGHT = 4;

export interface FilledTopic {
  readonly topic: string;
  readonly partitions: number;
  /** Every record of the topic, the closing clicks included. */
  readonly events: number;
  /** Of `events`, the closing clicks: one per partition, after the others. */
  readonly closingClicks: number;
  /** Bytes of the values (the JSON), keys excluded. */
  readonly bytes: number;
  /** Clicks per partition, in partition order (users are not spread evenly by the hash). */
  readonly partitionSizes: number[];
  readonly reference: WindowCounts;
  /** From the first send until every batch was acknowledged; making the JSON is included. */
  readonly fillEventsPerSec: number;
  readonly fillMbPerSec: number;
}

const admin = (brokers: string): Admin =>
  new Admin({ clientId: 'tributary-bench-admin', bootstrapBrokers: brokers.split(',') });

/**
 * Creates the topic, waits until each partition has a leader, and fills it with `events`
 * clicks: the clicks of clicks.ts, then the closing clicks.
 */
export const fillTopic = async (brokers: string, events: number): Promise<FilledTopic> => {
  const topic = `bench-clicks-${randomBytes(4).toString('hex')}`;
  await createTopic(brokers, topic);
  const producer = new Producer({
    clientId: 'tributary-bench-fill',
    bootstrapBrokers: brokers.split(','),
    idempotent: true,
    acks: ProduceAcks.ALL,
    partitioner: compatibilityPartitioner,
  });
  try {
    // Before the clock starts, and once: concurrent first sends would each ask for a producer id.
    await producer.initIdempotentProducer({});
    const reference: WindowCounts = new Map();
    const clickCount = events - PARTITIONS;
    if (clickCount < 1) throw new Error(`${events} events: the ${PARTITIONS} closing clicks need more`);
    const lastTime = clickTime(clickCount - 1);
    const openFrom = lastTime - (lastTime % WINDOW_MS) + WINDOW_MS;
    const closing = closingClicks(openFrom);
    const source = (function* () {
      yield* clicks(clickCount);
      yield* closing;
    })();
    let bytes = 0;
    const started = performance.now();
    await sendAll(producer, topic, function* () {
      for (let from = 0; from < events; from += BATCH) {
        const messages: Message[] = [];
        for (let i = from; i < Math.min(events, from + BATCH); i++) {
          const click = source.next().value!;
          countClick(reference, click.user_id, click.timestamp);
          const value = Buffer.from(clickJson(click));
          bytes += value.length;
          messages.push({ topic, key: Buffer.from(click.user_id), value });
        }
        yield messages;
      }
    });
    const seconds = (performance.now() - started) / 1000;
    const partitionSizes = await endOffsets(brokers, topic);
    const written = partitionSizes.reduce((a, b) => a + b, 0);
    if (written !== events)
      throw new Error(`${topic} holds ${written} records after the fill, ${events} were sent`);
    info(
      `  filled ${topic}: ${events} clicks (${(bytes / 1e6).toFixed(1)} MB of JSON) in ${seconds.toFixed(2)} s, ` +
        `${Math.round(events / seconds)} events/s; per partition ${partitionSizes.join(', ')}`,
    );
    return {
      topic,
      partitions: PARTITIONS,
      events,
      closingClicks: closing.length,
      bytes,
      partitionSizes,
      reference,
      fillEventsPerSec: events / seconds,
      fillMbPerSec: bytes / 1e6 / seconds,
    };
  } catch (error) {
    await removeTopic(brokers, topic);
    throw error;
  } finally {
    await producer.close();
  }
};

type Message = MessageToProduce<Buffer, Buffer, Buffer, Buffer>;

/**
 * Sends each batch `batches` yields, up to IN_FLIGHT sends at once (batches are made while
 * earlier ones are in flight); throws the first failure once every send is settled.
 */
export const sendAll = async (
  producer: Producer,
  topic: string,
  batches: () => Iterable<Message[]>,
): Promise<void> => {
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  for (const messages of batches()) {
    if (failure !== undefined) break;
    const sent: Promise<void> = producer
      .send({ messages })
      .then(
        () => {},
        (error: unknown) => {
          failure ??= error;
        },
      )
      .finally(() => inFlight.delete(sent));
    inFlight.add(sent);
    if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  if (failure !== undefined) throw new Error(`filling ${topic} failed`, { cause: failure });
};

/**
 * One click per partition at `timestamp`, each by a user whom Kafka's partitioner places
 * there (the users of clicks.ts cover every partition).
 */
const closingClicks = (timestamp: number): Click[] => {
  const userOf = new Map<number, string>();
  for (let u = 0; u < USERS && userOf.size < PARTITIONS; u++) {
    const user = `u${u}`;
    const key = Buffer.from(user);
    const partition = compatibilityPartitioner({ topic: '', key, value: key }, key) % PARTITIONS;
    if (!userOf.has(partition)) userOf.set(partition, user);
  }
  if (userOf.size < PARTITIONS) throw new Error(`${USERS} users do not cover ${PARTITIONS} partitions`);
  return [...userOf.values()].map((user) => ({ user_id: user, page: '/', timestamp }));
};

/** Creates `topic` with 6 partitions and waits until each has a leader (an output topic, too). */
export const createTopic = async (brokers: string, topic: string): Promise<void> => {
  const client = admin(brokers);
  try {
    // -1: the cluster's default replication factor (1 on the local broker).
    await client.createTopics({ topics: [topic], partitions: PARTITIONS, replicas: -1 });
    // A new topic's partitions get their leaders a moment after the create returns.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const metadata = await client.metadata({ topics: [topic], forceUpdate: true });
      const partitions = metadata.topics.get(topic)?.partitions ?? [];
      if (partitions.length === PARTITIONS && partitions.every((p) => p.leader >= 0)) return;
      if (Date.now() > deadline) throw new Error(`${topic}: its partitions have no leader after 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await client.close();
  }
};

/** The next offset of each partition: on a new topic, its number of records. */
const endOffsets = async (brokers: string, topic: string): Promise<number[]> => {
  const client = admin(brokers);
  try {
    const [listed] = await client.listOffsets({
      topics: [
        {
          name: topic,
          partitions: Array.from({ length: PARTITIONS }, (_, partitionIndex) => ({
            partitionIndex,
            timestamp: ListOffsetTimestamps.LATEST,
          })),
        },
      ],
    });
    return [...listed.partitions]
      .sort((a, b) => a.partitionIndex - b.partitionIndex)
      .map((p) => Number(p.offset));
  } finally {
    await client.close();
  }
};

/** Deletes the topic; a failure is reported, not thrown (the run's result matters more). */
export const removeTopic = async (brokers: string, topic: string): Promise<void> => {
  const client = admin(brokers);
  try {
    await client.deleteTopics({ topics: [topic] });
  } catch (error) {
    info(`  could not delete ${topic}: ${String(error)}`);
  } finally {
    await client.close();
  }
};
