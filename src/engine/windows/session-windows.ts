import type { Aggregator } from '../aggregators/aggregator.js';
import { type Batch, BatchBuilder, type Key } from '../batch.js';
import type { Operator, OperatorContext } from '../operators/operator.js';
import { loadTime, saveTime } from '../state/keyed-state.js';
import { TimerQueue } from '../state/timer-queue.js';
import type { SessionWindows } from './assigners.js';
import { type TimeDomain, windowResult } from './window-result.js';

interface Session {
  readonly key: Key;
  start: number;
  end: number;
  acc: unknown;
  /** Set when the session was merged into another or purged; its timers are then ignored. */
  closed: boolean;
  /** Time of the session's earliest pending timer (NaN: none); timers at other times are stale. */
  timerAt: number;
}

interface SavedSessions {
  firedUpTo: number | string;
  sessions: [Key, [start: number, end: number, acc: unknown][]][];
  /**
   * `[key, start, time]` of every pending timer in firing order: a restore pushes the same
   * timers in the same order, so that sessions due together fire in the same order.
   */
  timers: [Key, number, number][];
}

/**
 * Session windows over a keyed stream. Each key holds its open sessions sorted by start;
 * a record opens `[t, t + gap)` and merges every session it overlaps, accumulators
 * included. Timers in a heap fire a session when the watermark reaches `end - 1` and
 * purge it at `end - 1 + lateness`, so a watermark costs only the sessions it closes,
 * however many keys are open.
 *
 * Timers are lazy: a session that grows keeps its earlier timer, and when that pops the
 * session is due again at its new end. Growing a session — the common case, one record
 * after another — thus costs no heap operation.
 *
 * A record within allowed lateness updates (or merges into) a fired session, and the new
 * result is emitted at the end of the batch. When such a record bridges two sessions that
 * have both fired, their earlier results stay as emitted and the merged session is emitted
 * as well; consumers that upsert by window replace them by the merged row.
 */
