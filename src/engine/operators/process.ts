import { TributaryError } from '../../errors.js';
import { type Batch, BatchBuilder, type Key } from '../batch.js';
import { ChangedKeys, type KeyedStateAccess, type StateEntry } from '../state/keyed-state.js';
import { TimerQueue } from '../state/timer-queue.js';
import type { Operator, OperatorContext } from './operator.js';

export type TimerDomain = 'event' | 'processing';

/** What a keyed process function sees for the current record or timer. */
export interface ProcessContext<K extends Key, R, S> {
  readonly key: K;
  /** Event time of the current record, or the time of the firing timer. */
  readonly timestamp: number;
  /** The operator's current watermark. */
  readonly watermark: number;
  /** Processing time. */
  now(): number;
  /** This key's state: JSON-safe, so that it goes into checkpoints. */
  readonly state: { get(): S | undefined; set(value: S): void; clear(): void };
  /** Emits a result, by default at the current record's (or timer's) time. */
  emit(value: R, timestamp?: number): void;
  readonly timers: {
    /** Calls `onTimer` once the watermark reaches `time`. Registering a time twice fires it once. */
    atEventTime(time: number): void;
    /** Calls `onTimer` once processing time reaches `time`. */
    atProcessingTime(time: number): void;
    cancel(time: number, domain?: TimerDomain): void;
  };
}

/**
 * A keyed function with state and timers, for logic that windows do not express
 * (patterns, timeouts, custom triggers).
 *
 * @example
 * logins.keyBy((e) => e.ip).process<Alert, { failures: number }>({
 *   onEvent(e, ctx) {
 *     const failures = (ctx.state.get()?.failures ?? 0) + (e.success ? 0 : 1);
 *     ctx.state.set({ failures });
 *     if (failures === 5) ctx.emit({ ip: ctx.key, failures });
 *     ctx.timers.atEventTime(ctx.timestamp + 60_000);
 *   },
 *   onTimer(_time, ctx) { ctx.state.clear(); },
 * });
 */
export interface KeyedProcessFunction<K extends Key, T, R, S> {
  onEvent(value: T, ctx: ProcessContext<K, R, S>): void;
  onTimer?(time: number, ctx: ProcessContext<K, R, S>, domain: TimerDomain): void;
}

/** A key's entry in checkpoints: its state, and its timers as `[domain, time, seq]`. */
export interface SavedKey {
  s?: unknown;
  t?: [domain: TimerDomain, time: number, seq: number][];
}

export interface ProcessMeta {
  /** The next timer sequence number per domain: equal times fire in registration order. */
  seq: { event: number; processing: number };
}

/**
 * Registered timers of one domain: a heap for firing order, and per key the times
 * registered with the sequence number of their registration, for de-duplication, cancel,
 * and telling a live timer from one cancelled and registered again.
 */
class KeyedTimers {
  readonly queue = new TimerQueue<Key>();
  readonly registered = new Map<Key, Map<number, number>>();

  /** Registers a timer unless the key has one at that time; `seq` restores a saved one. */
  add(key: Key, time: number, seq?: number): void {
    let times = this.registered.get(key);
    if (!times) this.registered.set(key, (times = new Map()));
    if (times.has(time)) return;
    times.set(time, this.queue.push(time, key, seq));
  }

  cancel(key: Key, time: number): void {
    const times = this.registered.get(key);
    if (!times?.delete(time)) return;
    if (times.size === 0) this.registered.delete(key);
  }

  /** Takes the next live timer due at or before `time`. */
  take(time: number): { time: number; payload: Key } | undefined {
    for (let due = this.queue.popDue(time); due; due = this.queue.popDue(time)) {
      const times = this.registered.get(due.payload);
      if (times?.get(due.time) !== due.seq) continue; // cancelled, or cancelled and registered again
      times.delete(due.time);
      if (times.size === 0) this.registered.delete(due.payload);
      return due;
    }
    return undefined;
  }

  /** A key's live timers as `[time, seq]`. */
  of(key: Key): [number, number][] {
    const times = this.registered.get(key);
    return times ? [...times] : [];
  }

  /** Forgets the timers of keys `include` selects. */
  drop(include: (key: Key) => boolean): void {
    for (const key of this.registered.keys()) if (include(key)) this.registered.delete(key);
    this.queue.removeWhere(include);
  }
}

export class ProcessOperator implements Operator {
  private readonly state = new Map<Key, unknown>();
  private readonly timers = { event: new KeyedTimers(), processing: new KeyedTimers() };
  private readonly changed = new ChangedKeys({
    keys: () =>
      new Set([
        ...this.state.keys(),
        ...this.timers.event.registered.keys(),
        ...this.timers.processing.registered.keys(),
      ]),
    save: (key) => this.save(key),
    load: (entries) => this.load(entries),
    drop: (include) => this.drop(include),
  });
  readonly keyed: KeyedStateAccess = this.changed;
  private out!: BatchBuilder<unknown>;
  /** One context object, re-pointed at each record: no allocation per record. */
  private readonly context: ProcessContext<Key, unknown, unknown> & {
    key: Key;
    timestamp: number;
    watermark: number;
  };
  private ctx!: OperatorContext;

