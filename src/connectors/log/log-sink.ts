import type { Batch } from '../../engine/batch.js';
import type { Format } from '../../formats/index.js';
import type { SinkContext } from '../connector.js';
import type { Guarantee, Sink } from '../sink.js';
import type { AppendRecord } from './record-format.js';

/**
 * Records into a topic of the embedded log, encoded by the sink's format. At least once:
 * what was appended between the last checkpoint and a crash is appended again on replay.
 * A record the format cannot encode is dead-lettered.
 */
export class LogSink implements Sink {
  readonly guarantee: Guarantee = 'at-least-once';
  private buffer: AppendRecord[] = [];

  constructor(
    readonly name: string,
    private readonly topic: string,
    private readonly format: Format,
    private readonly context: SinkContext,
  ) {}

  get pending(): number {
    return this.buffer.length;
  }

  write(batch: Batch<unknown>): void {
    const { values, timestamps } = batch;
    for (let i = 0; i < values.length; i++) {
      let value: Uint8Array;
      try {
        value = this.format.encode(values[i]);
      } catch (error) {
        this.context.reject(this.name, batch, i, error);
        continue;
      }
      this.buffer.push({ value, timestamp: timestamps[i] });
    }
  }

  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const records = this.buffer;
    this.buffer = [];
    try {
      await this.context.log.append(this.topic, records);
    } catch (error) {
      this.buffer = records.concat(this.buffer);
      throw error;
    }
  }

  async prepare(): Promise<void> {}
  async commit(): Promise<void> {}
  async abort(): Promise<void> {}
  async close(): Promise<void> {}
}
