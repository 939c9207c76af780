/**
 * Checkpoints: a job stopped at any batch boundary, its snapshot stored as JSON and
 * restored into a fresh job, must go on exactly as if it had never stopped: same results,
 * in the same order, same late records and same dead letters.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
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

const NUM_RUNS = 150;

/** A reading; `v: null` is a broken record that aggregations and the process function reject. */
interface Reading {
  readonly key: string;
  readonly id: number;
  readonly v: number | null;
}

interface Inactivity {
  count: number;
  total: number;
  deadline: number;
}

/**
 * Timer times of different keys never coincide: key number `k` of `KEYS` only uses times
 * `≡ k (mod 3)`. A restored process operator fires timers due at the same time in another
 * order than the original (a separate bug, shown in known-bugs.test.ts); this property is
 * about what the checkpoint holds, so it keeps clear of that.
 */
const KEYS = ['a', 'b', 'c'];
const timerTime = (key: string, atLeast: number) => {
  const k = KEYS.indexOf(key);
  return atLeast + ((((k - atLeast) % 3) + 3) % 3);
};

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
    const deadline = timerTime(ctx.key, ctx.timestamp + 7);
    const next = { count: state.count + 1, total: state.total + r.v, deadline };
    ctx.state.set(next);
    ctx.timers.atEventTime(deadline);
    if (next.count % 3 === 0) ctx.timers.atProcessingTime(timerTime(ctx.key, ctx.now() + 5));
  },
  onTimer(time, ctx, domain) {
    const state = ctx.state.get();
    ctx.emit({ key: ctx.key, domain, time, count: state?.count ?? 0, total: state?.total ?? 0 });
    if (domain === 'event') ctx.state.clear();
  },
};

/** Tumbling, hopping and session windows (sketches included) and a process function on one stream. */
const checkpointPlan = (maxOutOfOrderness: number): Plan => {
  const p = pipeline('checkpoint');
  const keyed = p
    .source<Reading>('readings', { watermark: boundedOutOfOrderness(maxOutOfOrderness) })
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
  return p.build();
};

const SINKS = ['tumbling', 'tumbling-late', 'hopping', 'sessions', 'inactivity'];

/** What a run is driven by: batches pushed to one of two partitions, and processing time passing. */
type Step =
  | {
      readonly kind: 'push';
      readonly split: string;
      readonly records: { value: Reading; timestamp: number }[];
    }
  | { readonly kind: 'tick'; readonly ms: number };

interface Run {
  readonly maxOutOfOrderness: number;
  readonly steps: Step[];
}

const runs: fc.Arbitrary<Run> = fc
  .record({
    maxOutOfOrderness: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 12 })),
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
  .map(({ maxOutOfOrderness, origin, events }) => {
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
    return { maxOutOfOrderness, steps };
  });

const apply = (t: PipelineTest, steps: readonly Step[]): void => {
  for (const step of steps) {
    if (step.kind === 'push') t.pushRecords('readings', step.records, { split: step.split });
    else t.advance(step.ms);
  }
};

/** Everything a run put out, per sink, plus its late records and dead letters. */
const outputOf = (tests: PipelineTest[]) => ({
  sinks: Object.fromEntries(SINKS.map((sink) => [sink, tests.flatMap((t) => t.records(sink))])),
  late: tests.flatMap((t) => t.lateEvents),
  deadLetters: tests.flatMap((t) => t.deadLetters),
});

const uninterrupted = (run: Run) => {
  const t = new PipelineTest(checkpointPlan(run.maxOutOfOrderness));
  apply(t, run.steps);
  return outputOf([t]);
};

describe('checkpoints', () => {
  it('a job restored from a snapshot at any batch boundary continues exactly as one never stopped', () => {
    const withCut = runs.chain((run) =>
      fc.tuple(fc.constant(run), fc.integer({ min: 0, max: run.steps.length })),
    );
    fc.assert(
      fc.property(withCut, ([run, cut]) => {
        const plan = checkpointPlan(run.maxOutOfOrderness);
        const before = new PipelineTest(plan);
        apply(before, run.steps.slice(0, cut));
        // PipelineTest.snapshot() stores the checkpoint as JSON and reads it back.
        const snapshot = before.snapshot();
        const after = new PipelineTest(plan, { now: before.clock.now() }).restore(snapshot);
        apply(after, run.steps.slice(cut));
        expect(outputOf([before, after])).toEqual(uninterrupted(run));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('restarting from a checkpoint after every step changes nothing either', () => {
    fc.assert(
      fc.property(runs, (run) => {
        const t = new PipelineTest(checkpointPlan(run.maxOutOfOrderness));
        for (const step of run.steps) {
          apply(t, [step]);
          t.restore(t.snapshot());
        }
        expect(outputOf([t])).toEqual(uninterrupted(run));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('the runs exercise what checkpoints must carry', () => {
    // Guards the generator: without late records, dead letters, timers and dense sketches,
    // the properties above would pass vacuously.
    const sample = fc.sample(runs, { numRuns: 100, seed: 1 }).map(uninterrupted);
    expect(sample.some((o) => o.late.length > 0)).toBe(true);
    expect(sample.some((o) => o.deadLetters.length > 0)).toBe(true);
    expect(
      sample.some((o) =>
        o.sinks.inactivity.some((r) => (r.value as { domain: string }).domain === 'processing'),
      ),
    ).toBe(true);
    expect(
      sample.some((o) =>
        o.sinks.tumbling.some((r) => (r.value as { distinctDense: number }).distinctDense > 2),
      ),
    ).toBe(true);
  });
});
