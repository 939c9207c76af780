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
import { WindowAccumulators } from './window-accumulators.js';
import { WindowChanges } from './window-changes.js';
import { type TimeDomain, windowResult } from './window-result.js';

/** A key's accumulator in checkpoints (the entry `[key, start, slot]`): `[order, accumulator]`. */
export type SavedSlot = [order: number, acc: unknown];

export interface FixedWindowsMeta {
  firedUpTo: number | string;
  nextOrder: number;
}

/** A restored accumulator on its way into its window. */
interface LoadedSlot {
  readonly key: Key;
  readonly start: number;
  readonly order: number;
  readonly acc: unknown;
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
  private readonly windows = new Map<number, WindowAccumulators>();
  /** Window starts held in state, ascending. */
  private starts: number[] = [];
  /** Watermark up to which windows have fired. */
  private firedUpTo = Number.NEGATIVE_INFINITY;
  /** Keys changed since the last checkpoint. */
  private readonly changes = new WindowChanges();
  private nextOrder = 0;
  /** Scratch: the positions of a batch's keys in their windows, looked up ahead. */
  private found: (number | undefined)[] = [];
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
    // Processing time: the whole batch arrives at one instant.
    const processing = this.domain === 'processing';
    const timestamps = processing
      ? new Array<number>(batch.values.length).fill(ctx.clock.now())
      : batch.timestamps;
    const watermark = processing ? this.firedUpTo : ctx.watermark;
    // A record of a tumbling window belongs to exactly one: its loop needs no inner loop.
    if (this.slide === this.size) this.addToTumbling(batch, timestamps, watermark, ctx);
    else this.addToHopping(batch, timestamps, watermark, ctx);
  }

  private addToTumbling(
    batch: Batch<unknown>,
    timestamps: number[],
    watermark: number,
    ctx: OperatorContext,
  ): void {
    const { values } = batch;
    const n = values.length;
    const keys = batch.keys!;
    const { aggregator, size, offset, lateness, changes } = this;
    const round = changes.round;
    const input = aggregator.input;
    if (this.found.length < n) this.found = new Array(n);
    const found = this.found;
    let late: BatchBuilder<unknown> | undefined;
    let updated: Map<number, Set<Key>> | undefined;
    // Consecutive records usually share a window: keep the last one at hand, and tell by
    // comparing times whether a record falls into it, cheaper than the remainder of a
    // division (the times are doubles) that aligning its start takes. Around a window's
    // end, records of both windows arrive mixed: keep the one before at hand too.
    let start = Number.NaN;
    let end = Number.NaN;
    let current: WindowAccumulators | undefined;
    let otherStart = Number.NaN;
    let otherEnd = Number.NaN;
    let other: WindowAccumulators | undefined;

    // Run by run of records that share a window.
    for (let i = 0, j = 0; i < n; i = j) {
      const first = timestamps[i];
      if (!(first >= start && first < end)) {
        const lastStart = start;
        const lastEnd = end;
        const last = current;
        if (first >= otherStart && first < otherEnd) {
          start = otherStart;
          end = otherEnd;
          current = other;
        } else {
          start = alignedStart(first, size, offset);
          end = start + size;
          current = this.windows.get(start);
        }
        otherStart = lastStart;
        otherEnd = lastEnd;
        other = last;
      }
      for (j = i + 1; j < n; j++) if (!(timestamps[j] >= start && timestamps[j] < end)) break;
      const lastTimestamp = end - 1;
      // A closed window takes no more records: they are late.
      const open = lastTimestamp + lateness > watermark;
      if (open) {
        // Looked up ahead of the updates, the keys' lookups do not wait on one another, and
        // the processor overlaps them.
        if (current === undefined) found.fill(undefined, i, j);
        else for (let k = i; k < j; k++) found[k] = current.positionOf(keys[k]);
      }

      for (let k = i; k < j; k++) {
        let x = values[k];
        if (input !== undefined) {
          try {
            x = input(x);
          } catch (error) {
            ctx.deadLetter(batch, k, error);
            continue;
          }
        }
        if (!open) {
          late ??= BatchBuilder.like(batch);
          late.addFrom(values[k], batch, k);
          continue;
        }
        current ??= this.window(start);
        const window = current;
        const key = keys[k];
        // A key not there when looked up may have joined since, with an earlier record.
        let at = found[k];
        if (at === undefined) at = window.positionOf(key);
        let acc: unknown;
        try {
          acc = aggregator.add(at === undefined ? aggregator.init() : window.accs[at], x, timestamps[k]);
        } catch (error) {
          ctx.deadLetter(batch, k, error);
          continue;
        }
        if (at === undefined) at = window.join(key, acc, this.nextOrder++, 0);
        else window.accs[at] = acc;
        if (round !== 0 && window.rounds[at] !== round) changes.mark(window, at);
        if (lastTimestamp <= watermark) {
          // Already fired, still within allowed lateness: emit the updated result.
          updated ??= new Map();
          addUpdate(updated, start, key);
        }
      }
    }
    if (updated) this.emitUpdates(updated, ctx);
    if (late) ctx.late(late.build(batch.split));
  }

  private addToHopping(
    batch: Batch<unknown>,
    timestamps: number[],
    watermark: number,
    ctx: OperatorContext,
  ): void {
    const { values } = batch;
    const keys = batch.keys!;
    const { aggregator, size, slide, offset, lateness, changes } = this;
    const round = changes.round;
    const input = aggregator.input;
    let late: BatchBuilder<unknown> | undefined;
    let updated: Map<number, Set<Key>> | undefined;
    let lastStart = Number.NaN;
    let last: WindowAccumulators | undefined;
    // As in `addToTumbling`: the newest start of the last record holds while the times stay in its slide.
    let newest = Number.NaN;
    let newestEnd = Number.NaN;

    for (let i = 0; i < values.length; i++) {
      const timestamp = timestamps[i];
      const key = keys[i];
      let x: unknown;
      try {
        x = input ? input(values[i]) : values[i];
      } catch (error) {
        ctx.deadLetter(batch, i, error);
        continue;
      }
      let accepted = false;
      let failed = false;
      if (!(timestamp >= newest && timestamp < newestEnd)) {
        newest = alignedStart(timestamp, slide, offset);
        newestEnd = newest + slide;
      }
      for (let start = newest; start > timestamp - size; start -= slide) {
        const lastTimestamp = start + size - 1;
        if (lastTimestamp + lateness <= watermark) continue; // this window is closed for good
        const window = start === lastStart ? last! : this.window(start);
        lastStart = start;
        last = window;
        let at = window.positionOf(key);
        let acc: unknown;
        try {
          acc = aggregator.add(at === undefined ? aggregator.init() : window.accs[at], x, timestamp);
        } catch (error) {
          ctx.deadLetter(batch, i, error);
          failed = true;
          break;
        }
        if (at === undefined) at = window.join(key, acc, this.nextOrder++, 0);
        else window.accs[at] = acc;
        if (round !== 0 && window.rounds[at] !== round) changes.mark(window, at);
        accepted = true;
        if (lastTimestamp <= watermark) {
          updated ??= new Map();
          addUpdate(updated, start, key);
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
    if (this.changes.round === 0) {
      this.changes.round = 1;
      return { set: this.entries(), deleted: [] };
    }
    const held = (window: WindowAccumulators) => this.windows.get(window.start) === window;
    return { set: this.changes.take(held, this.aggregator.save ?? ((acc: unknown) => acc)), deleted: [] };
  }

  returnChanges(changes: StateChanges): void {
    if (this.changes.round === 0) this.changes.round = 1;
    for (const [key, start] of changes.set) {
      const window = this.windows.get(start);
      const at = window?.positionOf(key);
      if (at !== undefined) this.changes.mark(window!, at);
    }
  }

  entries(include?: (key: Key) => boolean): StateEntry[] {
    const save = this.aggregator.save ?? ((acc: unknown) => acc);
    const out: StateEntry[] = [];
    for (const start of this.starts) {
      const { keys, accs, orders } = this.windows.get(start)!;
      for (let at = 0; at < keys.length; at++) {
        if (!include || include(keys[at])) out.push([keys[at], start, [orders[at], save(accs[at])]]);
      }
    }
    return out;
  }

  load(entries: readonly StateEntry[]): void {
    const load = this.aggregator.load ?? ((data: unknown) => data);
    // Entries may come in any order (by key group): put keys back in the order they joined.
    const slots: LoadedSlot[] = [];
    for (const [key, start, value] of entries) {
      if (start + this.size - 1 + this.lateness <= this.firedUpTo) continue; // closed for good
      const [order, saved] = value as SavedSlot;
      slots.push({ key, start, order, acc: load(saved) });
    }
    slots.sort((a, b) => a.order - b.order);
    for (const { key, start, order, acc } of slots) {
      const window = this.window(start);
      const at = window.positionOf(key);
      if (at === undefined) {
        window.join(key, acc, order, 0);
      } else {
        // Replaced where the key stands, as a map entry set again would be.
        window.accs[at] = acc;
        window.orders[at] = order;
        window.rounds[at] = 0;
      }
    }
    // Restored entries are stored already: only what changes from here on is new.
    if (this.changes.round === 0) this.changes.round = 1;
  }

  drop(include: (key: Key) => boolean): void {
    for (const start of this.starts) {
      const window = this.windows.get(start)!;
      const { keys } = window;
      const kept: number[] = [];
      for (let at = 0; at < keys.length; at++) if (!include(keys[at])) kept.push(at);
      if (kept.length === 0) {
        this.windows.delete(start);
        continue;
      }
      if (kept.length === keys.length) continue;
      // Positions index the columns: the keys that stay move into a window of their own.
      const rebuilt = new WindowAccumulators(start);
      const { round } = this.changes;
      for (const at of kept) {
        const moved = rebuilt.join(keys[at], window.accs[at], window.orders[at], window.rounds[at]);
        if (round !== 0 && window.rounds[at] === round) this.changes.list(rebuilt, moved);
      }
      this.windows.set(start, rebuilt);
    }
    this.starts = this.starts.filter((start) => this.windows.has(start));
  }

  private window(start: number): WindowAccumulators {
    let window = this.windows.get(start);
    if (window === undefined) {
      window = new WindowAccumulators(start);
      this.windows.set(start, window);
      this.insertStart(start);
    }
    return window;
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
      const window = this.windows.get(start)!;
      if (lastTimestamp > previous) {
        results ??= new BatchBuilder(true, false);
        const { keys, accs } = window;
        const end = start + this.size;
        for (let at = 0; at < keys.length; at++) {
          results.add(
            windowResult(keys[at], start, end, this.aggregator.result(accs[at])),
            lastTimestamp,
            keys[at],
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
      const window = this.windows.get(start)!;
      for (const key of keys) {
        const acc = window.accs[window.positionOf(key)!];
        results.add(
          windowResult(key, start, start + this.size, this.aggregator.result(acc)),
          start + this.size - 1,
          key,
        );
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

const addUpdate = (updated: Map<number, Set<Key>>, start: number, key: Key): void => {
  let keys = updated.get(start);
  if (!keys) updated.set(start, (keys = new Set()));
  keys.add(key);
};
