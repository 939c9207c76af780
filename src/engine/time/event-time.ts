import { type Batch, BatchBuilder } from '../batch.js';
import { TributaryError } from '../errors.js';
import type { OperatorContext, WatermarkGenerator } from '../operators/operator.js';
import { loadTime, saveTime } from '../state/keyed-state.js';
import type { Clock } from './clock.js';
import type { WatermarkStrategy } from './watermarks.js';

interface SplitProgress {
  maxTimestamp: number;
  /** Processing time of the split's last record, for idleness. */
  lastActive: number;
}

interface SavedEventTime {
  emitted: number | string;
  splits: [split: string, maxTimestamp: number | string][];
}

/**
 * Assigns event time to records (when given an extractor) and generates the watermark
 * that follows them, per input split: the watermark is the minimum over the splits that
 * are not idle, so one slow partition holds back the others, and a silent one does not
 * once it has been idle for the strategy's idleness.
 *
 * It never moves backwards; upstream watermarks are ignored (this operator replaces them).
 */
export class EventTimeOperator implements WatermarkGenerator {
  private readonly splits = new Map<string, SplitProgress>();
  private emitted = Number.NEGATIVE_INFINITY;
  /** Processing time at start (or restore), for the idleness of a source that never produced. */
  private startedAt: number;

  constructor(
    private readonly strategy: WatermarkStrategy,
    private readonly clock: Clock,
    private readonly extract?: (value: any) => unknown,
  ) {
    this.startedAt = clock.now();
  }

  process(batch: Batch<unknown>, _input: number, ctx: OperatorContext): void {
    const split = batch.split ?? '';
    // Times given by the source are checked too: NaN or Infinity would poison watermarks and timers.
    const out = this.extract || !batch.timestamps.every(Number.isFinite) ? this.assign(batch, ctx) : batch;
    const timestamps = out.timestamps;
    let progress = this.splits.get(split);
    if (!progress) {
      progress = { maxTimestamp: Number.NEGATIVE_INFINITY, lastActive: 0 };
      this.splits.set(split, progress);
    }
    let max = progress.maxTimestamp;
    for (let i = 0; i < timestamps.length; i++) if (timestamps[i] > max) max = timestamps[i];
    progress.maxTimestamp = max;
    if (batch.values.length > 0) progress.lastActive = this.clock.now();
    ctx.emit(out);
  }

  currentWatermark(now: number): { watermark: number; idle: boolean } {
    const idleness = this.strategy.idleness;
    // A source that has produced nothing since it started is idle once the idleness passed,
    // so that it does not hold back the streams it is merged with.
    if (this.splits.size === 0) {
      return { watermark: this.emitted, idle: idleness !== undefined && now - this.startedAt >= idleness };
    }
    let watermark = Number.POSITIVE_INFINITY;
    let active = 0;
    for (const progress of this.splits.values()) {
      if (idleness !== undefined && now - progress.lastActive >= idleness) continue;
      active++;
      const candidate = this.strategy.watermarkFor(progress.maxTimestamp);
      if (candidate < watermark) watermark = candidate;
    }
    if (active > 0 && watermark > this.emitted) this.emitted = watermark;
    return { watermark: this.emitted, idle: active === 0 };
  }

  snapshot(): SavedEventTime {
    const splits: SavedEventTime['splits'] = [];
    for (const [split, progress] of this.splits) splits.push([split, saveTime(progress.maxTimestamp)]);
    return { emitted: saveTime(this.emitted), splits };
  }

  restore(state: unknown): void {
    const now = this.clock.now();
    this.startedAt = now;
    const saved = state as SavedEventTime;
    this.emitted = loadTime(saved.emitted);
    this.splits.clear();
    // A restored split counts as active from the restore on; idleness starts over.
    for (const [split, max] of saved.splits)
      this.splits.set(split, { maxTimestamp: loadTime(max), lastActive: now });
  }

  private assign(batch: Batch<unknown>, ctx: OperatorContext): Batch<unknown> {
    const { values } = batch;
    const n = values.length;
    const timestamps: number[] = new Array(n);
    let failed: BatchBuilder<unknown> | undefined;
    for (let i = 0; i < n; i++) {
      let timestamp: number;
      try {
        const raw = this.extract ? this.extract(values[i]) : batch.timestamps[i];
        timestamp = toEventTime(raw, ctx.operator);
      } catch (error) {
        ctx.deadLetter(batch, i, error);
        if (!failed) {
          failed = BatchBuilder.like(batch);
          for (let j = 0; j < i; j++) failed.addFrom(values[j], batch, j, timestamps[j]);
        }
        continue;
      }
      timestamps[i] = timestamp;
      failed?.addFrom(values[i], batch, i, timestamp);
    }
    return failed ? failed.build(batch.split) : { ...batch, timestamps };
  }
}

/** Event time as milliseconds since the epoch, from a number, a Date or an ISO-8601 string. */
export const toEventTime = (raw: unknown, operator: string): number => {
  if (typeof raw === 'number') {
    if (Number.isFinite(raw)) return raw;
  } else if (raw instanceof Date) {
    const ms = raw.getTime();
    if (Number.isFinite(ms)) return ms;
  } else if (typeof raw === 'string') {
    const ms = Date.parse(raw);
    if (Number.isFinite(ms)) return ms;
  }
  const shown =
    typeof raw === 'string' ? JSON.stringify(raw.length > 40 ? `${raw.slice(0, 37)}...` : raw) : String(raw);
  throw new TributaryError(
    'TRB_BAD_RECORD',
    `${operator}: event time is ${shown}; expected milliseconds since the epoch, a Date or an ISO-8601 string`,
  );
};
