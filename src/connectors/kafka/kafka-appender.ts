import { type MessageToProduce, ProduceAcks, Producer } from '@platformatic/kafka';
import { describeError, TributaryError } from '../../errors.js';
import type { Appender } from '../ingestor.js';
import { placeRecords, type RoundRobin } from '../log/placement.js';
import type { AppendRecord } from '../log/record-format.js';
import type { AppendedPartition, AppendResult } from '../log/topic.js';
import { clientOptions, describeCluster, type KafkaClusterSpec } from './cluster.js';
import { produceRequests } from './produce-requests.js';

/**
 * Intake on Kafka (`log: { type: kafka }`): what generators, MQTT, tailed files and HTTP
 * ingest take in is appended to the Kafka topic of the source's name. An append resolves
 * once every in-sync replica has the records (an idempotent producer, acks=all), so an
 * ingestor that acknowledges its input after `append` — MQTT's PUBACK, HTTP's 200 — never
 * acknowledges what a broker failure could lose. Records are placed as the embedded log
 * places them: Kafka's key hash (the Java client's partitioner), round-robin without a key.
 */
export class KafkaAppender implements Appender {
  private readonly producer: Producer;
  private readonly roundRobin = new Map<string, RoundRobin>();

  constructor(
    private readonly cluster: KafkaClusterSpec,
    /** The partition count of a topic the appender writes; undefined for one it does not. */
    private readonly partitionsOf: (topic: string) => number | undefined,
  ) {
    this.producer = new Producer({
      ...clientOptions(cluster, 'intake'),
      idempotent: true,
      acks: ProduceAcks.ALL,
    });
  }

  async append(topic: string, records: readonly AppendRecord[]): Promise<AppendResult> {
    if (records.length === 0) return { partitions: [] };
    const partitions = this.partitionsOf(topic);
    if (partitions === undefined) {
      throw new TributaryError('TRB_INTERNAL', `intake on Kafka: no topic "${topic}" was prepared for it`);
    }
    let roundRobin = this.roundRobin.get(topic);
    if (!roundRobin) {
      roundRobin = { next: 0 };
      this.roundRobin.set(topic, roundRobin);
    }
    const placed = placeRecords(records, partitions, topic, roundRobin);
    const messages: MessageToProduce[] = [];
    placed.forEach((part, partition) => {
      for (const record of part) messages.push(message(topic, partition, record));
    });
    // Per partition, the offsets of its first and last record: requests of one append may
    // interleave with other producers' writes, so the two bound the append, not count it.
    const first = new Map<number, number>();
    const last = new Map<number, number>();
    for (const request of produceRequests(messages)) {
      let offsets: { partition: number; offset: bigint }[];
      try {
        offsets = (await this.producer.send({ messages: request })).offsets ?? [];
      } catch (error) {
        throw new TributaryError(
          'TRB_KAFKA_FAILED',
          `appending ${records.length} records to Kafka topic "${topic}" at ${describeCluster(this.cluster)}: ${describeError(error).message}`,
          { cause: error },
        );
      }
      const counts = new Map<number, number>();
      for (const { partition } of request) counts.set(partition!, (counts.get(partition!) ?? 0) + 1);
      for (const [partition, count] of counts) {
        const base = offsets.find((o) => o.partition === partition);
        // acks=all answers each partition's offset; an answer without one is not an append.
        if (base === undefined)
          throw new TributaryError(
            'TRB_KAFKA_FAILED',
            `Kafka answered no offset for "${topic}" partition ${partition}`,
          );
        if (!first.has(partition)) first.set(partition, Number(base.offset));
        last.set(partition, Number(base.offset) + count - 1);
      }
    }
    const appended: AppendedPartition[] = [...first.keys()]
      .sort((a, b) => a - b)
      .map((partition) => ({
        partition,
        baseOffset: first.get(partition)!,
        lastOffset: last.get(partition)!,
      }));
    return { partitions: appended };
  }

  async close(): Promise<void> {
    await this.producer.close(true).catch(() => {});
  }
}

const message = (topic: string, partition: number, record: AppendRecord): MessageToProduce => ({
  topic,
  partition,
  value: Buffer.from(record.value.buffer, record.value.byteOffset, record.value.byteLength),
  ...(record.key === undefined ? {} : { key: Buffer.from(record.key) }),
  ...(record.timestamp === undefined ? {} : { timestamp: BigInt(Math.round(record.timestamp)) }),
  ...(record.headers?.length
    ? { headers: new Map(record.headers.map(([key, value]) => [Buffer.from(key), Buffer.from(value)])) }
    : {}),
});
