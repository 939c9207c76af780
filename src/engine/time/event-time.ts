import { TributaryError } from '../../errors.js';
import { type Batch, BatchBuilder, batchOf } from '../batch.js';
import type { OperatorContext, WatermarkGenerator } from '../operators/operator.js';
import { loadTime, saveTime } from '../state/keyed-state.js';
import type { Clock } from './clock.js';
import { ISO_8601_EXAMPLES, type Iso8601Problem, parseIso8601 } from './iso-8601.js';
import type { WatermarkStrategy } from './watermarks.js';

interface SplitProgress {
  maxTimestamp: number;
  /** Processing time of the split's last record, for idleness. */
  lastActive: number;
}

/** Operator-wide state; checkpoints before key groups held the same under `state` (without idleness at first). */
export interface EventTimeMeta {
  emitted: number | string;
  /**
   * Idleness is measured in processing time, which does not survive a restart: each split
   * keeps how long it had been silent at the snapshot, and a restore re-bases that on the
   * new clock. (Absent in checkpoints of older versions: silent for 0 ms.)
   */
  splits: [split: string, maxTimestamp: number | string, silentFor?: number][];
  /** Processing time since the operator started, for a source that never produced. */
  runningFor?: number;
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
  /** Retractions pass with their row kind; their times only move the watermark as any record's. */
  readonly takesRetractions = true;
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
    let progress = this.splits.get(split);
    if (!progress) {
      progress = { maxTimestamp: Number.NEGATIVE_INFINITY, lastActive: 0 };
      this.splits.set(split, progress);
    }
    // Times given by the source are checked too: NaN or Infinity would poison watermarks and
    // timers. The pass that checks or reads them also finds the newest.
    const out =
      this.extract || !newestGiven(batch.timestamps, progress) ? this.assign(batch, ctx, progress) : batch;
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
    // When every split is silent: the slowest of those that sent anything.
    let silent = Number.POSITIVE_INFINITY;
    let active = 0;
    for (const progress of this.splits.values()) {
      const candidate = this.strategy.watermarkFor(progress.maxTimestamp);
      if (idleness !== undefined && now - progress.lastActive >= idleness) {
        if (progress.maxTimestamp > Number.NEGATIVE_INFINITY && candidate < silent) silent = candidate;
        continue;
      }
      active++;
      if (candidate < watermark) watermark = candidate;
    }
    // All idle at once (a backlog read within the idleness, beside a partition that never
    // sent): the splits' own progress still stands, or the windows they filled would never
    // close. No split's resumed records are late by it: each is at or past it.
    if (active === 0) watermark = silent;
    if (Number.isFinite(watermark) && watermark > this.emitted) this.emitted = watermark;
    return { watermark: this.emitted, idle: active === 0 };
  }

  endOfInput(): void {
    this.emitted = Number.POSITIVE_INFINITY;
  }

  assignSplits(splits: readonly string[]): void {
    const now = this.clock.now();
    for (const split of splits) {
      // Silent from now on: it holds the watermark at -Infinity until it sends or turns idle.
      if (!this.splits.has(split)) {
        this.splits.set(split, { maxTimestamp: Number.NEGATIVE_INFINITY, lastActive: now });
      }
    }
  }

  revokeSplits(splits: readonly string[]): void {
    for (const split of splits) this.splits.delete(split);
  }

  saveMeta(): EventTimeMeta {
    const now = this.clock.now();
    const splits: EventTimeMeta['splits'] = [];
    for (const [split, progress] of this.splits) {
      splits.push([split, saveTime(progress.maxTimestamp), now - progress.lastActive]);
    }
    return { emitted: saveTime(this.emitted), splits, runningFor: now - this.startedAt };
  }

  loadMeta(meta: unknown): void {
    const now = this.clock.now();
    const saved = meta as EventTimeMeta;
    // Silence goes on from where the snapshot left it, whatever the new clock says: a split
    // idle before a restart is idle after it, and the results equal an uninterrupted run's.
    this.startedAt = now - (saved.runningFor ?? 0);
    this.emitted = loadTime(saved.emitted);
    this.splits.clear();
    for (const [split, max, silentFor = 0] of saved.splits) {
      this.splits.set(split, { maxTimestamp: loadTime(max), lastActive: now - silentFor });
    }
  }

  /** The batch with the times read (or checked) record by record; those that fail are dead-lettered. */
  private assign(batch: Batch<unknown>, ctx: OperatorContext, progress: SplitProgress): Batch<unknown> {
    const { values } = batch;
    const given = batch.timestamps;
    const n = values.length;
    const { extract } = this;
    let max = progress.maxTimestamp;
    // Sources often stamp records with the time their event carries (a producer that sets
    // Kafka's record timestamp from it): while the times read agree with the given ones the
    // batch keeps its column, copied at the first that does not.
    let timestamps: number[] | undefined;
    let failed: BatchBuilder<unknown> | undefined;
    for (let i = 0; i < n; i++) {
      let timestamp: number;
      try {
        const raw = extract ? extract(values[i]) : given[i];
        // Numbers are the common case: the full reading only for the rest.
        timestamp = typeof raw === 'number' && raw - raw === 0 ? raw : toEventTime(raw, ctx.operator);
      } catch (error) {
        ctx.deadLetter(batch, i, error);
        if (!failed) {
          failed = BatchBuilder.like(batch);
          for (let j = 0; j < i; j++) failed.addFrom(values[j], batch, j, (timestamps ?? given)[j]);
        }
        continue;
      }
      if (timestamps !== undefined) timestamps[i] = timestamp;
      else if (!sameTime(timestamp, given[i])) {
        timestamps = given.slice();
        timestamps[i] = timestamp;
      }
      if (timestamp > max) max = timestamp;
      failed?.addFrom(values[i], batch, i, timestamp);
    }
    progress.maxTimestamp = max;
    if (failed) return failed.build(batch.split);
    if (timestamps === undefined) return batch;
    return batchOf(values, timestamps, batch.keys, batch.positions, batch.split, batch.retractions);
  }
}

