import { DEAD_LETTER_TOPIC, type DeadLetterRecord } from '../../connectors/dead-letter.js';
import type { KafkaDeadLetterSpec } from '../../connectors/kafka/dead-letter-topic.js';
import type { LogAccess } from '../../connectors/log/log-access.js';
import type { Guarantee, Sink } from '../../connectors/sink.js';
import type { Batch } from '../../engine/batch.js';

/** Where a task's dead letters are written: the embedded log's topic, or a Kafka topic. */
export interface DeadLetterWriter {
  write(letters: readonly DeadLetterRecord[]): Promise<void>;
  close(): Promise<void>;
}

/** Dead letters as `DeadLetterRecord` JSON in the embedded log's dead-letter topic. */
export const logDeadLetters = (log: LogAccess): DeadLetterWriter => ({
  write: async (letters) => {
    await log.append(
      DEAD_LETTER_TOPIC,
      letters.map((letter) => ({ value: Buffer.from(letterJson(letter)), timestamp: letter.at })),
    );
  },
  close: async () => {},
});

/** A task's dead letters: to the Kafka topic of its pipeline's Kafka source, or the embedded log. */
export const deadLetterWriter = (
  log: LogAccess,
  kafka: KafkaDeadLetterSpec | undefined,
  role: string,
): DeadLetterWriter => (kafka ? kafkaDeadLetters(kafka, role) : logDeadLetters(log));

/** Dead letters to a Kafka topic, the Kafka client loaded with the first (a second of a thread's start-up). */
const kafkaDeadLetters = (kafka: KafkaDeadLetterSpec, role: string): DeadLetterWriter => {
  let topic: Promise<DeadLetterWriter> | undefined;
  const open = () =>
    (topic ??= import('../../connectors/kafka/dead-letter-topic.js').then(
      ({ KafkaDeadLetters }) => new KafkaDeadLetters(kafka, role),
    ));
  return {
    write: async (letters) => (await open()).write(letters),
    close: async () => {
      if (topic) await (await topic).close();
    },
  };
};

/**
 * The one dead-letter path of a task: records it could not decode, that an operator or a
 * sink refused — to the embedded log's dead-letter topic as `DeadLetterRecord` JSON, or, for
 * a pipeline on Kafka, to its dead-letter topic with the original bytes and the error in
 * headers. Flushed with the other sinks at every checkpoint, at least once.
 */
export class DeadLetterSink implements Sink {
  readonly name = DEAD_LETTER_TOPIC;
  readonly guarantee: Guarantee = 'at-least-once';
  private buffer: DeadLetterRecord[] = [];

  constructor(private readonly writer: DeadLetterWriter) {}

  get pending(): number {
    return this.buffer.length;
  }

  add(letter: DeadLetterRecord): void {
    this.buffer.push(letter);
  }

  /** Dead letters do not flow through the engine: `add` takes them. */
  write(_batch: Batch<unknown>): void {}

  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const letters = this.buffer;
    this.buffer = [];
    try {
      await this.writer.write(letters);
    } catch (error) {
      this.buffer = letters.concat(this.buffer);
      throw error;
    }
  }

  async prepare(): Promise<void> {}
  async commit(): Promise<void> {}
  async abort(): Promise<void> {}
  async close(): Promise<void> {
    await this.writer.close();
  }
}

/** A dead letter as JSON, even when its value has no JSON form (a cycle, a BigInt): then as text. */
const letterJson = (letter: DeadLetterRecord): string => {
  try {
    return JSON.stringify(letter);
  } catch {
    return JSON.stringify({ ...letter, value: String(letter.value) });
  }
};
