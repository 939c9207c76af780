/**
 * Runs for the checkpoint properties: a plan with every operator that keeps state, and
 * random batches on two partitions with processing time passing in between.
 */
import fc from 'fast-check';
import {
  count,
  distinctCount,
  first,
  last,
  max,
  percentile,
  percentiles,
  sum,
} from '../../../src/engine/aggregators/index.js';
import type { KeyedProcessFunction } from '../../../src/engine/operators/process.js';
import { pipeline } from '../../../src/engine/plan/builder.js';
import type { Plan } from '../../../src/engine/plan/plan.js';
import { boundedOutOfOrderness } from '../../../src/engine/time/watermarks.js';
import { hopping, session, tumbling } from '../../../src/engine/windows/assigners.js';
import { PipelineTest } from '../../../src/testing/index.js';

/** A reading; `v: null` is a broken record that aggregations and the process function reject. */
export interface Reading {
  readonly key: string;
  readonly id: number;
  readonly v: number | null;
}

interface Inactivity {
  count: number;
  total: number;
  deadline: number;
}

/** Few keys, so that timers of different keys are often due at the same time. */
export const KEYS = ['a', 'b', 'c'];

/**
 * Reports a key once it has been quiet for 7 ms of event time (the deadline moves with
 * every reading, cancelling the previous timer), and sends a processing-time reminder
 * after every third reading.
 */
const inactivity: KeyedProcessFunction<string, Reading, unknown, Inactivity> = {
  onEvent(r, ctx) {
    if (r.v === null) throw new Error(`reading ${r.id} has no value`);
    const state = ctx.state.get() ?? { count: 0, total: 0, deadline: Number.NaN };
    if (!Number.isNaN(state.deadline)) ctx.timers.cancel(state.deadline);
    const deadline = ctx.timestamp + 7;
    const next = { count: state.count + 1, total: state.total + r.v, deadline };
    ctx.state.set(next);
    ctx.timers.atEventTime(deadline);
    if (next.count % 3 === 0) ctx.timers.atProcessingTime(ctx.now() + 5);
  },
  onTimer(time, ctx, domain) {
    const state = ctx.state.get();
    ctx.emit({ key: ctx.key, domain, time, count: state?.count ?? 0, total: state?.total ?? 0 });
    if (domain === 'event') ctx.state.clear();
  },
};

/**
 * Tumbling, hopping and session windows (sketches included), a process function, dedupe and
 * an interval join on one stream; with `idleness`, a partition silent for that long (processing time) stops holding
 * the watermark back.
 */
export const checkpointPlan = ({ maxOutOfOrderness, idleness }: Run): Plan => {
  const p = pipeline('checkpoint');
  const strategy = boundedOutOfOrderness(maxOutOfOrderness);
  const keyed = p
    .source<Reading>('readings', {
      watermark: idleness === undefined ? strategy : strategy.withIdleness(idleness),
    })
    .keyBy((r) => r.key);
  const value = (r: Reading) => r.v as number;
  const fixed = keyed.window(tumbling(10), { lateness: 5, name: 'tumbling' }).aggregate({
    count: count(),
    sum: sum(value),
    distinct: distinctCount((r: Reading) => (r.v ?? 0) % 4),
    // Precision 4 keeps one register per bucket after two distinct values: the dense form.
    distinctDense: distinctCount((r: Reading) => r.id, { precision: 4 }),
    spread: percentiles(value, [0.5, 0.9]),
  });
  fixed.sink('tumbling');
  fixed.late().sink('tumbling-late');
  keyed
    .window(hopping(12, 4), { lateness: 4, name: 'hopping' })
    .aggregate({ max: max(value), ids: distinctCount((r: Reading) => r.id) })
    .sink('hopping');
  keyed
    .window(session(4), { lateness: 3, name: 'sessions' })
    .aggregate({
      count: count(),
      first: first((r: Reading) => r.id),
      last: last((r: Reading) => r.id),
      p90: percentile(value, 0.9),
    })
    .sink('sessions');
  keyed.process(inactivity, { name: 'inactivity' }).sink('inactivity');
  keyed.dedupe(6, { by: (r) => r.v ?? 'none', name: 'once' }).sink('once');
  // The stream joined with itself: each reading meets those of its key up to 3 ms around it.
  keyed.intervalJoin(keyed, { lower: -3, upper: 3 }, (l, r) => [l.id, r.id], { name: 'pairs' }).sink('pairs');
  return p.build();
};

