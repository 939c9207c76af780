import { TributaryError } from '../../errors.js';
import type { AggregateResults, AnyAggregator } from '../aggregators/aggregator.js';
import { combineAggregators } from '../aggregators/composite.js';
import type { Key } from '../batch.js';
import type { KeyedProcessFunction } from '../operators/process.js';
import { type Duration, toMillis } from '../time/duration.js';
import { monotonous, type WatermarkStrategy } from '../time/watermarks.js';
import type { WindowAssigner } from '../windows/assigners.js';
import type { TimeDomain, WindowResult } from '../windows/window-result.js';
import type { EventTime, NodeOptions, Pipeline } from './builder.js';
import type { PlanInput, PlanNodeDraft, PlanNodeSpec } from './plan.js';

// The handles a pipeline is built with. Types narrow as the chain goes on, as Flink's do:
// Stream → keyBy → KeyedStream → window → WindowedStream → aggregate → WindowOutput (a
// Stream again, with its late records). Each handle only adds nodes to its pipeline.

export interface WindowOptions<T> extends NodeOptions {
  /**
   * Event time of each record (re-assigned here, with a fresh watermark), or `'processing'`
   * for processing-time windows. Default: the event time already on the records.
   */
  time?: ((value: T) => EventTime) | 'processing';
  /** With `time` as a function: the watermark strategy. Default `monotonous()`. */
  watermark?: WatermarkStrategy;
  /** How long after a window fires late records still update it. Default 0. */
  lateness?: Duration;
}

/** A stream of records of type `T`. */
export class Stream<T> {
  constructor(
    /** @internal */ readonly pipeline: Pipeline,
    /** @internal */ readonly output: PlanInput,
  ) {}

  /** @internal */
  protected add(node: PlanNodeSpec, options?: NodeOptions, inputs: PlanInput[] = [this.output]) {
    return this.pipeline.graph.add({ ...node, inputs } as PlanNodeDraft, options);
  }

  /** @internal */
  protected next<R>(node: PlanNodeSpec, options?: NodeOptions): Stream<R> {
    return new Stream<R>(this.pipeline, { node: this.add(node, options), port: 0 });
  }

  map<R>(fn: (value: T) => R, options?: NodeOptions): Stream<R> {
    return this.next({ kind: 'map', fn }, options);
  }

  filter<S extends T>(predicate: (value: T) => value is S, options?: NodeOptions): Stream<S>;
  filter(predicate: (value: T) => boolean, options?: NodeOptions): Stream<T>;
  filter(predicate: (value: T) => boolean, options?: NodeOptions): Stream<T> {
    return this.next({ kind: 'filter', fn: predicate }, options);
  }

  flatMap<R>(fn: (value: T) => Iterable<R>, options?: NodeOptions): Stream<R> {
    return this.next({ kind: 'flatMap', fn }, options);
  }

  /**
   * Dead-letters records that `check` rejects: it returns a reason (string) or `false`
   * for a bad record, anything else for a good one.
   */
  validate<S extends T = T>(
    check: (value: T) => string | boolean | null | undefined,
    options?: NodeOptions,
  ): Stream<S> {
    return this.next({ kind: 'validate', fn: check }, options);
  }

  /** Re-assigns event time and starts a new watermark from it. */
  withEventTime(
    time: (value: T) => EventTime,
    watermark: WatermarkStrategy = monotonous(),
    options?: NodeOptions,
  ): Stream<T> {
    return this.next({ kind: 'eventTime', fn: time, watermark }, options);
  }

  /**
   * Partitions the stream by key: state and windows are per key from here on. With
   * `partitioned: true` the source topics are declared partitioned by this key already (it
   * is their records' key, placed by Kafka's partitioner): each partition then runs as its
   * own task, in parallel, and a record whose key belongs to another partition is
   * dead-lettered rather than counted in the wrong place.
   */
  keyBy<K extends Key>(
    selector: (value: T) => K,
    options?: NodeOptions & { partitioned?: boolean },
  ): KeyedStream<K, T> {
    const { partitioned, ...rest } = options ?? {};
    return new KeyedStream<K, T>(this.pipeline, {
      node: this.add(
        partitioned ? { kind: 'keyBy', fn: selector, partitioned: true } : { kind: 'keyBy', fn: selector },
        rest,
      ),
      port: 0,
    });
  }

