import { type Batch, BatchBuilder, type Key } from '../batch.js';
import {
  ChangedKeys,
  type KeyedStateAccess,
  loadTime,
  type StateEntry,
  saveTime,
} from '../state/keyed-state.js';
import { TimerQueue } from '../state/timer-queue.js';
import type { TimeDomain } from '../windows/window-result.js';
import type { Operator, OperatorContext } from './operator.js';
import { checkKey } from './stateless.js';

export interface DedupeMeta {
  watermark: number | string;
}

/**
 * Drops a record when another with the same key, less than `within` apart in time, has
 * already passed. Each key remembers the times of the records it let through (more than
 * one when records arrive out of order), each until the watermark shows that no on-time
 * record can fall within `within` of it.
 *
 * In event time, a record at or below the watermark is late: what it would be compared
 * with may already be forgotten, so it goes to the late stream rather than through.
 */
export class DedupeOperator implements Operator {
  private readonly seen = new Map<Key, number[]>();
  private readonly expiries = new TimerQueue<{ key: Key; time: number }>();
  private watermark = Number.NEGATIVE_INFINITY;
  private readonly changed = new ChangedKeys({
    keys: () => this.seen.keys(),
    save: (key) => this.seen.get(key),
    load: (entries) => this.load(entries),
    drop: (include) => this.drop(include),
  });
  readonly keyed: KeyedStateAccess = this.changed;

  constructor(
    private readonly within: number,
    private readonly domain: TimeDomain,
    private readonly selector?: (value: any) => unknown,
  ) {}

  process(batch: Batch<unknown>, _input: number, ctx: OperatorContext): void {
    const { values } = batch;
    const processing = this.domain === 'processing';
    const now = processing ? ctx.clock.now() : 0;
    const watermark = processing ? this.watermark : ctx.watermark;
    const out = BatchBuilder.like<unknown>(batch);
    let late: BatchBuilder<unknown> | undefined;
    for (let i = 0; i < values.length; i++) {
      const time = processing ? now : batch.timestamps[i];
      let key: Key;
      try {
        key = this.selector ? checkKey(this.selector(values[i]), ctx.operator) : batch.keys![i];
      } catch (error) {
        ctx.deadLetter(batch, i, error);
        continue;
      }
      if (time <= watermark) {
        late ??= BatchBuilder.like(batch);
        late.addFrom(values[i], batch, i);
        continue;
      }
      const kept = this.seen.get(key);
      if (kept?.some((passed) => Math.abs(time - passed) < this.within)) continue;
      this.remember(key, time);
      out.addFrom(values[i], batch, i);
    }
    if (out.length > 0) ctx.emit(out.build(batch.split));
    if (late) ctx.late(late.build(batch.split));
  }

  onWatermark(watermark: number): void {
    if (this.domain === 'event') this.expire(watermark);
  }

  onProcessingTime(now: number): void {
    if (this.domain === 'processing') this.expire(now - 1);
  }

  saveMeta(): DedupeMeta {
    return { watermark: saveTime(this.watermark) };
  }

  loadMeta(meta: unknown): void {
    this.watermark = loadTime((meta as DedupeMeta).watermark);
  }

  // Keyed state: per key, the times it let through that are still remembered.

  private load(entries: readonly StateEntry[]): void {
    for (const [key, , times] of entries) for (const time of times as number[]) this.remember(key, time);
  }

  private drop(include: (key: Key) => boolean): void {
    for (const key of this.seen.keys()) if (include(key)) this.seen.delete(key);
    this.expiries.removeWhere(({ key }) => include(key));
  }

  private remember(key: Key, time: number): void {
    const times = this.seen.get(key);
    if (times) times.push(time);
    else this.seen.set(key, [time]);
    this.expiries.push(time + this.within - 1, { key, time });
    this.changed.mark(key);
  }

  private expire(watermark: number): void {
    this.watermark = Math.max(this.watermark, watermark);
    for (let due = this.expiries.popDue(watermark); due; due = this.expiries.popDue(watermark)) {
      // Each remembered time has one expiry: forget that time, and the key with its last one.
      const { key, time } = due.payload;
      const times = this.seen.get(key)!;
      times.splice(times.indexOf(time), 1);
      if (times.length === 0) this.seen.delete(key);
      this.changed.mark(key);
    }
  }
}