export const SINKS = ['tumbling', 'tumbling-late', 'hopping', 'sessions', 'inactivity', 'once', 'pairs'];

/** What a run is driven by: batches pushed to one of two partitions, and processing time passing. */
export type Step =
  | {
      readonly kind: 'push';
      readonly split: string;
      readonly records: { value: Reading; timestamp: number }[];
    }
  | { readonly kind: 'tick'; readonly ms: number };

export interface Run {
  readonly maxOutOfOrderness: number;
  readonly idleness?: number;
  readonly steps: Step[];
}

export const runs: fc.Arbitrary<Run> = fc
  .record({
    maxOutOfOrderness: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 12 })),
    // Ticks move processing time by up to 8 ms: idleness of a few ms turns splits idle often.
    idleness: fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }),
    origin: fc.integer({ min: -20, max: 20 }),
    events: fc.array(
      fc.record({
        key: fc.constantFrom(...KEYS),
        v: fc.oneof(
          { weight: 9, arbitrary: fc.integer({ min: -50, max: 50 }) },
          { weight: 1, arbitrary: fc.constant(null) },
        ),
        advance: fc.integer({ min: 0, max: 6 }),
        jitter: fc.integer({ min: -20, max: 4 }),
        cut: fc.nat({ max: 3 }).map((n) => n === 0),
        split: fc.constantFrom('p0', 'p1'),
        tick: fc.oneof(
          { weight: 3, arbitrary: fc.constant(0) },
          { weight: 1, arbitrary: fc.integer({ min: 1, max: 8 }) },
        ),
      }),
      { minLength: 1, maxLength: 40, size: 'max' },
    ),
  })
  .map(({ maxOutOfOrderness, idleness, origin, events }) => {
    const steps: Step[] = [];
    let clock = origin;
    let batch: Step & { kind: 'push' } = { kind: 'push', split: 'p0', records: [] };
    events.forEach((e, id) => {
      clock += e.advance;
      if (e.cut || id === 0) {
        if (e.tick > 0) steps.push({ kind: 'tick', ms: e.tick });
        batch = { kind: 'push', split: e.split, records: [] };
        steps.push(batch);
      }
      batch.records.push({ value: { key: e.key, id, v: e.v }, timestamp: clock + e.jitter });
    });
    // Far-future records on both partitions fire every window and event-time timer.
    for (const split of ['p0', 'p1']) {
      steps.push({
        kind: 'push',
        split,
        records: [{ value: { key: '~flush', id: -1, v: 0 }, timestamp: clock + 1_000 }],
      });
    }
    steps.push({ kind: 'tick', ms: 100 });
    return { maxOutOfOrderness, idleness, steps };
  });

export const apply = (t: PipelineTest, steps: readonly Step[]): void => {
  for (const step of steps) {
    if (step.kind === 'push') t.pushRecords('readings', step.records, { split: step.split });
    else t.advance(step.ms);
  }
};

/** Everything a run put out, per sink, plus its late records and dead letters. */
export const outputOf = (tests: PipelineTest[]) => ({
  sinks: Object.fromEntries(SINKS.map((sink) => [sink, tests.flatMap((t) => t.records(sink))])),
  late: tests.flatMap((t) => t.lateEvents),
  deadLetters: tests.flatMap((t) => t.deadLetters),
});

export const uninterrupted = (run: Run) => {
  const t = new PipelineTest(checkpointPlan(run));
  apply(t, run.steps);
  return outputOf([t]);
};

/** A run, and the batch boundary to stop it at. */
export const runsWithCut = runs.chain((run) =>
  fc.tuple(fc.constant(run), fc.integer({ min: 0, max: run.steps.length })),
);

/**
 * What a run puts out when it stops after `cut` steps and a fresh job at the same clock goes
 * on from there, once `carry` has restored it from the stopped one.
 */
export const interrupted = (
  run: Run,
  cut: number,
  carry: (stopped: PipelineTest, fresh: PipelineTest) => void,
) => {
  const plan = checkpointPlan(run);
  const before = new PipelineTest(plan);
  apply(before, run.steps.slice(0, cut));
  const after = new PipelineTest(plan, { now: before.clock.now() });
  carry(before, after);
  apply(after, run.steps.slice(cut));
  return outputOf([before, after]);
};
