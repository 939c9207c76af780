/**
 * A partition moving between tasks: the keys it holds leave one job (`dropKeys`) and enter
 * another of the same plan with their entries (`entries(include)` → `loadEntries`). Key by
 * key, the two jobs together put out what one job holding every key does.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Key, StreamRecord } from '../../../src/engine/batch.js';
import { compile, type Job } from '../../../src/engine/job/job.js';
import type { StateEntry } from '../../../src/engine/state/keyed-state.js';
import { ManualClock, MemorySink } from '../../../src/testing/index.js';
import { KEYED_SINKS, keyedPlan, type Reading, readingFields } from '../state/keyed-plan.js';

const KEYS = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5'];
/**
 * Every job gets one record of this key per batch, at the batch's latest time: so each job
 * sees the same watermark, whatever keys it holds. Never moves, never compared.
 */
const CLOCK = '~clock';

type Batch = { value: Reading; timestamp: number }[];

const runs = fc
  .record({
    bound: fc.integer({ min: 0, max: 8 }),
    // Which job holds each key at first (true: the second), and which keys of the first move.
    second: fc.array(fc.boolean(), { minLength: KEYS.length, maxLength: KEYS.length }),
    moves: fc.array(fc.boolean(), { minLength: KEYS.length, maxLength: KEYS.length }),
    events: fc.array(fc.record(readingFields(KEYS)), { minLength: 1, maxLength: 60 }),
  })
  .chain((run) => {
    const batches: Batch[] = [];
    let time = 0;
    run.events.forEach((e, i) => {
      time += e.advance;
      if (e.cut || i === 0) batches.push([]);
      batches[batches.length - 1].push({ value: { key: e.key, v: e.v }, timestamp: time + e.jitter });
    });
    // Fires what is left.
    batches.push([{ value: { key: KEYS[0], v: 0 }, timestamp: time + 1_000 }]);
    return fc.record({
      bound: fc.constant(run.bound),
      second: fc.constant(new Set(KEYS.filter((_, k) => run.second[k]))),
      moving: fc.constant(new Set(KEYS.filter((_, k) => !run.second[k] && run.moves[k]))),
      batches: fc.constant(batches),
      // The partition moves before this batch.
      at: fc.integer({ min: 0, max: batches.length - 1 }),
    });
  });

/** Pushes the records of `batch` that `holds` selects, and the clock record. */
const push = (job: Job, batch: Batch, holds: (key: Key) => boolean, output: MemorySink): void => {
  const records = batch.filter((r) => holds(r.value.key));
  const latest = Math.max(...batch.map((r) => r.timestamp));
  records.push({ value: { key: CLOCK, v: 0 }, timestamp: latest });
  job.push(
    'readings',
    { values: records.map((r) => r.value), timestamps: records.map((r) => r.timestamp) },
    output,
  );
};

/** A key's part of what `outputs` put out, in order: per sink, then its late records. */
const ofKey = (key: Key, ...outputs: MemorySink[]) => ({
  sinks: Object.fromEntries(
    KEYED_SINKS.map((sink) => [
      sink,
      outputs.flatMap((o) => o.records(sink).filter((r: StreamRecord<unknown>) => r.key === key)),
    ]),
  ),
  late: outputs.flatMap((o) =>
    o.lateEvents.filter((e) => e.key === key).map(({ value, timestamp }) => ({ value, timestamp })),
  ),
});

describe('keys moving between jobs', () => {
  it('two jobs that hand keys over put out, key by key, what one job holding every key does', () => {
    let moved = 0;
    fc.assert(
      fc.property(runs, ({ bound, second, moving, batches, at }) => {
        const everything = new MemorySink();
        const one = compile(keyedPlan(bound), { clock: new ManualClock(0) });
        for (const batch of batches) push(one, batch, () => true, everything);

        const outputs = [new MemorySink(), new MemorySink()];
        const jobs = [0, 1].map(() => compile(keyedPlan(bound), { clock: new ManualClock(0) }));
        const holders = [(key: Key) => !second.has(key as string), (key: Key) => second.has(key as string)];
        batches.forEach((batch, i) => {
          if (i === at) {
            const leaving = (key: Key) => moving.has(key as string);
            const entries: Map<string, StateEntry[]> = jobs[0].entries(leaving);
            // As a checkpoint would carry them: JSON.
            jobs[1].loadEntries(new Map(JSON.parse(JSON.stringify([...entries]))));
            jobs[0].dropKeys(leaving);
            holders[0] = (key) => !second.has(key as string) && !leaving(key);
            holders[1] = (key) => second.has(key as string) || leaving(key);
            moved += moving.size;
          }
          jobs.forEach((job, j) => {
            push(job, batch, holders[j], outputs[j]);
          });
        });
        for (const key of KEYS) {
          expect(ofKey(key, ...outputs), key).toEqual(ofKey(key, everything));
        }
      }),
      { numRuns: 200 },
    );
    expect(moved).toBeGreaterThan(0);
  });
});