/** Whether a time read equals the one given, -0 told from 0 as the record would carry it. */
const sameTime = (read: number, given: unknown): boolean =>
  read === given && (read !== 0 || 1 / read === 1 / given);

/**
 * Moves the split's newest time to the newest of `timestamps`, unless one is not a finite
 * number: then nothing changes, and it returns false.
 */
const newestGiven = (timestamps: readonly number[], progress: SplitProgress): boolean => {
  let max = progress.maxTimestamp;
  for (let i = 0; i < timestamps.length; i++) {
    const timestamp = timestamps[i];
    if (!Number.isFinite(timestamp)) return false;
    if (timestamp > max) max = timestamp;
  }
  progress.maxTimestamp = max;
  return true;
};

/**
 * Event time as milliseconds since the epoch, from a number, a Date or an ISO-8601 string
 * (strictly: see iso-8601.ts; a string means the same instant on every machine).
 */
export const toEventTime = (raw: unknown, operator: string): number => {
  let problem: Iso8601Problem = 'not-iso';
  if (typeof raw === 'number') {
    if (Number.isFinite(raw)) return raw;
  } else if (raw instanceof Date) {
    const ms = raw.getTime();
    if (Number.isFinite(ms)) return ms;
  } else if (typeof raw === 'string') {
    const parsed = parseIso8601(raw);
    if (typeof parsed === 'number') return parsed;
    problem = parsed;
  }
  const long = typeof raw === 'string' && raw.length > 40;
  const shown = typeof raw === 'string' ? JSON.stringify(long ? `${raw.slice(0, 37)}...` : raw) : String(raw);
  if (problem === 'no-offset') {
    const fixed = long ? '' : ` (${JSON.stringify(`${raw}Z`)})`;
    throw new TributaryError(
      'TRB_BAD_RECORD',
      `${operator}: event time is ${shown}, a date-time without a UTC offset: its instant would depend on the time zone of the machine; add "Z" for UTC or an offset such as "+01:00"${fixed}`,
    );
  }
  const why = problem === 'not-iso' ? '' : `: ${problem}`;
  throw new TributaryError(
    'TRB_BAD_RECORD',
    `${operator}: event time is ${shown}${why}; expected milliseconds since the epoch, a Date or an ISO-8601 string: ${ISO_8601_EXAMPLES}`,
  );
};
