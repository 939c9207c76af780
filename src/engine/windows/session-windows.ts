import type { Aggregator } from '../aggregators/aggregator.js';
import { type Batch, BatchBuilder, type Key } from '../batch.js';
import type { Operator, OperatorContext } from '../operators/operator.js';
import { loadTime, saveTime } from '../state/keyed-state.js';
import { TimerQueue } from '../state/timer-queue.js';
import type { SessionWindows } from './assigners.js';
import { type TimeDomain, windowResult } from './window-result.js';

interface Session {
  start: number;
  end: number;
  acc: unknown;
  /** Set when the session was merged into another or purged; its timers are then ignored. */
  closed: boolean;
  /** Time of the session's one live timer; timers at other times are stale. */
  timerAt: number;
}

interface SavedSessions {
  firedUpTo: number | string;
  sessions: [Key, [start: number, end: number, acc: unknown][]][];
}

/**
 * Session windows over a keyed stream. Each key holds its open sessions sorted by start;
 * a record opens `[t, t + gap)` and merges every session it overlaps, accumulators
 * included. One timer per session, in a heap, fires it when the watermark reaches
 * `end - 1` and purges it at `end - 1 + lateness`, so a watermark costs only the sessions
 * it closes, however many keys are open.
 *
 * A record within allowed lateness updates (or merges into) a fired session, and the new
 * result is emitted at the end of the batch. When such a record bridges two sessions that
 * have both fired, their earlier results stay as emitted and the merged session is emitted
 * as well; consumers that upsert by window replace them by the merged row.
 */
export class SessionWindowOperator implements Operator {
  private readonly gap: number;
  private readonly sessions = new Map<Key, Session[]>();
  private readonly timers = new TimerQueue<{ key: Key; session: Session }>();
  private firedUpTo = Number.NEGATIVE_INFINITY;

  constructor(
    assigner: SessionWindows,
    private readonly aggregator: Aggregator<unknown, unknown, Record<string, unknown>>,
    private readonly lateness: number,
    private readonly domain: TimeDomain,
  ) {
    this.gap = assigner.gap;
  }

  process(batch: Batch<unknown>, _input: number, ctx: OperatorContext): void {
    const { values, keys } = batch;
    const processing = this.domain === 'processing';
    const now = processing ? ctx.clock.now() : 0;
    const watermark = processing ? this.firedUpTo : ctx.watermark;
    const { aggregator, gap, lateness } = this;
    let late: BatchBuilder<unknown> | undefined;
    let updated: Map<Session, Key> | undefined;

    for (let i = 0; i < values.length; i++) {
      const timestamp = processing ? now : batch.timestamps[i];
      const key = keys![i];
      let x: unknown;
      try {
        x = aggregator.input ? aggregator.input(values[i]) : values[i];
      } catch (error) {
        ctx.deadLetter(batch, i, error);
        continue;
      }
      const list = this.sessions.get(key);
      const end = timestamp + gap;
      const overlapping = list ? overlaps(list, timestamp, end) : undefined;
      if (!overlapping && end - 1 + lateness <= watermark) {
        late ??= BatchBuilder.like(batch);
        late.addFrom(values[i], batch, i);
        continue;
      }
      let acc: unknown;
      try {
        acc = aggregator.add(aggregator.init(), x, timestamp);
      } catch (error) {
        ctx.deadLetter(batch, i, error);
        continue;
      }
      const session = this.merge(key, list, overlapping, {
        start: timestamp,
        end,
        acc,
        closed: false,
        timerAt: Number.NaN,
      });
      this.schedule(key, session, watermark);
      if (session.end - 1 <= watermark) (updated ??= new Map()).set(session, key);
    }
    if (updated) this.emitUpdates(updated, ctx);
    if (late) ctx.late(late.build(batch.split));
  }

  onWatermark(watermark: number, ctx: OperatorContext): void {
    if (this.domain === 'event') this.advance(watermark, ctx);
  }

  onProcessingTime(now: number, ctx: OperatorContext): void {
    if (this.domain === 'processing') this.advance(now - 1, ctx);
  }

  snapshot(): SavedSessions {
    const save = this.aggregator.save ?? ((acc: unknown) => acc);
    const sessions: SavedSessions['sessions'] = [];
    for (const [key, list] of this.sessions) {
      sessions.push([key, list.map((s) => [s.start, s.end, save(s.acc)])]);
    }
    return { firedUpTo: saveTime(this.firedUpTo), sessions };
  }

