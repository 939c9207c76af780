/**
 * Checkpoints: a job stopped at any batch boundary, its snapshot stored as JSON and
 * restored into a fresh job, must go on exactly as if it had never stopped: same results,
 * in the same order, same late records and same dead letters.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PipelineTest } from '../../../src/testing/index.js';
import {
  apply,
  checkpointPlan,
  interrupted,
  outputOf,
  runs,
  runsWithCut,
  uninterrupted,
} from './checkpoint-runs.js';

const NUM_RUNS = 150;

describe('checkpoints', () => {
  it('a job restored from a snapshot at any batch boundary continues exactly as one never stopped', () => {
    fc.assert(
      fc.property(runsWithCut, ([run, cut]) => {
        // PipelineTest.snapshot() stores the checkpoint as JSON and reads it back.
        const output = interrupted(run, cut, (stopped, fresh) => fresh.restore(stopped.snapshot()));
        expect(output).toEqual(uninterrupted(run));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('restarting from a checkpoint after every step changes nothing either', () => {
    fc.assert(
      fc.property(runs, (run) => {
        const t = new PipelineTest(checkpointPlan(run));
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
    // Guards the generator: without late records, dead letters, timers, idle splits and dense sketches,
    // the properties above would pass vacuously.
    const runsSampled = fc.sample(runs, { numRuns: 100, seed: 1 });
    const sample = runsSampled.map(uninterrupted);
    // Idleness must change what some runs put out, or a checkpoint could drop it unnoticed.
    expect(
      runsSampled.some(
        (run) =>
          run.idleness !== undefined &&
          JSON.stringify(uninterrupted(run)) !==
            JSON.stringify(uninterrupted({ ...run, idleness: undefined })),
      ),
    ).toBe(true);
    expect(sample.some((o) => o.late.length > 0)).toBe(true);
    expect(sample.some((o) => o.deadLetters.length > 0)).toBe(true);
    expect(sample.some((o) => o.sinks.pairs.length > 0 && o.sinks.once.length > 0)).toBe(true);
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
