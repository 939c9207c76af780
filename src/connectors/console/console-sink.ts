import type { Batch } from '../../engine/batch.js';
import type { Guarantee, Sink } from '../sink.js';

/** One JSON line per record on stdout, for trying pipelines out. A replay prints again. */
export class ConsoleSink implements Sink {
  readonly guarantee: Guarantee = 'at-least-once';
  readonly pending = 0;

  constructor(
    readonly name: string,
    private readonly out: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  ) {}

  write(batch: Batch<unknown>): void {
    for (const value of batch.values) this.out(JSON.stringify({ sink: this.name, value }));
  }

  async flush(): Promise<void> {}
  async prepare(): Promise<void> {}
  async commit(): Promise<void> {}
  async abort(): Promise<void> {}
  async close(): Promise<void> {}
}
