import { type MessageToProduce, ProduceAcks, Producer } from '@platformatic/kafka';
import type { DeadLetterRecord } from '../dead-letter.js';
import { clientOptions, type KafkaClusterSpec } from './cluster.js';
import { produceRequests } from './produce-requests.js';

/** Where a Kafka pipeline's dead letters go. Plain data: it crosses to worker threads. */
export interface KafkaDeadLetterSpec {
  readonly cluster: KafkaClusterSpec;
  readonly topic: string;
}

/** The headers a dead letter carries, as Kafka Connect's dead-letter queue names its own `__connect.errors.*`. */
export const DEAD_LETTER_HEADERS = {
  code: 'tributary.errors.code',
  message: 'tributary.errors.message',
  stage: 'tributary.errors.stage',
  pipeline: 'tributary.errors.pipeline',
  operator: 'tributary.errors.operator',
  source: 'tributary.errors.source',
  topic: 'tributary.errors.topic',
  partition: 'tributary.errors.partition',
  offset: 'tributary.errors.offset',
  at: 'tributary.errors.timestamp',
} as const;

/**
 * A dead letter as a Kafka record: the record's original bytes as its value — exactly as read
 * when it could not be decoded; as JSON when an operator or a sink refused the decoded
 * value — its key and timestamp, and headers that say what went wrong where.
 */
export const deadLetterMessage = (topic: string, letter: DeadLetterRecord): MessageToProduce => {
  const headers = new Map<Buffer, Buffer>();
  const header = (name: string, value: string | number | undefined) => {
    if (value !== undefined) headers.set(Buffer.from(name), Buffer.from(String(value)));
  };
  header(DEAD_LETTER_HEADERS.code, letter.error.code);
  header(DEAD_LETTER_HEADERS.message, letter.error.message);
  header(DEAD_LETTER_HEADERS.stage, letter.stage);
  header(DEAD_LETTER_HEADERS.pipeline, letter.pipeline);
  header(DEAD_LETTER_HEADERS.operator, letter.operator);
  header(DEAD_LETTER_HEADERS.source, letter.source);
  header(DEAD_LETTER_HEADERS.topic, letter.position?.topic);
  header(DEAD_LETTER_HEADERS.partition, letter.position?.partition);
  header(DEAD_LETTER_HEADERS.offset, letter.position?.offset);
  header(DEAD_LETTER_HEADERS.at, letter.at);
  return {
    topic,
    value: originalBytes(letter),
    ...(letter.key === undefined || letter.key === null ? {} : { key: Buffer.from(String(letter.key)) }),
    ...(letter.timestamp === undefined ? {} : { timestamp: BigInt(Math.round(letter.timestamp)) }),
    headers,
  };
};

const originalBytes = (letter: DeadLetterRecord): Buffer => {
  if (letter.input !== undefined)
    return Buffer.from(letter.input, letter.encoding === 'base64' ? 'base64' : 'utf8');
  try {
    return Buffer.from(JSON.stringify(letter.value) ?? 'null');
  } catch {
    // A value with no JSON form (a cycle, a BigInt): its text.
    return Buffer.from(String(letter.value));
  }
};

/** Writes dead letters to a Kafka topic: an idempotent producer, acks from every replica in sync. */
export class KafkaDeadLetters {
  private readonly producer: Producer;

  constructor(
    private readonly spec: KafkaDeadLetterSpec,
    role: string,
  ) {
    this.producer = new Producer({
      ...clientOptions(spec.cluster, `${role}.dead-letters`),
      idempotent: true,
      acks: ProduceAcks.ALL,
    });
  }

  async write(letters: readonly DeadLetterRecord[]): Promise<void> {
    const messages = letters.map((letter) => deadLetterMessage(this.spec.topic, letter));
    for (const request of produceRequests(messages)) await this.producer.send({ messages: request });
  }

  async close(): Promise<void> {
    await this.producer.close(true).catch(() => {});
  }
}
