import { type Batch, BatchBuilder, type Key } from '../batch.js';
import { TributaryError } from '../errors.js';
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

interface SavedProcess {
  state: [Key, unknown][];
  timers: [domain: TimerDomain, key: Key, time: number][];
}

/** Registered timers of one domain: a heap for order, a per-key set for de-duplication and cancel. */
class KeyedTimers {
  readonly queue = new TimerQueue<Key>();
  readonly registered = new Map<Key, Set<number>>();

  add(key: Key, time: number): void {
    let times = this.registered.get(key);
    if (!times) this.registered.set(key, (times = new Set()));
    if (times.has(time)) return;
    times.add(time);
    this.queue.push(time, key);
  }

  cancel(key: Key, time: number): void {
    this.registered.get(key)?.delete(time);
  }

  /** Takes the next live timer due at or before `time`. */
  take(time: number): { time: number; payload: Key } | undefined {
    for (let due = this.queue.popDue(time); due; due = this.queue.popDue(time)) {
      const times = this.registered.get(due.payload);
      if (!times?.delete(due.time)) continue; // cancelled
      if (times.size === 0) this.registered.delete(due.payload);
      return due;
    }
    return undefined;
  }

  /** Live timers in firing order, so that a restore re-registers them in the same order. */
  live(): [Key, number][] {
    const out: [Key, number][] = [];
    const taken = new Set<string>();
    for (const { time, payload: key } of this.queue.entries()) {
      if (!this.registered.get(key)?.has(time)) continue; // cancelled
      const id = `${typeof key}:${key}:${time}`;
      if (taken.has(id)) continue; // cancelled and registered again: one timer
      taken.add(id);
      out.push([key, time]);
    }
    return out;
  }

  clear(): void {
    this.queue.clear();
    this.registered.clear();
  }
}

export class ProcessOperator implements Operator {
  private readonly state = new Map<Key, unknown>();
  private readonly timers = { event: new KeyedTimers(), processing: new KeyedTimers() };
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
        },
        clear: () => {
          this.state.delete(this.context.key);
        },
      },
      emit: (value, timestamp) => this.out.add(value, timestamp ?? this.context.timestamp, this.context.key),
      timers: {
        atEventTime: (time) => this.timers.event.add(this.context.key, checkTime(time)),
        atProcessingTime: (time) => this.timers.processing.add(this.context.key, checkTime(time)),
        cancel: (time, domain = 'event') => this.timers[domain].cancel(this.context.key, time),
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

  snapshot(): SavedProcess {
    const timers: SavedProcess['timers'] = [];
    for (const domain of ['event', 'processing'] as const) {
      for (const [key, time] of this.timers[domain].live()) timers.push([domain, key, time]);
    }
    return { state: [...this.state], timers };
  }

  restore(saved: unknown): void {
    const { state, timers } = saved as SavedProcess;
    this.state.clear();
    for (const [key, value] of state) this.state.set(key, value);
    this.timers.event.clear();
    this.timers.processing.clear();
    for (const [domain, key, time] of timers) this.timers[domain].add(key, time);
  }

  private fire(domain: TimerDomain, time: number, ctx: OperatorContext): void {
    if (!this.fn.onTimer) return;
    this.begin(ctx);
    const context = this.context;
    for (let due = this.timers[domain].take(time); due; due = this.timers[domain].take(time)) {
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
