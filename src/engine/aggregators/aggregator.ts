import { TributaryError } from '../../errors.js';

/**
 * An aggregation as a value: `{ init, add, merge, result }`. Windows keep one accumulator
 * per key and window; session windows `merge` accumulators when sessions meet.
 *
 * `add` and `merge` may update the accumulator in place but must return it; callers always
 * use the returned value. `input` picks the aggregated field out of a record and validates
 * it *before* any accumulator changes, so a bad record is dead-lettered without leaving a
 * half-updated result behind. Accumulators must be JSON-safe, or the aggregator supplies
 * `save`/`load` to make them so for checkpoints.
 */
export interface Aggregator<T, A, R> {
  readonly kind: string;
  input?(value: T): unknown;
  init(): A;
  add(acc: A, input: any, timestamp: number): A;
  merge(a: A, b: A): A;
  result(acc: A): R;
  save?(acc: A): unknown;
  load?(data: unknown): A;
}

export type AnyAggregator<T = any> = Aggregator<T, any, any>;

/** What `.aggregate({ ... })` produces for each named aggregator. */
export type AggregateResults<A extends Record<string, AnyAggregator>> = {
  [K in keyof A]: A[K] extends Aggregator<any, any, infer R> ? R : never;
};

/** Reads a number for sum/avg/min/max/percentile, rejecting what would poison the result. */
export const finiteNumber = (value: unknown, aggregator: string): number => {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  throw new TributaryError(
    'TRB_BAD_RECORD',
    `${aggregator}: the aggregated field is ${describeValue(value)}, not a finite number`,
  );
};

const describeValue = (value: unknown): string => {
  if (typeof value === 'number') return String(value);
  if (value === undefined) return 'missing';
  try {
    const text = JSON.stringify(value);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
  } catch {
    return typeof value;
  }
};
