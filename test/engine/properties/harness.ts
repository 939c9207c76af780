/**
 * Random out-of-order streams, and the engine run that the reference is compared with.
 */
import fc from 'fast-check';
import { count, first, last, max, min, sum } from '../../../src/engine/aggregators/index.js';
import { toRecords } from '../../../src/engine/batch.js';
import { compile } from '../../../src/engine/job/job.js';
import type { DeadLetter, JobOutput } from '../../../src/engine/operators/operator.js';
import { pipeline } from '../../../src/engine/plan/builder.js';
import { boundedOutOfOrderness } from '../../../src/engine/time/watermarks.js';
import { hopping, session, tumbling } from '../../../src/engine/windows/assigners.js';
import { ManualClock } from '../../../src/testing/index.js';
import type { Assigner, Emission, Event, Result, TimedEvent } from './reference.js';

/** The key of the record pushed last to move the watermark past every window; never compared. */
export const FLUSH_KEY = '~flush';

export interface Scenario {
  readonly assigner: Assigner;
  readonly maxOutOfOrderness: number;
  readonly lateness: number;
  /** The stream cut into batches; the last batch is the flush record. */
  readonly batches: TimedEvent[][];
}

interface RawEvent {
  key: string;
  v: number;
  /** How far the stream's clock moves on before this event. */
  advance: number;
  /** How far this event's time lies from the stream's clock (mostly behind it). */
  jitter: number;
  /** Whether this event starts a new batch. */
  cut: boolean;
}

/**
 * A stream whose time drifts forward with events scattered around it, so that some arrive
 * in order, some out of order but on time, and some late. `unit` scales the drift and the
 * scatter to the window size. Timestamps repeat often and go below zero.
 */
const stream = (unit: number): fc.Arbitrary<TimedEvent[][]> =>
  fc
    .record({
      // Fewer keys and longer batches crowd more records of one key into a batch.
      keys: fc.integer({ min: 1, max: 3 }),
      batchLength: fc.integer({ min: 1, max: 8 }),
      origin: fc.integer({ min: -3 * unit, max: 3 * unit }),
    })
    .chain(({ keys, batchLength, origin }) =>
      fc
        .array(
          fc.record<RawEvent>({
            key: fc.constantFrom(...['a', 'b', 'c'].slice(0, keys)),
            v: fc.integer({ min: -20, max: 20 }),
            advance: fc.integer({ min: 0, max: unit }),
            // Mostly near the clock; one in four a straggler from well behind it.
            jitter: fc.oneof(
              { weight: 3, arbitrary: fc.integer({ min: -unit, max: unit }) },
              { weight: 1, arbitrary: fc.integer({ min: -5 * unit, max: -unit }) },
            ),
            // About one event in `batchLength` starts a batch; shrinking cuts before every event.
            cut: fc.nat({ max: batchLength - 1 }).map((n) => n === 0),
          }),
          { minLength: 1, maxLength: 40, size: 'max' },
        )
        .map((events) => toBatches(origin, events)),
    );

const toBatches = (origin: number, events: RawEvent[]): TimedEvent[][] => {
  const batches: TimedEvent[][] = [];
  let clock = origin;
  events.forEach((raw, id) => {
    clock += raw.advance;
    const event = { value: { key: raw.key, id, v: raw.v }, timestamp: clock + raw.jitter };
    if (raw.cut || batches.length === 0) batches.push([event]);
    else batches[batches.length - 1].push(event);
  });
  // A record far ahead on a key of its own fires every window before it.
  const maxTs = Math.max(...batches.flat().map((e) => e.timestamp));
  batches.push([{ value: { key: FLUSH_KEY, id: events.length, v: 0 }, timestamp: maxTs + 1_000 }]);
  return batches;
};

/** Often 0 (monotonous), else up to a few window sizes. */
const outOfOrderness = (unit: number) => fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3 * unit }));

export type LatenessMode = 'none' | 'allowed';

const latenessFor = (mode: LatenessMode, unit: number) =>
  mode === 'none' ? fc.constant(0) : fc.integer({ min: 1, max: 3 * unit });

export const tumblingScenario = (mode: LatenessMode): fc.Arbitrary<Scenario> =>
  fc.integer({ min: 1, max: 20 }).chain((size) =>
    fc.record({
      assigner: fc
        .oneof(fc.constant(0), fc.integer({ min: 0, max: size - 1 }))
        .map((offset): Assigner => ({ kind: 'tumbling', size, offset })),
      maxOutOfOrderness: outOfOrderness(size),
      lateness: latenessFor(mode, size),
      batches: stream(size),
    }),
  );

