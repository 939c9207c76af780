import type { Observation } from '../../alerts/model.js';
import type { Batch } from '../../engine/batch.js';
import type { SinkContext } from '../connector.js';
import type { Guarantee, Sink } from '../sink.js';

/**
 * Observations straight to the alert engine: what pattern rules emit. At least once: a
 * replay observes again, which the engine takes as the same condition holding.
 */
export class AlertSink implements Sink {
  readonly guarantee: Guarantee = 'at-least-once';
  readonly pending = 0;

  constructor(
    readonly name: string,
    private readonly context: SinkContext,
  ) {}

  write(batch: Batch<unknown>): void {
    if (batch.values.length > 0) this.context.observe(batch.values as Observation[]);
  }

  async flush(): Promise<void> {}
  async prepare(): Promise<void> {}
  async commit(): Promise<void> {}
  async abort(): Promise<void> {}
  async close(): Promise<void> {}
}
