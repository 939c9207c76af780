import type { Batch } from '../../engine/batch.js';
import type { Guarantee, Sink } from '../sink.js';

/**
 * Takes every record and keeps none, as Flink's `blackhole` connector: for measuring a
 * pipeline without the cost of a destination, and for trying one out. The pipeline's
 * metrics still count what it wrote.
 */
export class BlackholeSink implements Sink {
  // Nothing is written, so nothing is ever written twice.
  readonly guarantee: Guarantee = 'exactly-once';
  readonly pending = 0;
  /** Records taken, for tests. */
  taken = 0;

  constructor(readonly name: string) {}

  write(batch: Batch<unknown>): void {
    this.taken += batch.values.length;
  }

  async flush(): Promise<void> {}
  async prepare(): Promise<void> {}
  async commit(): Promise<void> {}
  async abort(): Promise<void> {}
  async close(): Promise<void> {}
}
