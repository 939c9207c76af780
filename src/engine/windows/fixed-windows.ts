import type { Aggregator } from '../aggregators/aggregator.js';
import { type Batch, BatchBuilder, type Key } from '../batch.js';
import type { Operator, OperatorContext } from '../operators/operator.js';
import {
  type KeyedStateAccess,
  loadTime,
  type StateChanges,
  type StateEntry,
  saveTime,
} from '../state/keyed-state.js';
import { alignedStart, type HoppingWindows, type TumblingWindows } from './assigners.js';
import { type TimeDomain, windowResult } from './window-result.js';

/**
 * One key's accumulator in one window. A mutable slot costs one map lookup per record
 * (instead of a get and a set), and its `round` marks it changed for the next checkpoint
 * the first time it changes in a round, without a set operation per record.
 */
interface Slot {
  readonly key: Key;
  readonly start: number;
  /** When the key joined the window: results fire in this order, restored or not. */
  readonly order: number;
  acc: unknown;
  round: number;
}

type Accumulators = Map<Key, Slot>;

/** A slot in checkpoints (the entry `[key, start, slot]`): `[order, accumulator]`. */
export type SavedSlot = [order: number, acc: unknown];

export interface FixedWindowsMeta {
  firedUpTo: number | string;
  nextOrder: number;
}

/**
 * Tumbling and hopping windows over a keyed stream.
 *
 * Windows live in a map from window start to per-key accumulators, with the starts kept
 * sorted, so firing walks only the windows that closed. A window `[start, end)` fires
 * when the watermark reaches `end - 1` and is kept until `end - 1 + lateness`: a record
 * for it in between updates the result, which is emitted again at the end of the batch.
 * A record whose every window is past that point goes to the late stream.
 *
 * In the processing-time domain records are assigned by the clock and windows fire as it
 * passes their end; nothing is late.
 */
export class FixedWindowOperator implements Operator, KeyedStateAccess {
  private readonly size: number;
  private readonly slide: number;
  private readonly offset: number;
  private readonly windows = new Map<number, Accumulators>();
  /** Window starts held in state, ascending. */
  private starts: number[] = [];
  /** Watermark up to which windows have fired. */
  private firedUpTo = Number.NEGATIVE_INFINITY;
  /**
   * The checkpoint round; slots changed in it are in `changed`. 0 until checkpoints begin
   * (the first takes every entry), so that a job that never checkpoints tracks nothing.
   */
  private round = 0;
  private changed: Slot[] = [];
  private nextOrder = 0;
  readonly keyed: KeyedStateAccess = this;

  constructor(
    assigner: TumblingWindows | HoppingWindows,
    private readonly aggregator: Aggregator<unknown, unknown, Record<string, unknown>>,
    private readonly lateness: number,
    private readonly domain: TimeDomain,
  ) {
    this.size = assigner.size;
    this.slide = assigner.kind === 'hopping' ? assigner.slide : assigner.size;
    this.offset = assigner.offset;
  }

  process(batch: Batch<unknown>, _input: number, ctx: OperatorContext): void {
    const { values, keys } = batch;
    // Processing time: the whole batch arrives at one instant.
    const timestamps =
      this.domain === 'processing' ? new Array(values.length).fill(ctx.clock.now()) : batch.timestamps;
    const watermark = this.domain === 'processing' ? this.firedUpTo : ctx.watermark;
    const { aggregator, size, slide, offset, lateness } = this;
    const input = aggregator.input;
    let late: BatchBuilder<unknown> | undefined;
    let updated: Map<number, Set<Key>> | undefined;
    // Consecutive records usually share a window: remember the last one looked up.
    let lastStart = Number.NaN;
    let lastAccumulators: Accumulators | undefined;

    for (let i = 0; i < values.length; i++) {
      const timestamp = timestamps[i];
      const key = keys![i];
      let x: unknown;
      try {
        x = input ? input(values[i]) : values[i];
      } catch (error) {
        ctx.deadLetter(batch, i, error);
        continue;
      }
      let accepted = false;
      let failed = false;
      const newest = alignedStart(timestamp, slide, offset);
      for (let start = newest; start > timestamp - size; start -= slide) {
        const lastTimestamp = start + size - 1;
        if (lastTimestamp + lateness <= watermark) continue; // this window is closed for good
        let accumulators = start === lastStart ? lastAccumulators : this.windows.get(start);
        if (accumulators === undefined) {
          accumulators = new Map();
          this.windows.set(start, accumulators);
          this.insertStart(start);
        }
        lastStart = start;
        lastAccumulators = accumulators;
        let slot = accumulators.get(key);
        let acc: unknown;
        try {
          acc = aggregator.add(slot === undefined ? aggregator.init() : slot.acc, x, timestamp);
        } catch (error) {
          ctx.deadLetter(batch, i, error);
          failed = true;
          break;
        }
        if (slot === undefined) {
          slot = { key, start, order: this.nextOrder++, acc, round: 0 };
          accumulators.set(key, slot);
        } else slot.acc = acc;
        if (slot.round !== this.round) {
          slot.round = this.round;
          this.changed.push(slot);
        }
        accepted = true;
        if (lastTimestamp <= watermark) {
          // Already fired, still within allowed lateness: emit the updated result.
          updated ??= new Map();
          let updatedKeys = updated.get(start);
          if (!updatedKeys) updated.set(start, (updatedKeys = new Set()));
          updatedKeys.add(key);
        }
      }
      if (!accepted && !failed) {
        // Every window of the record has closed for good.
        late ??= BatchBuilder.like(batch);
        late.addFrom(values[i], batch, i);
      }
    }
    if (updated) this.emitUpdates(updated, ctx);
    if (late) ctx.late(late.build(batch.split));
  }

