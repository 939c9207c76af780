import type { Batch } from '../../engine/batch.js';
import { TributaryError } from '../../errors.js';
import type { ResultRecord, SeriesUpsert, WindowRef } from '../../store/types.js';
import type { SinkContext } from '../connector.js';
import type { CheckpointContext, Guarantee, Sink } from '../sink.js';

/**
 * Window results into a store series, upserted by (key, window start, window end); a
 * retraction (a session that merged or moved) deletes its window's row.
 *
 * Exactly once by a deterministic key: a result written before a crash is written again
 * on replay with the same value onto the same row, and a later update of a window within
 * allowed lateness lands on it too. So the sink writes whenever it is flushed — often,
 * for results that reach the dashboard quickly — and needs nothing from the checkpoint.
 */
export class StoreSink implements Sink {
  readonly guarantee: Guarantee = 'exactly-once';
  /** Buffered results by window: a later update of the same window replaces the earlier. */
  private buffer = new Map<string, ResultRecord>();
  /** Windows whose last buffered operation is a retraction: one map or the other holds a window. */
  private deletes = new Map<string, WindowRef>();

  constructor(
    readonly name: string,
    private readonly series: string,
    private readonly context: SinkContext,
  ) {}

  get pending(): number {
    return this.buffer.size + this.deletes.size;
  }

  write(batch: Batch<unknown>): void {
    const { values, retractions } = batch;
    for (let i = 0; i < values.length; i++) {
      const result = values[i] as ResultRecord;
      if (!isResult(result)) {
        this.context.reject(
          this.name,
          batch,
          i,
          new TributaryError(
            'TRB_BAD_RECORD',
            `sink "${this.name}": a store series holds window results ({ key, start, end, ...fields }); aggregate over a window before this sink, or send the stream to a log sink`,
          ),
        );
        continue;
      }
      const id = windowId(result);
      if (retractions?.[i]) {
        this.buffer.delete(id);
        this.deletes.set(id, result);
      } else {
        this.deletes.delete(id);
        this.buffer.set(id, result);
      }
    }
  }

  async flush(): Promise<void> {
    if (this.pending === 0) return;
    const write: SeriesUpsert =
      this.deletes.size === 0
        ? { series: this.series, results: [...this.buffer.values()] }
        : { series: this.series, results: [...this.buffer.values()], deletes: [...this.deletes.values()] };
    this.buffer = new Map();
    this.deletes = new Map();
    try {
      await this.context.writeSeries([write]);
    } catch (error) {
      // Nothing of it is stored: keep it for the next attempt, unless a window got a newer
      // result or retraction meanwhile.
      for (const result of write.results) {
        const id = windowId(result);
        if (!this.buffer.has(id) && !this.deletes.has(id)) this.buffer.set(id, result);
      }
      for (const window of write.deletes ?? []) {
        const id = windowId(window);
        if (!this.buffer.has(id) && !this.deletes.has(id)) this.deletes.set(id, window);
      }
      throw error;
    }
  }

  /** The coordinator flushed first: what this sink wrote is stored and idempotent. */
  async prepare(_checkpoint: CheckpointContext): Promise<void> {}

  async commit(): Promise<void> {}

  async abort(): Promise<void> {}

  async close(): Promise<void> {}
}

const windowId = (result: WindowRef): string =>
  `${typeof result.key}:${result.key}\u0000${result.start}\u0000${result.end}`;

const isResult = (value: unknown): value is ResultRecord => {
  if (typeof value !== 'object' || value === null) return false;
  const { key, start, end } = value as Record<string, unknown>;
  const keyType = typeof key;
  return (
    (keyType === 'string' || keyType === 'number' || keyType === 'boolean') &&
    Number.isFinite(start) &&
    Number.isFinite(end)
  );
};