export const hoppingScenario = (mode: LatenessMode): fc.Arbitrary<Scenario> =>
  fc
    .integer({ min: 1, max: 20 })
    .chain((size) => fc.tuple(fc.constant(size), fc.integer({ min: 1, max: size })))
    .chain(([size, slide]) =>
      fc.record({
        assigner: fc
          .oneof(fc.constant(0), fc.integer({ min: 0, max: slide - 1 }))
          .map((offset): Assigner => ({ kind: 'hopping', size, slide, offset })),
        maxOutOfOrderness: outOfOrderness(size),
        lateness: latenessFor(mode, size),
        batches: stream(size),
      }),
    );

/** Gaps are small next to the spread of the stream, so that sessions form, merge and bridge. */
export const sessionScenario = (mode: LatenessMode): fc.Arbitrary<Scenario> =>
  fc.integer({ min: 1, max: 12 }).chain((gap) =>
    fc.record({
      assigner: fc.constant<Assigner>({ kind: 'session', gap }),
      maxOutOfOrderness: outOfOrderness(gap),
      lateness: latenessFor(mode, gap),
      batches: stream(gap),
    }),
  );

export interface EngineRun {
  /** The window operator's watermark after each batch. */
  readonly watermarks: number[];
  /** Results emitted during each batch, with the window operator's watermark at that instant. */
  readonly emissions: (Emission & { key: unknown; watermark: number })[][];
  /** Everything emitted during each batch, in order: results (`+`) and retractions (`-`). */
  readonly changes: (Emission & { kind: '+' | '-' })[][];
  readonly late: TimedEvent[];
  readonly deadLetters: DeadLetter[];
}

const toAssigner = (assigner: Assigner) => {
  switch (assigner.kind) {
    case 'tumbling':
      return tumbling(assigner.size, { offset: assigner.offset });
    case 'hopping':
      return hopping(assigner.size, assigner.slide, { offset: assigner.offset });
    case 'session':
      return session(assigner.gap);
  }
};

/** Pushes the scenario's batches through a real job, recording everything it outputs. */
export const runEngine = (scenario: Scenario): EngineRun => {
  const plan = pipeline('properties')
    .source<Event>('events', { watermark: boundedOutOfOrderness(scenario.maxOutOfOrderness) })
    .keyBy((e) => e.key)
    .window(toAssigner(scenario.assigner), { lateness: scenario.lateness, name: 'windows' })
    .aggregate({
      count: count(),
      sum: sum((e: Event) => e.v),
      min: min((e: Event) => e.v),
      max: max((e: Event) => e.v),
      first: first((e: Event) => e.id),
      last: last((e: Event) => e.id),
    })
    .sink('results')
    .build();
  const job = compile(plan, { clock: new ManualClock(0) });
  const windowWatermark = () => job.stats().find((s) => s.id === 'windows')!.watermark;

  const run: EngineRun = { watermarks: [], emissions: [], changes: [], late: [], deadLetters: [] };
  let current: EngineRun['emissions'][number] = [];
  let changes: EngineRun['changes'][number] = [];
  const output: JobOutput = {
    sink: (_name, batch) => {
      const watermark = windowWatermark();
      for (const record of toRecords(batch)) {
        const value = record.value as Result;
        changes.push({ kind: record.retract ? '-' : '+', timestamp: record.timestamp, value });
        if (!record.retract) current.push({ timestamp: record.timestamp, value, key: record.key, watermark });
      }
    },
    deadLetter: (letter) => run.deadLetters.push(letter),
    late: (event) => run.late.push({ value: event.value as Event, timestamp: event.timestamp }),
  };
  for (const batch of scenario.batches) {
    current = [];
    changes = [];
    job.push(
      'events',
      { values: batch.map((e) => e.value), timestamps: batch.map((e) => e.timestamp) },
      output,
    );
    run.emissions.push(current);
    run.changes.push(changes);
    run.watermarks.push(windowWatermark());
  }
  return run;
};

/** `key|start|end`: identifies a window of a key. */
export const windowId = (r: { key: string; start: number; end: number }): string =>
  `${r.key}|${r.start}|${r.end}`;