  /** Merges streams; the watermark follows the slowest of them. */
  union<U>(...others: Stream<U>[]): Stream<T | U> {
    for (const other of others) {
      if (other.pipeline !== this.pipeline) {
        throw new TributaryError(
          'TRB_INVALID_PLAN',
          'union: streams of different pipelines cannot be merged',
        );
      }
    }
    const inputs = [this.output, ...others.map((o) => o.output)];
    return new Stream(this.pipeline, { node: this.add({ kind: 'union' }, undefined, inputs), port: 0 });
  }

  /**
   * Splits the stream: each record goes to the first branch whose predicate holds, or to
   * `otherwise`.
   */
  branch<N extends string>(
    predicates: Record<N, (value: T) => boolean>,
    options?: NodeOptions,
  ): Record<N | 'otherwise', Stream<T>> {
    const names = Object.keys(predicates) as N[];
    if (names.includes('otherwise' as N)) {
      throw new TributaryError(
        'TRB_INVALID_PLAN',
        'branch: "otherwise" is the branch for unmatched records; name yours differently',
      );
    }
    const fns = names.map((n) => predicates[n]);
    const id = this.add({ kind: 'branch', branches: names, predicates: fns }, options);
    const out = {} as Record<N | 'otherwise', Stream<T>>;
    names.forEach((n, port) => {
      out[n] = new Stream<T>(this.pipeline, { node: id, port });
    });
    out.otherwise = new Stream<T>(this.pipeline, { node: id, port: names.length });
    return out;
  }

  /** Drops records whose key (by `by`) passed less than `within` earlier or later. */
  dedupe(within: Duration, options: NodeOptions & { by: (value: T) => Key; time?: TimeDomain }): Stream<T> {
    return this.next(
      { kind: 'dedupe', within: dedupeHorizon(within), time: options.time ?? 'event', fn: options.by },
      options,
    );
  }

  /** Ends the stream in the sink called `name` and returns the pipeline, to add more or build. */
  sink(name: string, options: NodeOptions & { config?: Record<string, unknown> } = {}): Pipeline {
    this.add(
      { kind: 'sink', sink: name, config: options.config },
      { ...options, name: options.name ?? this.sinkId(name) },
    );
    return this.pipeline;
  }

  private sinkId(name: string): string {
    const ids = this.pipeline.graph.ids;
    let id = `sink:${name}`;
    for (let n = 2; ids.has(id); n++) id = `sink:${name}#${n}`;
    return id;
  }
}

/** A stream partitioned by key: state, windows and joins are per key. */
export class KeyedStream<K extends Key, T> extends Stream<T> {
  window(assigner: WindowAssigner, options: WindowOptions<T> = {}): WindowedStream<K, T> {
    let input = this.output;
    if (typeof options.time === 'function') {
      const id = this.add({
        kind: 'eventTime',
        fn: options.time,
        watermark: options.watermark ?? monotonous(),
      });
      input = { node: id, port: 0 };
    }
    return new WindowedStream<K, T>(this.pipeline, input, assigner, {
      time: options.time === 'processing' ? 'processing' : 'event',
      lateness: toMillis(options.lateness ?? 0, 'window.lateness'),
      name: options.name,
      describe: options.describe,
    });
  }

  /** Runs a keyed function with state and timers; its output stays keyed by the same key. */
  process<R, S = unknown>(fn: KeyedProcessFunction<K, T, R, S>, options?: NodeOptions): KeyedStream<K, R> {
    const id = this.add(
      { kind: 'process', fn: fn as KeyedProcessFunction<Key, unknown, unknown, unknown> },
      options,
    );
    return new KeyedStream<K, R>(this.pipeline, { node: id, port: 0 });
  }

  /** Drops records whose key passed less than `within` earlier or later. */
  override dedupe(
    within: Duration,
    options: NodeOptions & { by?: (value: T) => Key; time?: TimeDomain } = {},
  ): KeyedStream<K, T> {
    const node = {
      kind: 'dedupe' as const,
      within: dedupeHorizon(within),
      time: options.time ?? 'event',
      fn: options.by,
    };
    return new KeyedStream<K, T>(this.pipeline, { node: this.add(node, options), port: 0 });
  }

