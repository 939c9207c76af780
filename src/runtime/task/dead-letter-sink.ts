import { DEAD_LETTER_TOPIC, type DeadLetterRecord } from '../../connectors/dead-letter.js';
import type { LogAccess } from '../../connectors/log/log-access.js';
import type { Guarantee, Sink } from '../../connectors/sink.js';
import type { Batch } from '../../engine/batch.js';

/**
 * The one dead-letter path of a task: records it could not decode, that an operator or a
 * sink refused, all as `DeadLetterRecord` JSON in the dead-letter topic. Flushed with the
 * other sinks at every checkpoint, at least once.
 */
export class DeadLetterSink implements Sink {
  readonly name = DEAD_LETTER_TOPIC;
  readonly guarantee: Guarantee = 'at-least-once';
  private buffer: DeadLetterRecord[] = [];

  constructor(private readonly log: LogAccess) {}

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
      await this.log.append(
        DEAD_LETTER_TOPIC,
        letters.map((letter) => ({ value: Buffer.from(letterJson(letter)), timestamp: letter.at })),
      );
    } catch (error) {
      this.buffer = letters.concat(this.buffer);
      throw error;
    }
  }

  async prepare(): Promise<void> {}
  async commit(): Promise<void> {}
  async abort(): Promise<void> {}
  async close(): Promise<void> {}
}

/** A dead letter as JSON, even when its value has no JSON form (a cycle, a BigInt): then as text. */
const letterJson = (letter: DeadLetterRecord): string => {
  try {
    return JSON.stringify(letter);
  } catch {
    return JSON.stringify({ ...letter, value: String(letter.value) });
  }
};