  constructor(private readonly fn: KeyedProcessFunction<Key, unknown, unknown, unknown>) {
    this.context = {
      key: '',
      timestamp: 0,
      watermark: Number.NEGATIVE_INFINITY,
      now: () => this.ctx.clock.now(),
      state: {
        get: () => this.state.get(this.context.key),
        set: (value) => {
          if (value === undefined) this.state.delete(this.context.key);
          else this.state.set(this.context.key, value);
          this.changed.mark(this.context.key);
        },
        clear: () => {
          this.state.delete(this.context.key);
          this.changed.mark(this.context.key);
        },
      },
      emit: (value, timestamp) => this.out.add(value, timestamp ?? this.context.timestamp, this.context.key),
      timers: {
        atEventTime: (time) => this.addTimer('event', this.context.key, checkTime(time)),
        atProcessingTime: (time) => this.addTimer('processing', this.context.key, checkTime(time)),
        cancel: (time, domain = 'event') => {
          this.timers[domain].cancel(this.context.key, time);
          this.changed.mark(this.context.key);
        },
      },
    };
  }

  process(batch: Batch<unknown>, _input: number, ctx: OperatorContext): void {
    this.begin(ctx);
    const { values, timestamps, keys } = batch;
    const context = this.context;
    for (let i = 0; i < values.length; i++) {
      context.key = keys![i];
      context.timestamp = timestamps[i];
      try {
        this.fn.onEvent(values[i], context);
      } catch (error) {
        ctx.deadLetter(batch, i, error);
      }
    }
    this.finish(ctx);
  }

  onWatermark(watermark: number, ctx: OperatorContext): void {
    this.fire('event', watermark, ctx);
  }

  onProcessingTime(now: number, ctx: OperatorContext): void {
    this.fire('processing', now, ctx);
  }

  saveMeta(): ProcessMeta {
    return {
      seq: { event: this.timers.event.queue.sequence, processing: this.timers.processing.queue.sequence },
    };
  }

  loadMeta(meta: unknown): void {
    const { seq } = meta as ProcessMeta;
    this.timers.event.queue.sequence = seq.event;
    this.timers.processing.queue.sequence = seq.processing;
  }

  // Keyed state: one entry per key holding its state and its timers.

  private load(entries: readonly StateEntry[]): void {
    for (const [key, , saved] of entries) {
      const { s: state, t: timers } = saved as SavedKey;
      if (state === undefined) this.state.delete(key);
      else this.state.set(key, state);
      for (const [domain, time, seq] of timers ?? []) this.timers[domain].add(key, time, seq);
    }
  }

  private drop(include: (key: Key) => boolean): void {
    for (const key of this.state.keys()) if (include(key)) this.state.delete(key);
    this.timers.event.drop(include);
    this.timers.processing.drop(include);
  }

  /** A key's entry, or undefined when it holds neither state nor timers. */
  private save(key: Key): SavedKey | undefined {
    const saved: SavedKey = {};
    const state = this.state.get(key);
    if (state !== undefined) saved.s = state;
    const timers: NonNullable<SavedKey['t']> = [];
    for (const domain of ['event', 'processing'] as const) {
      for (const [time, seq] of this.timers[domain].of(key)) timers.push([domain, time, seq]);
    }
    if (timers.length > 0) saved.t = timers;
    return saved.s === undefined && saved.t === undefined ? undefined : saved;
  }

  private addTimer(domain: TimerDomain, key: Key, time: number): void {
    this.timers[domain].add(key, time);
    this.changed.mark(key);
  }

  private fire(domain: TimerDomain, time: number, ctx: OperatorContext): void {
    if (!this.fn.onTimer) return;
    // At the end of input (+Infinity) a timer that sets the next one as it fires would go on
    // for ever: fire what timers set only up to the latest timer pending at the end.
    const until = time === Number.POSITIVE_INFINITY ? this.timers[domain].queue.latestTime() : time;
    this.begin(ctx);
    const context = this.context;
    for (let due = this.timers[domain].take(until); due; due = this.timers[domain].take(until)) {
      this.changed.mark(due.payload);
      context.key = due.payload;
      context.timestamp = due.time;
      try {
        this.fn.onTimer(due.time, context, domain);
      } catch (error) {
        const timer = { values: [{ timer: due.time, domain }], timestamps: [due.time], keys: [due.payload] };
        ctx.deadLetter(timer, 0, error);
      }
    }
    this.finish(ctx);
  }

  private begin(ctx: OperatorContext): void {
    this.ctx = ctx;
    this.out = new BatchBuilder(true, false);
    this.context.watermark = ctx.watermark;
  }

  private finish(ctx: OperatorContext): void {
    if (this.out.length > 0) ctx.emit(this.out.build());
  }
}

const checkTime = (time: number): number => {
  if (Number.isFinite(time)) return time;
  throw new TributaryError(
    'TRB_USER_FUNCTION',
    `process: a timer time must be a finite number of ms, got ${time}`,
  );
};
