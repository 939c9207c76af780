import type { Batch } from '../../engine/batch.js';
import { TributaryError } from '../../errors.js';
import type { SinkContext } from '../connector.js';
import type { Guarantee, Sink } from '../sink.js';
import { encodePoint, pointFields } from './line-protocol.js';
import { refusalFix, writePoints } from './partial-write.js';
import { type InfluxSinkSpec, WriteEndpoint } from './write-endpoint.js';

/** A result as a line, and where it came from: a refused line is dead-lettered as its record. */
interface Point {
  readonly line: string;
  readonly batch: Batch<unknown>;
  readonly index: number;
}

/**
 * Results into InfluxDB as line protocol (see `line-protocol.ts` for how a result becomes a
 * point), in requests of `batchSize` lines: a full batch as soon as it is there, a smaller
 * one once it has waited `flushIntervalMs`, and everything at a checkpoint.
 *
 * At-least-once, and a replay changes nothing: a point is identified by its measurement,
 * tags and time, so a result written again after a crash overwrites itself. A request that
 * fails (InfluxDB away, a 5xx, a 429) is retried with backoff, then the flush fails with
 * TRB_INFLUX_FAILED and the points stay for the next one. A point the server refuses (a
 * field whose type conflicts with the shard's, a line it cannot parse, beyond retention) is
 * dead-lettered with the server's message as TRB_INFLUX_REFUSED, and the rest are written.
 *
 * A retraction (a session window withdrawing a result) is not written: InfluxDB has no
 * point to take back by key, so the withdrawn session's point stays.
 */
export class InfluxSink implements Sink {
  readonly guarantee: Guarantee = 'at-least-once';
  private buffer: Point[] = [];
  /** When the oldest buffered point arrived (ms). */
  private bufferedSince = 0;
  /** The write under way: writes never overlap, so batches keep their order. */
  private writing: Promise<void> = Promise.resolve();
  private readonly closed = new AbortController();
  private readonly endpoint: WriteEndpoint;
  private retractionsSkipped = false;

  constructor(
    readonly name: string,
    private readonly spec: InfluxSinkSpec,
    private readonly context: Pick<SinkContext, 'reject' | 'logger'>,
  ) {
    this.endpoint = new WriteEndpoint(name, spec, this.closed.signal);
  }

  get pending(): number {
    return this.buffer.length;
  }

  write(batch: Batch<unknown>): void {
    const { values, timestamps, keys, retractions } = batch;
    for (let i = 0; i < values.length; i++) {
      if (retractions?.[i]) {
        this.skipRetraction();
        continue;
      }
      const encoded = encodePoint(values[i], timestamps[i], keys?.[i], this.spec.shape);
      if ('problem' in encoded) {
        this.context.reject(this.name, batch, i, this.refused(`the result ${encoded.problem}`));
        continue;
      }
      if (this.buffer.length === 0) this.bufferedSince = Date.now();
      this.buffer.push({ line: encoded.line, batch, index: i });
    }
  }

  /** Writes the full batches, and the rest once it has waited the flush interval. */
  flush(): Promise<void> {
    return this.serially(() => this.writeOut(false));
  }

  /** The checkpoint records positions past every result so far: all of them must be in InfluxDB. */
  async prepare(): Promise<void> {
    await this.serially(() => this.writeOut(true));
  }

  async commit(): Promise<void> {}
  async abort(): Promise<void> {}

  async close(): Promise<void> {
    this.closed.abort();
    await this.writing.catch(() => {});
  }

  private serially(step: () => Promise<void>): Promise<void> {
    const next = this.writing.catch(() => {}).then(step);
    this.writing = next;
    return next;
  }

  private async writeOut(everything: boolean): Promise<void> {
    const { batchSize, flushIntervalMs } = this.spec;
    const due = () =>
      this.buffer.length >= batchSize ||
      (this.buffer.length > 0 && (everything || Date.now() - this.bufferedSince >= flushIntervalMs));
    while (due()) {
      const points = this.buffer.slice(0, batchSize);
      // A failure leaves the points at the buffer's front for the next attempt; `write` only appends.
      const refused = await writePoints(
        points,
        (body, count) => this.endpoint.post(body, count),
        ({ batch, index }) => {
          const fields = pointFields(batch.values[index], this.spec.shape);
          return typeof fields === 'string' ? [] : fields;
        },
      );
      this.buffer.splice(0, points.length);
      for (const { point, message } of refused)
        this.context.reject(
          this.name,
          point.batch,
          point.index,
          this.refused(`InfluxDB refused the point: ${message}; ${refusalFix(message)}`),
        );
    }
  }

  private refused(problem: string): TributaryError {
    return new TributaryError(
      'TRB_INFLUX_REFUSED',
      `sink "${this.name}" (InfluxDB at ${this.endpoint.describe()}, measurement "${this.spec.shape.measurement}"): ${problem}`,
    );
  }

  private skipRetraction(): void {
    if (this.retractionsSkipped) return;
    this.retractionsSkipped = true;
    this.context.logger?.warn(
      { sink: this.name },
      'a retraction reached the influx sink, which cannot withdraw a point: the withdrawn session result stays in InfluxDB (this is said once)',
    );
  }
}