  /**
   * Joins with another keyed stream: each pair with equal keys where
   * `left.t + lower <= right.t <= left.t + upper`. `lower` may be negative (`"-5s"`).
   */
  intervalJoin<U, R>(
    other: KeyedStream<K, U>,
    bounds: { lower: Duration; upper: Duration },
    join: (left: T, right: U, key: K) => R,
    options?: NodeOptions,
  ): Stream<R> {
    const lower = signedMillis(bounds.lower, 'intervalJoin.lower');
    const upper = signedMillis(bounds.upper, 'intervalJoin.upper');
    if (lower > upper) {
      throw new TributaryError(
        'TRB_INVALID_PLAN',
        `intervalJoin: lower (${lower}ms) is above upper (${upper}ms); swap them`,
      );
    }
    const node = {
      kind: 'intervalJoin' as const,
      lower,
      upper,
      fn: join as (l: unknown, r: unknown, k: Key) => unknown,
    };
    const id = this.add(node, options, [this.output, other.output]);
    return new Stream<R>(this.pipeline, { node: id, port: 0 });
  }
}

/** A keyed stream cut into windows, waiting for its aggregation. */
export class WindowedStream<K extends Key, T> {
  constructor(
    private readonly pipeline: Pipeline,
    private readonly input: PlanInput,
    private readonly assigner: WindowAssigner,
    private readonly settings: { time: TimeDomain; lateness: number; name?: string; describe?: string },
  ) {}

  /**
   * One result per key and window: `{ key, start, end, ...one field per aggregator }`.
   *
   * @example
   * .aggregate({ clicks: count(), spend: sum((c) => c.price) })
   */
  aggregate<A extends Record<string, AnyAggregator<T>>>(
    aggregators: A,
  ): WindowOutput<WindowResult<K, AggregateResults<A>>, T> {
    const { time, lateness, name, describe } = this.settings;
    const node = {
      kind: 'window' as const,
      inputs: [this.input],
      assigner: this.assigner,
      time,
      lateness,
      aggregation: combineAggregators(aggregators),
    };
    const id = this.pipeline.graph.add(node, { name, describe });
    return new WindowOutput(this.pipeline, { node: id, port: 0 });
  }

  /** Folds each window's records with `fn`; the result is `{ key, start, end, value }`. */
  reduce(fn: (a: T, b: T) => T): WindowOutput<WindowResult<K, { value: T }>, T> {
    return this.aggregate({
      value: {
        kind: 'reduce',
        init: () => EMPTY,
        add: (acc: unknown, value: T) => (acc === EMPTY ? value : fn(acc as T, value)),
        merge: (a: unknown, b: unknown) => (a === EMPTY ? b : b === EMPTY ? a : fn(a as T, b as T)),
        result: (acc: unknown) => acc as T,
      },
    }) as WindowOutput<WindowResult<K, { value: T }>, T>;
  }
}

/** `null` never reaches a reducer's accumulator otherwise; it marks "no record yet" and survives JSON. */
const EMPTY = null;

/** The results of a window, with access to the records that arrived too late for it. */
export class WindowOutput<R, T> extends Stream<R> {
  /** Records that arrived after their windows closed (past allowed lateness). */
  late(): Stream<T> {
    return new Stream<T>(this.pipeline, { node: this.output.node, port: 1 });
  }
}

const dedupeHorizon = (within: Duration): number => {
  const ms = toMillis(within, 'dedupe.within');
  if (ms <= 0) throw new TributaryError('TRB_INVALID_DURATION', 'dedupe.within: must be above 0, e.g. "10m"');
  return ms;
};

const signedMillis = (duration: Duration, field: string): number =>
  typeof duration === 'string' && duration.trim().startsWith('-')
    ? -toMillis(duration.trim().slice(1), field)
    : typeof duration === 'number' && duration < 0
      ? -toMillis(-duration, field)
      : toMillis(duration, field);
