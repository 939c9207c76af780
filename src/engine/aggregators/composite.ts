import { TributaryError } from '../../errors.js';
import type { Aggregator, AnyAggregator } from './aggregator.js';

/** Fields every window result carries; aggregations may not take these names. */
export const RESERVED_RESULT_FIELDS = ['key', 'start', 'end'] as const;

/**
 * The aggregators of `.aggregate({ clicks: count(), spend: sum(...) })` run as one: an
 * accumulator array with one slot per name, and a result object with one field per name.
 * With one aggregator the inner accumulator is used as it is, so a plain count costs no
 * array per window.
 */
export interface NamedAggregation {
  readonly names: readonly string[];
  readonly aggregator: Aggregator<unknown, unknown, Record<string, unknown>>;
}

export const combineAggregators = (named: Record<string, AnyAggregator>): NamedAggregation => {
  const names = Object.keys(named);
  if (names.length === 0) {
    throw new TributaryError(
      'TRB_INVALID_PLAN',
      'aggregate: give at least one aggregator, e.g. { count: count() }',
    );
  }
  for (const name of names) {
    if ((RESERVED_RESULT_FIELDS as readonly string[]).includes(name)) {
      throw new TributaryError(
        'TRB_RESERVED_FIELD',
        `aggregate: "${name}" is a field of every window result (key, start, end); name the aggregation differently, e.g. "${name}Value"`,
      );
    }
  }
  const parts = names.map((name) => named[name]);
  return { names, aggregator: parts.length === 1 ? single(names[0], parts[0]) : many(names, parts) };
};

const single = (name: string, agg: AnyAggregator): Aggregator<unknown, unknown, Record<string, unknown>> => ({
  kind: agg.kind,
  // Bound rather than wrapped: the hot loop then calls the user's function directly.
  input: agg.input?.bind(agg),
  init: agg.init.bind(agg),
  add: agg.add.bind(agg),
  merge: agg.merge.bind(agg),
  result: (acc) => ({ [name]: agg.result(acc) }),
  save: agg.save?.bind(agg),
  load: agg.load?.bind(agg),
});

const many = (
  names: string[],
  parts: AnyAggregator[],
): Aggregator<unknown, unknown[], Record<string, unknown>> => {
  const n = parts.length;
  return {
    kind: 'composite',
    // Every field is read (and validated) before any accumulator changes.
    input: (value) => {
      const inputs = new Array(n);
      for (let i = 0; i < n; i++) inputs[i] = parts[i].input ? parts[i].input!(value) : value;
      return inputs;
    },
    init: () => parts.map((p) => p.init()),
    add: (acc, inputs: unknown[], timestamp) => {
      for (let i = 0; i < n; i++) acc[i] = parts[i].add(acc[i], inputs[i], timestamp);
      return acc;
    },
    merge: (a, b) => {
      for (let i = 0; i < n; i++) a[i] = parts[i].merge(a[i], b[i]);
      return a;
    },
    result: (acc) => {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) out[names[i]] = parts[i].result(acc[i]);
      return out;
    },
    save: (acc) => acc.map((a, i) => (parts[i].save ? parts[i].save!(a) : a)),
    load: (data) => (data as unknown[]).map((d, i) => (parts[i].load ? parts[i].load!(d) : d)),
  };
};