  restore(state: unknown): void {
    const saved = state as SavedSessions;
    const load = this.aggregator.load ?? ((data: unknown) => data);
    this.sessions.clear();
    this.timers.clear();
    this.firedUpTo = loadTime(saved.firedUpTo);
    for (const [key, list] of saved.sessions) {
      const sessions = list.map(([start, end, acc]) => ({
        start,
        end,
        acc: load(acc),
        closed: false,
        timerAt: Number.NaN,
      }));
      this.sessions.set(key, sessions);
      for (const session of sessions) this.schedule(key, session, this.firedUpTo);
    }
  }

  /**
   * Folds `fresh` and every overlapping session of `key` into the earliest of them, which
   * keeps its identity (and so its pending timer, when its end did not move).
   */
  private merge(
    key: Key,
    list: Session[] | undefined,
    overlapping: Overlap | undefined,
    fresh: Session,
  ): Session {
    if (!list) {
      this.sessions.set(key, [fresh]);
      return fresh;
    }
    if (!overlapping) {
      list.splice(insertionIndex(list, fresh.start), 0, fresh);
      return fresh;
    }
    const { from, to } = overlapping;
    const target = list[from];
    const merge = (a: unknown, b: unknown) => this.aggregator.merge(a, b);
    // Earlier sessions first, so that ties in order-sensitive aggregators go to the earlier arrival.
    let acc = fresh.start < target.start ? merge(fresh.acc, target.acc) : target.acc;
    for (let n = from + 1; n <= to; n++) {
      acc = merge(acc, list[n].acc);
      list[n].closed = true;
    }
    if (fresh.start >= target.start) acc = merge(acc, fresh.acc);
    target.acc = acc;
    target.start = Math.min(target.start, fresh.start);
    target.end = Math.max(list[to].end, fresh.end);
    if (to > from) list.splice(from + 1, to - from);
    return target;
  }

  /** Sets the session's one live timer: firing at `end - 1`, or purging `lateness` after that once fired. */
  private schedule(key: Key, session: Session, watermark: number): void {
    const fireAt = session.end - 1;
    const time = fireAt > watermark ? fireAt : fireAt + this.lateness;
    if (session.timerAt !== time) {
      session.timerAt = time;
      this.timers.push(time, { key, session });
    }
  }

  private advance(watermark: number, ctx: OperatorContext): void {
    if (watermark <= this.firedUpTo) return;
    this.firedUpTo = watermark;
    let results: BatchBuilder<unknown> | undefined;
    for (let due = this.timers.popDue(watermark); due; due = this.timers.popDue(watermark)) {
      const { key, session } = due.payload;
      if (session.closed || due.time !== session.timerAt) continue;
      const lastTimestamp = session.end - 1;
      if (due.time === lastTimestamp) {
        results ??= new BatchBuilder(true, false);
        results.add(this.result(key, session), lastTimestamp, key);
      }
      if (lastTimestamp + this.lateness <= watermark) this.purge(key, session);
      else this.schedule(key, session, watermark);
    }
    if (results) ctx.emit(results.build());
  }

  private purge(key: Key, session: Session): void {
    session.closed = true;
    const list = this.sessions.get(key)!;
    const at = list.indexOf(session);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) this.sessions.delete(key);
  }

  private result(key: Key, session: Session) {
    return windowResult(key, session.start, session.end, this.aggregator.result(session.acc));
  }

  private emitUpdates(updated: Map<Session, Key>, ctx: OperatorContext): void {
    const results = new BatchBuilder<unknown>(true, false);
    for (const [session, key] of updated) {
      if (!session.closed) results.add(this.result(key, session), session.end - 1, key);
    }
    if (results.length > 0) ctx.emit(results.build());
  }
}

interface Overlap {
  from: number;
  to: number;
}

/** The run of sessions (sorted, disjoint) that `[start, end)` overlaps, if any. */
const overlaps = (list: Session[], start: number, end: number): Overlap | undefined => {
  let from = -1;
  let to = -1;
  for (let n = 0; n < list.length; n++) {
    const s = list[n];
    if (s.start >= end) break;
    if (s.end > start) {
      if (from < 0) from = n;
      to = n;
    }
  }
  return from < 0 ? undefined : { from, to };
};

const insertionIndex = (list: Session[], start: number): number => {
  let n = 0;
  while (n < list.length && list[n].start < start) n++;
  return n;
};
