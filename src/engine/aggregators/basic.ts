import { type Aggregator, finiteNumber } from './aggregator.js';

type Field<T> = (value: T) => unknown;

/** The number of records. */
export const count = (): Aggregator<unknown, number, number> => ({
  kind: 'count',
  init: () => 0,
  add: (acc) => acc + 1,
  merge: (a, b) => a + b,
  result: (acc) => acc,
});

const numeric =
  <T>(kind: string, field: Field<T> | undefined) =>
  (value: T) =>
    finiteNumber(field ? field(value) : value, kind);

/** The sum of a numeric field (or of the values themselves). */
export const sum = <T = number>(field?: (value: T) => number): Aggregator<T, number, number> => ({
  kind: 'sum',
  input: numeric('sum', field),
  init: () => 0,
  add: (acc, x: number) => acc + x,
  merge: (a, b) => a + b,
  result: (acc) => acc,
});

/** The mean of a numeric field. Accumulates `[sum, count]`. */
export const avg = <T = number>(field?: (value: T) => number): Aggregator<T, [number, number], number> => ({
  kind: 'avg',
  input: numeric('avg', field),
  init: () => [0, 0],
  add: (acc, x: number) => {
    acc[0] += x;
    acc[1] += 1;
    return acc;
  },
  merge: (a, b) => [a[0] + b[0], a[1] + b[1]],
  result: (acc) => (acc[1] === 0 ? Number.NaN : acc[0] / acc[1]),
});

/** The smallest value of a numeric field; `null` for no records. */
export const min = <T = number>(
  field?: (value: T) => number,
): Aggregator<T, number | null, number | null> => ({
  kind: 'min',
  input: numeric('min', field),
  init: () => null,
  add: (acc, x: number) => (acc === null || x < acc ? x : acc),
  merge: (a, b) => (a === null ? b : b === null ? a : Math.min(a, b)),
  result: (acc) => acc,
});

/** The largest value of a numeric field; `null` for no records. */
export const max = <T = number>(
  field?: (value: T) => number,
): Aggregator<T, number | null, number | null> => ({
  kind: 'max',
  input: numeric('max', field),
  init: () => null,
  add: (acc, x: number) => (acc === null || x > acc ? x : acc),
  merge: (a, b) => (a === null ? b : b === null ? a : Math.max(a, b)),
  result: (acc) => acc,
});

/** A value and the event time it carried. */
type Stamped<V> = { value: V; timestamp: number } | null;

/**
 * The value with the earliest event time (the first to arrive among equals), so that the
 * result does not depend on arrival order.
 */
export const first = <T, V = T>(field?: (value: T) => V): Aggregator<T, Stamped<V>, V | null> => ({
  kind: 'first',
  input: field,
  init: () => null,
  add: (acc, value: V, timestamp) => (acc === null || timestamp < acc.timestamp ? { value, timestamp } : acc),
  merge: (a, b) => (a === null ? b : b === null ? a : b.timestamp < a.timestamp ? b : a),
  result: (acc) => (acc === null ? null : acc.value),
});

/** The value with the latest event time (the last to arrive among equals). */
export const last = <T, V = T>(field?: (value: T) => V): Aggregator<T, Stamped<V>, V | null> => ({
  kind: 'last',
  input: field,
  init: () => null,
  add: (acc, value: V, timestamp) =>
    acc === null || timestamp >= acc.timestamp ? { value, timestamp } : acc,
  merge: (a, b) => (a === null ? b : b === null ? a : b.timestamp >= a.timestamp ? b : a),
  result: (acc) => (acc === null ? null : acc.value),
});

/** A user-defined aggregator; a plain object literal with the same shape works too. */
export const aggregator = <T, A, R>(definition: Omit<Aggregator<T, A, R>, 'kind'> & { kind?: string }) =>
  ({ kind: 'custom', ...definition }) as Aggregator<T, A, R>;
