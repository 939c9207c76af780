import { type Batch, BatchBuilder, type Key, type Position } from '../batch.js';
import { ChangedKeys, type KeyedStateAccess, type StateEntry } from '../state/keyed-state.js';
import { TimerQueue } from '../state/timer-queue.js';
import type { Operator, OperatorContext } from './operator.js';

interface Buffered {
  value: unknown;
  timestamp: number;
  position?: Position;
  removed: boolean;
}

type Side = Map<Key, Buffered[]>;

/** A key's entry in checkpoints: the records each side still holds, as `[value, timestamp]`. */
export interface SavedKey {
  l: [unknown, number][];
  r: [unknown, number][];
}

/**
 * Joins two keyed streams on equal keys where `left.t + lower <= right.t <= left.t + upper`.
 * Each side buffers its records until the watermark proves no partner can still arrive:
 * a left record until `t + upper`, a right one until `t - lower`. Records at or below the
 * watermark are late: their partners may be gone, so they go to the late stream.
 * A joined record takes the later of the two event times.
 */
export class IntervalJoinOperator implements Operator {
  private readonly left: Side = new Map();
  private readonly right: Side = new Map();
  private readonly expiries = new TimerQueue<{ side: Side; key: Key; entry: Buffered }>();
  private readonly changed = new ChangedKeys({
    keys: () => new Set([...this.left.keys(), ...this.right.keys()]),
    save: (key) => this.save(key),
    load: (entries) => this.load(entries),
    drop: (include) => this.drop(include),
  });
  readonly keyed: KeyedStateAccess = this.changed;

  constructor(
    private readonly lower: number,
    private readonly upper: number,
    private readonly join: (left: any, right: any, key: Key) => unknown,
  ) {}

  process(batch: Batch<unknown>, input: number, ctx: OperatorContext): void {
    const fromLeft = input === 0;
    const own = fromLeft ? this.left : this.right;
    const other = fromLeft ? this.right : this.left;
    const { values, timestamps, keys } = batch;
    const watermark = ctx.watermark;
    const out = new BatchBuilder<unknown>(true, false);
    let late: BatchBuilder<unknown> | undefined;
    for (let i = 0; i < values.length; i++) {
      const timestamp = timestamps[i];
      if (timestamp <= watermark) {
        late ??= BatchBuilder.like(batch);
        late.addFrom(values[i], batch, i);
        continue;
      }
      const key = keys![i];
      const value = values[i];
      // The partner's time range for this record.
      const from = fromLeft ? timestamp + this.lower : timestamp - this.upper;
      const to = fromLeft ? timestamp + this.upper : timestamp - this.lower;
      const partners = other.get(key);
      try {
        const joined: [unknown, number][] = [];
        if (partners) {
          for (const partner of partners) {
            if (partner.removed || partner.timestamp < from || partner.timestamp > to) continue;
            const result = fromLeft
              ? this.join(value, partner.value, key)
              : this.join(partner.value, value, key);
            joined.push([result, Math.max(timestamp, partner.timestamp)]);
          }
        }
        for (const [result, time] of joined) out.add(result, time, key);
      } catch (error) {
        ctx.deadLetter(batch, i, error);
        continue;
      }
      this.buffer(own, key, { value, timestamp, position: batch.positions?.[i], removed: false });
    }
    if (out.length > 0) ctx.emit(out.build());
    if (late) ctx.late(late.build(batch.split));
  }

  onWatermark(watermark: number): void {
    for (let due = this.expiries.popDue(watermark); due; due = this.expiries.popDue(watermark)) {
      const { side, key, entry } = due.payload;
      entry.removed = true;
      const list = side.get(key)!;
      const at = list.indexOf(entry);
      if (at >= 0) list.splice(at, 1);
      if (list.length === 0) side.delete(key);
      this.changed.mark(key);
    }
  }

  // Keyed state: per key, the records of both sides still waiting for partners.

  private load(entries: readonly StateEntry[]): void {
    for (const [key, , saved] of entries) {
      const { l, r } = saved as SavedKey;
      for (const [value, timestamp] of l) this.buffer(this.left, key, { value, timestamp, removed: false });
      for (const [value, timestamp] of r) this.buffer(this.right, key, { value, timestamp, removed: false });
    }
  }

  private drop(include: (key: Key) => boolean): void {
    for (const side of [this.left, this.right]) {
      for (const key of side.keys()) if (include(key)) side.delete(key);
    }
    this.expiries.removeWhere(({ key }) => include(key));
  }

  private save(key: Key): SavedKey | undefined {
    const left = this.left.get(key);
    const right = this.right.get(key);
    if (!left && !right) return undefined;
    const records = (list: Buffered[] | undefined): [unknown, number][] =>
      (list ?? []).map((e) => [e.value, e.timestamp]);
    return { l: records(left), r: records(right) };
  }

  private buffer(side: Side, key: Key, entry: Buffered): void {
    let list = side.get(key);
    if (!list) side.set(key, (list = []));
    list.push(entry);
    const expiry = side === this.left ? entry.timestamp + this.upper : entry.timestamp - this.lower;
    this.expiries.push(expiry, { side, key, entry });
    this.changed.mark(key);
  }
}