export class SessionWindowOperator implements Operator {
  private readonly gap: number;
  private readonly sessions = new Map<Key, Session[]>();
  private readonly timers = new TimerQueue<Session>();
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
    let updated: Set<Session> | undefined;

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
      const end = timestamp + gap;
      const list = this.sessions.get(key);
      // The run of sessions (sorted, disjoint) that [timestamp, end) overlaps.
      let from = -1;
      let to = -1;
      if (list) {
        for (let n = 0; n < list.length; n++) {
          const s = list[n];
          if (s.start >= end) break;
          if (s.end > timestamp) {
            if (from < 0) from = n;
            to = n;
          }
        }
      }
      let session: Session;
      try {
        if (from < 0) {
          if (end - 1 + lateness <= watermark) {
            late ??= BatchBuilder.like(batch);
            late.addFrom(values[i], batch, i);
            continue;
          }
          session = {
            key,
            start: timestamp,
            end,
            acc: aggregator.add(aggregator.init(), x, timestamp),
            closed: false,
            timerAt: Number.NaN,
          };
          if (list) list.splice(insertionIndex(list, timestamp), 0, session);
          else this.sessions.set(key, [session]);
        } else if (from === to) {
          // The common case: the record extends (or lands in) one session.
          session = list![from];
          session.acc = aggregator.add(session.acc, x, timestamp);
          if (timestamp < session.start) session.start = timestamp;
          if (end > session.end) session.end = end;
        } else {
          session = this.bridge(
            list!,
            from,
            to,
            aggregator.add(aggregator.init(), x, timestamp),
            timestamp,
            end,
          );
        }
      } catch (error) {
        ctx.deadLetter(batch, i, error);
        continue;
      }
      this.schedule(session, watermark);
      if (session.end - 1 <= watermark) (updated ??= new Set()).add(session);
    }
    if (updated) this.emitUpdates(updated, watermark, ctx);
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
    const timers: SavedSessions['timers'] = [];
    for (const { time, payload: session } of this.timers.entries()) {
      if (!session.closed && time === session.timerAt) timers.push([session.key, session.start, time]);
    }
    return { firedUpTo: saveTime(this.firedUpTo), sessions, timers };
  }

  restore(state: unknown): void {
    const saved = state as SavedSessions;
    const load = this.aggregator.load ?? ((data: unknown) => data);
    this.sessions.clear();
    this.timers.clear();
    this.firedUpTo = loadTime(saved.firedUpTo);
    for (const [key, list] of saved.sessions) {
      const sessions = list.map(([start, end, acc]) => ({
        key,
        start,
        end,
        acc: load(acc),
        closed: false,
        timerAt: Number.NaN,
      }));
      this.sessions.set(key, sessions);
    }
    for (const [key, start, time] of saved.timers) {
      const session = this.sessions.get(key)?.find((s) => s.start === start);
      if (!session) continue;
      session.timerAt = time;
      this.timers.push(time, session);
    }
  }

  /**
   * Merges sessions \`from\`..\`to\` of a key's list and a record's own accumulator into the
   * first of them, in start order, so that ties in order-sensitive aggregators (first, last)
   * go to the earlier arrival.
   */
  private bridge(
    list: Session[],
    from: number,
    to: number,
    acc: unknown,
    start: number,
    end: number,
  ): Session {
    const target = list[from];
    const aggregator = this.aggregator;
    let merged = start < target.start ? aggregator.merge(acc, target.acc) : target.acc;
    for (let n = from + 1; n <= to; n++) {
      merged = aggregator.merge(merged, list[n].acc);
      list[n].closed = true;
    }
    if (start >= target.start) merged = aggregator.merge(merged, acc);
    target.acc = merged;
    target.start = Math.min(target.start, start);
    target.end = Math.max(list[to].end, end);
    list.splice(from + 1, to - from);
    return target;
  }

  /**
   * Makes sure the session has a timer no later than when it is next due: at \`end - 1\` to
   * fire, or \`lateness\` after that to be purged once fired. An earlier pending timer will do.
   */
  private schedule(session: Session, watermark: number): void {
    const fireAt = session.end - 1;
    const due = fireAt > watermark ? fireAt : fireAt + this.lateness;
    if (!(session.timerAt <= due)) {
      session.timerAt = due;
      this.timers.push(due, session);
    }
  }

  private advance(watermark: number, ctx: OperatorContext): void {
    if (watermark <= this.firedUpTo) return;
    const previous = this.firedUpTo;
    this.firedUpTo = watermark;
    let results: BatchBuilder<unknown> | undefined;
    for (let due = this.timers.popDue(watermark); due; due = this.timers.popDue(watermark)) {
      const session = due.payload;
      if (session.closed || due.time !== session.timerAt) continue;
      session.timerAt = Number.NaN;
      const lastTimestamp = session.end - 1;
      // Due now for the first time: it fires. (At or below the previous watermark it fired
      // then, or was emitted as an update when a late record reached it.)
      if (lastTimestamp <= watermark && lastTimestamp > previous) {
        results ??= new BatchBuilder(true, false);
        results.add(this.result(session), lastTimestamp, session.key);
      }
      if (lastTimestamp + this.lateness <= watermark) this.purge(session);
      else this.schedule(session, watermark);
    }
    if (results) ctx.emit(results.build());
  }

  private purge(session: Session): void {
    session.closed = true;
    const list = this.sessions.get(session.key)!;
    const at = list.indexOf(session);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) this.sessions.delete(session.key);
  }

  private result(session: Session) {
    return windowResult(session.key, session.start, session.end, this.aggregator.result(session.acc));
  }

  private emitUpdates(updated: Set<Session>, watermark: number, ctx: OperatorContext): void {
    const results = new BatchBuilder<unknown>(true, false);
    for (const session of updated) {
      // A later record of the batch may have extended the session past the watermark: it
      // fires when the watermark gets there, not now.
      if (!session.closed && session.end - 1 <= watermark) {
        results.add(this.result(session), session.end - 1, session.key);
      }
    }
    if (results.length > 0) ctx.emit(results.build());
  }
}

const insertionIndex = (list: Session[], start: number): number => {
  let n = 0;
  while (n < list.length && list[n].start < start) n++;
  return n;
};