  onWatermark(watermark: number, ctx: OperatorContext): void {
    if (this.domain === 'event') this.advance(watermark, ctx);
  }

  onProcessingTime(now: number, ctx: OperatorContext): void {
    // A processing-time window [start, end) is complete once the clock reaches end.
    if (this.domain === 'processing') this.advance(now - 1, ctx);
  }

  saveMeta(): FixedWindowsMeta {
    return { firedUpTo: saveTime(this.firedUpTo), nextOrder: this.nextOrder };
  }

  loadMeta(meta: unknown): void {
    const saved = meta as FixedWindowsMeta;
    this.firedUpTo = loadTime(saved.firedUpTo);
    this.nextOrder = saved.nextOrder;
  }

  // Keyed state: one entry per (key, window start), valued `SavedSlot`. A purged
  // window needs no deletions: a restore skips entries of windows closed for good by the
  // restored `firedUpTo`.

  takeChanges(): StateChanges {
    if (this.round === 0) {
      this.round = 1;
      return { set: this.entries(), deleted: [] };
    }
    const save = this.aggregator.save ?? ((acc: unknown) => acc);
    const set: StateEntry[] = [];
    for (const slot of this.changed) {
      if (this.windows.get(slot.start)?.get(slot.key) === slot)
        set.push([slot.key, slot.start, [slot.order, save(slot.acc)]]);
    }
    this.changed = [];
    this.round++;
    return { set, deleted: [] };
  }

  returnChanges(changes: StateChanges): void {
    if (this.round === 0) this.round = 1;
    for (const [key, start] of changes.set) {
      const slot = this.windows.get(start)?.get(key);
      if (slot && slot.round !== this.round) {
        slot.round = this.round;
        this.changed.push(slot);
      }
    }
  }

  entries(include?: (key: Key) => boolean): StateEntry[] {
    const save = this.aggregator.save ?? ((acc: unknown) => acc);
    const out: StateEntry[] = [];
    for (const start of this.starts) {
      for (const slot of this.windows.get(start)!.values()) {
        if (!include || include(slot.key)) out.push([slot.key, start, [slot.order, save(slot.acc)]]);
      }
    }
    return out;
  }

  load(entries: readonly StateEntry[]): void {
    const load = this.aggregator.load ?? ((data: unknown) => data);
    // Entries may come in any order (by key group): put keys back in the order they joined.
    const slots: Slot[] = [];
    for (const [key, start, value] of entries) {
      if (start + this.size - 1 + this.lateness <= this.firedUpTo) continue; // closed for good
      const [order, saved] = value as SavedSlot;
      slots.push({ key, start, order, acc: load(saved), round: 0 });
    }
    slots.sort((a, b) => a.order - b.order);
    for (const slot of slots) {
      let accumulators = this.windows.get(slot.start);
      if (accumulators === undefined) {
        accumulators = new Map();
        this.windows.set(slot.start, accumulators);
        this.insertStart(slot.start);
      }
      accumulators.set(slot.key, slot);
    }
    // Restored entries are stored already: only what changes from here on is new.
    if (this.round === 0) this.round = 1;
  }

  drop(include: (key: Key) => boolean): void {
    for (const start of this.starts) {
      const accumulators = this.windows.get(start)!;
      for (const key of accumulators.keys()) if (include(key)) accumulators.delete(key);
      if (accumulators.size === 0) this.windows.delete(start);
    }
    this.starts = this.starts.filter((start) => this.windows.has(start));
  }

  private advance(watermark: number, ctx: OperatorContext): void {
    if (watermark <= this.firedUpTo) return;
    const previous = this.firedUpTo;
    this.firedUpTo = watermark;
    let results: BatchBuilder<unknown> | undefined;
    let purge = 0;
    for (let n = 0; n < this.starts.length; n++) {
      const start = this.starts[n];
      const lastTimestamp = start + this.size - 1;
      if (lastTimestamp > watermark) break;
      const accumulators = this.windows.get(start)!;
      if (lastTimestamp > previous) {
        results ??= new BatchBuilder(true, false);
        for (const slot of accumulators.values()) {
          results.add(
            windowResult(slot.key, start, start + this.size, this.aggregator.result(slot.acc)),
            lastTimestamp,
            slot.key,
          );
        }
      }
      if (lastTimestamp + this.lateness <= watermark) {
        this.windows.delete(start);
        purge = n + 1;
      }
    }
    // Windows close in start order, so the purged ones are a prefix of `starts`.
    if (purge > 0) this.starts = this.starts.slice(purge);
    if (results) ctx.emit(results.build());
  }

  private emitUpdates(updated: Map<number, Set<Key>>, ctx: OperatorContext): void {
    const results = new BatchBuilder<unknown>(true, false);
    for (const [start, keys] of updated) {
      const accumulators = this.windows.get(start)!;
      for (const key of keys) {
        const result = windowResult(
          key,
          start,
          start + this.size,
          this.aggregator.result(accumulators.get(key)!.acc),
        );
        results.add(result, start + this.size - 1, key);
      }
    }
    ctx.emit(results.build());
  }

  private insertStart(start: number): void {
    const starts = this.starts;
    if (starts.length === 0 || starts[starts.length - 1] < start) {
      starts.push(start);
      return;
    }
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid] < start) lo = mid + 1;
      else hi = mid;
    }
    starts.splice(lo, 0, start);
  }
}
