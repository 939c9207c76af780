import type { Aggregator } from '../aggregators/aggregator.js';
import { type Batch, BatchBuilder, type Key } from '../batch.js';
import type { Operator, OperatorContext } from '../operators/operator.js';
import {
  ChangedKeys,
  type KeyedStateAccess,
  loadTime,
  type StateEntry,
  saveTime,
} from '../state/keyed-state.js';
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
  /** That timer's sequence number: its place among timers due at the same time. */
  timerSeq: number;
  /**
   * Rows emitted for this session (and the sessions merged into it) that stand until it is
   * emitted again: then those whose bounds changed are retracted. Kept only with allowed
   * lateness, since without it nothing changes a session once it fired.
   */
  emitted: Row[] | undefined;
}

/** A result as emitted: `{ key, start, end, ...aggregations }`. */
type Row = ReturnType<typeof windowResult> & { start: number; end: number };

/**
 * One session in its key's checkpoint entry, whose value is the key's sessions in start
 * order. The pending timer keeps its sequence number, so that after a restore sessions due
 * at the same watermark fire in the order they would have; `emitted` is there with allowed
 * lateness only.
 */
export type SavedSession = [
  start: number,
  end: number,
  acc: unknown,
  timer: [time: number, seq: number] | null,
  emitted?: Row[],
];

export interface SessionWindowsMeta {
  firedUpTo: number | string;
  /** The sequence number the next timer gets. */
  seq: number;
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
 * result is emitted at the end of the batch (or when the watermark reaches its new end).
 * A row emitted earlier whose bounds no longer exist — the session grew, or merged into
 * another — is retracted right before the row that replaces it, in the same batch, so that
 * a consumer that upserts by (key, start, end) and deletes on retraction holds exactly the
 * sessions there are.
 */
export class SessionWindowOperator implements Operator {
  private readonly gap: number;
  private readonly sessions = new Map<Key, Session[]>();
  private readonly timers = new TimerQueue<Session>();
  private firedUpTo = Number.NEGATIVE_INFINITY;
  /** Keys whose sessions or timers changed since the last checkpoint. */
  private readonly changed = new ChangedKeys({
    keys: () => this.sessions.keys(),
    save: (key) => this.save(key),
    load: (entries) => this.load(entries),
    drop: (include) => this.drop(include),
  });
  readonly keyed: KeyedStateAccess = this.changed;

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
    const { aggregator, gap, lateness, changed } = this;
    // Checkpoints do not begin within a batch: one look decides whether records mark keys.
    const tracking = changed.tracking;
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
            timerSeq: 0,
            emitted: undefined,
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
      if (tracking) changed.mark(key);
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

  saveMeta(): SessionWindowsMeta {
    return { firedUpTo: saveTime(this.firedUpTo), seq: this.timers.sequence };
  }

  loadMeta(meta: unknown): void {
    const saved = meta as SessionWindowsMeta;
    this.firedUpTo = loadTime(saved.firedUpTo);
    this.timers.sequence = saved.seq;
  }

  // Keyed state: one entry per key (sub 0) holding its open sessions, their timers included.

  private load(entries: readonly StateEntry[]): void {
    const load = this.aggregator.load ?? ((data: unknown) => data);
    for (const [key, , value] of entries) {
      // An entry for a key held already replaces its sessions; their timers go stale.
      for (const session of this.sessions.get(key) ?? []) session.closed = true;
      const sessions = (value as SavedSession[]).map(([start, end, acc, timer, emitted]) => {
        const session: Session = {
          key,
          start,
          end,
          acc: load(acc),
          closed: false,
          timerAt: Number.NaN,
          timerSeq: 0,
          emitted,
        };
        // Pushed with its saved sequence number, the timer takes its old place among those
        // due at the same time, whatever order the entries come in.
        if (timer) {
          session.timerAt = timer[0];
          session.timerSeq = this.timers.push(timer[0], session, timer[1]);
        }
        return session;
      });
      this.sessions.set(key, sessions);
    }
  }

  private drop(include: (key: Key) => boolean): void {
    for (const [key, list] of this.sessions) {
      if (!include(key)) continue;
      for (const session of list) session.closed = true;
      this.sessions.delete(key);
    }
    // Stale timers of sessions closed earlier go too: the heap is rebuilt anyway.
    this.timers.removeWhere((session) => session.closed);
  }

  /** A key's entry: its sessions, or undefined once it has none. */
  private save(key: Key): SavedSession[] | undefined {
    const list = this.sessions.get(key);
    if (!list) return undefined;
    const save = this.aggregator.save ?? ((acc: unknown) => acc);
    return list.map((s): SavedSession => {
      const timer: SavedSession[3] = Number.isNaN(s.timerAt) ? null : [s.timerAt, s.timerSeq];
      return s.emitted
        ? [s.start, s.end, save(s.acc), timer, s.emitted]
        : [s.start, s.end, save(s.acc), timer];
    });
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
    for (let n = from + 1; n <= to; n++) merged = aggregator.merge(merged, list[n].acc);
    if (start >= target.start) merged = aggregator.merge(merged, acc);
    // Sessions close only once every merge succeeded: one that throws leaves none closed in the list.
    for (let n = from + 1; n <= to; n++) {
      const absorbed = list[n];
      absorbed.closed = true;
      // Its rows are the merged session's to retract when that is emitted.
      if (absorbed.emitted)
        target.emitted = target.emitted ? target.emitted.concat(absorbed.emitted) : absorbed.emitted;
    }
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
      session.timerSeq = this.timers.push(due, session);
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
      // It fires, is purged or waits for its next time: its entry changes in every case.
      this.changed.mark(session.key);
      const lastTimestamp = session.end - 1;
      // Due now for the first time: it fires. (At or below the previous watermark it fired
      // then, or was emitted as an update when a late record reached it.)
      if (lastTimestamp <= watermark && lastTimestamp > previous) {
        results ??= new BatchBuilder(true, false);
        this.emit(session, results);
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

  /** Adds the session's result to `out`, after retractions of the rows it replaces. */
  private emit(session: Session, out: BatchBuilder<unknown>): void {
    const { key, start, end } = session;
    const row = windowResult(key, start, end, this.aggregator.result(session.acc)) as Row;
    if (session.emitted) {
      for (const old of session.emitted) {
        // A row with the same bounds is replaced by an upsert; one with others would linger.
        if (old.start !== start || old.end !== end) out.retract(old, old.end - 1, key);
      }
    }
    out.add(row, end - 1, key);
    session.emitted = this.lateness > 0 ? [row] : undefined;
  }

  private emitUpdates(updated: Set<Session>, watermark: number, ctx: OperatorContext): void {
    const results = new BatchBuilder<unknown>(true, false);
    for (const session of updated) {
      // A later record of the batch may have extended the session past the watermark: it
      // fires when the watermark gets there, not now.
      if (!session.closed && session.end - 1 <= watermark) this.emit(session, results);
    }
    if (results.length > 0) ctx.emit(results.build());
  }
}

const insertionIndex = (list: Session[], start: number): number => {
  let n = 0;
  while (n < list.length && list[n].start < start) n++;
  return n;
};
