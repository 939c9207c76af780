import { type Batch, BatchBuilder, type Key, type Position } from '../batch.js';
import { TimerQueue } from '../state/timer-queue.js';
import type { Operator, OperatorContext } from './operator.js';

interface Buffered {
  value: unknown;
  timestamp: number;
  position?: Position;
  removed: boolean;
}

type Side = Map<Key, Buffered[]>;

interface SavedJoin {
  left: [Key, [unknown, number][]][];
  right: [Key, [unknown, number][]][];
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
    }
  }

  snapshot(): SavedJoin {
    const save = (side: Side): SavedJoin['left'] =>
      [...side].map(([key, list]) => [key, list.map((e) => [e.value, e.timestamp] as [unknown, number])]);
    return { left: save(this.left), right: save(this.right) };
  }

  restore(state: unknown): void {
    const saved = state as SavedJoin;
    this.left.clear();
    this.right.clear();
    this.expiries.clear();
    for (const [side, entries] of [
      [this.left, saved.left],
      [this.right, saved.right],
    ] as const) {
      for (const [key, list] of entries) {
        for (const [value, timestamp] of list) this.buffer(side, key, { value, timestamp, removed: false });
      }
    }
  }

  private buffer(side: Side, key: Key, entry: Buffered): void {
    let list = side.get(key);
    if (!list) side.set(key, (list = []));
    list.push(entry);
    const expiry = side === this.left ? entry.timestamp + this.upper : entry.timestamp - this.lower;
    this.expiries.push(expiry, { side, key, entry });
  }
}
