/**
 * Runs a query's pipeline over generated events, as a source would hand them over: in
 * batches, with their event times, then the end of the input (the final watermark, which
 * closes every window and fires every timer).
 */
import { compile, type JobOutput, type Plan } from '../../src/index.js';
import type { GeneratedEvents } from './generator.js';
import { SOURCE } from './query.js';

/** The input cut into batches once, so that runs time the engine alone. */
export interface InputBatches {
  readonly values: unknown[][];
  readonly timestamps: number[][];
}

export const toInputBatches = (input: GeneratedEvents, batchSize: number): InputBatches => {
  const values: unknown[][] = [];
  const timestamps: number[][] = [];
  for (let from = 0; from < input.events.length; from += batchSize) {
    values.push(input.events.slice(from, from + batchSize));
    timestamps.push(input.timestamps.slice(from, from + batchSize));
  }
  return { values, timestamps };
};

/** Runs `plan` over every batch; each sink batch goes to `sink`. Throws on a dead letter or a late record: the generator's watermark bound makes none. */
export const runQuery = (plan: Plan, batches: InputBatches, sink: (values: unknown[]) => void): void => {
  const output: JobOutput = {
    sink: (_name, batch) => sink(batch.values),
    deadLetter: (letter) => {
      throw new Error(`${plan.name}: unexpected dead letter: ${letter.error.message}`);
    },
    late: () => {
      throw new Error(`${plan.name}: unexpected late record`);
    },
  };
  const job = compile(plan);
  for (let b = 0; b < batches.values.length; b++) {
    job.push(SOURCE, { values: batches.values[b], timestamps: batches.timestamps[b] }, output);
  }
  job.endOfInput(output);
};

/** Every result of `plan` over the input. */
export const collectResults = (plan: Plan, batches: InputBatches): unknown[] => {
  const results: unknown[] = [];
  runQuery(plan, batches, (values) => {
    for (const value of values) results.push(value);
  });
  return results;
};

/** Results compared as a multiset: each as canonical JSON, sorted. */
export const canonical = (results: readonly unknown[]): string[] =>
  results.map((r) => JSON.stringify(r)).sort();
