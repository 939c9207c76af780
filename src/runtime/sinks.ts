import type { Appender } from '../connectors/ingestor.js';
import type { Batch } from '../engine/batch.js';
import { TributaryError } from '../engine/errors.js';
import type { SeriesStore } from '../store/series-store.js';
import type { ResultRecord, SeriesPoint, SeriesUpsert } from '../store/types.js';

/** Where a pipeline's named sink writes, as configured. */
export type SinkSpec =
  | { readonly type: 'store'; readonly series: string }
  | { readonly type: 'log'; readonly topic: string }
  | { readonly type: 'console' };

/**
 * A sink as a running pipeline sees it: `write` buffers synchronously (it is called from
 * inside the engine's push), `flush` writes the buffer out. The pipeline awaits `flush`
 * when `pending` grows past its bound, which is how a slow sink pauses its sources.
 */
export interface SinkWriter {
  readonly name: string;
  readonly pending: number;
  write(batch: Batch<unknown>): void;
  flush(): Promise<void>;
  /**
   * Store sinks: hands over the buffered results, to be committed in the same transaction
   * as the checkpoint (exactly-once into the store). Others return undefined.
   */
  takeUpserts?(): SeriesUpsert | undefined;
  /** Gives back results taken by `takeUpserts` whose commit failed. */
  restore?(upsert: SeriesUpsert): void;
  /** Called once the results taken by `takeUpserts` are committed. */
  committed?(upsert: SeriesUpsert): void;
}

/** Results of window aggregations into a series of the store, upserted by (key, start, end). */
export class StoreSink implements SinkWriter {
  /** Buffered results by window: a later update of the same window replaces the earlier. */
  private buffer = new Map<string, ResultRecord>();

  constructor(
    readonly name: string,
    private readonly series: string,
    private readonly store: SeriesStore,
    private readonly reject: (batch: Batch<unknown>, index: number, error: unknown) => void,
    private readonly published: (series: string, points: SeriesPoint[]) => void,
  ) {}

  get pending(): number {
    return this.buffer.size;
  }

  write(batch: Batch<unknown>): void {
    const { values } = batch;
    for (let i = 0; i < values.length; i++) {
      const result = values[i] as ResultRecord;
      if (!isResult(result)) {
        this.reject(
          batch,
          i,
          new TributaryError(
            'TRB_BAD_RECORD',
            `sink "${this.name}": a store series holds window results ({ key, start, end, ...fields }); aggregate over a window before this sink, or send the stream to a log sink`,
          ),
        );
        continue;
      }
      this.buffer.set(windowId(result), result);
    }
  }

  async flush(): Promise<void> {
    const upsert = this.takeUpserts();
    if (!upsert) return;
    try {
      await this.store.upsert(upsert.series, upsert.results);
    } catch (error) {
      this.restore(upsert);
      throw error;
    }
    this.committed(upsert);
  }

  takeUpserts(): SeriesUpsert | undefined {
    if (this.buffer.size === 0) return undefined;
    const results = [...this.buffer.values()];
    this.buffer = new Map();
    return { series: this.series, results };
  }

  /** Puts back results whose write failed, unless a newer result for the window arrived meanwhile. */
  restore(upsert: SeriesUpsert): void {
    for (const result of upsert.results) {
      const id = windowId(result);
      if (!this.buffer.has(id)) this.buffer.set(id, result);
    }
  }

  committed(upsert: SeriesUpsert): void {
    this.published(
      upsert.series,
      upsert.results.map(({ key, start, end, ...values }) => ({ key: String(key), start, end, values })),
    );
  }
}

const windowId = (result: ResultRecord): string =>
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

/**
 * Records as JSON into a log topic. At least once: after a crash, records produced
 * between the last checkpoint and the crash are appended again on replay.
 */
export class LogSink implements SinkWriter {
  private buffer: { value: Buffer; timestamp: number }[] = [];

  constructor(
    readonly name: string,
    private readonly topic: string,
    private readonly log: Appender,
  ) {}

  get pending(): number {
    return this.buffer.length;
  }

  write(batch: Batch<unknown>): void {
    const { values, timestamps } = batch;
    for (let i = 0; i < values.length; i++) {
      this.buffer.push({ value: Buffer.from(JSON.stringify(values[i])), timestamp: timestamps[i] });
    }
  }

  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const records = this.buffer;
    this.buffer = [];
    await this.log.append(this.topic, records);
  }
}

/** One JSON line per record on stdout: for trying pipelines out. */
export class ConsoleSink implements SinkWriter {
  readonly pending = 0;

  constructor(
    readonly name: string,
    private readonly out: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  ) {}

  write(batch: Batch<unknown>): void {
    for (const value of batch.values) this.out(JSON.stringify({ sink: this.name, value }));
  }

  async flush(): Promise<void> {}
}
