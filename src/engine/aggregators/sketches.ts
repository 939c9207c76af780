import { DDSketch } from '@datadog/sketches-js';
import { type Aggregator, finiteNumber } from './aggregator.js';
import { HyperLogLog, type HyperLogLogState, hash32 } from './hyperloglog.js';

/**
 * Approximate number of distinct values (HyperLogLog; ≈1.6 % standard error at the
 * default precision 12, exact below 256 distinct values).
 */
export const distinctCount = <T, V = T>(
  field?: (value: T) => V,
  options: { precision?: number } = {},
): Aggregator<T, HyperLogLogState, number> => {
  const hll = new HyperLogLog(options.precision);
  return {
    kind: 'distinctCount',
    input: (value: T) => hash32(field ? field(value) : value),
    init: () => hll.create(),
    add: (acc, hash: number) => hll.add(acc, hash),
    merge: (a, b) => hll.merge(a, b),
    result: (acc) => hll.estimate(acc),
    save: (acc) => hll.save(acc),
    load: (data) => hll.load(data),
  };
};

/** `0.5 → "p50"`, `0.999 → "p99_9"`: result field names for quantiles. */
export const quantileName = (q: number): string =>
  `p${String(Math.round(q * 100_000) / 1000).replace('.', '_')}`;

/**
 * Approximate quantiles of a numeric field (DDSketch: every answer is within
 * `relativeAccuracy` of a true value, 1 % by default). The result maps `p50`, `p99`, … to values.
 */
export const percentiles = <T = number>(
  field: ((value: T) => number) | undefined,
  quantiles: readonly number[] = [0.5, 0.9, 0.99],
  options: { relativeAccuracy?: number } = {},
): Aggregator<T, DDSketch, Record<string, number | null>> => {
  for (const q of quantiles) {
    if (!(q >= 0 && q <= 1)) throw new RangeError(`percentiles: quantile ${q} is not between 0 and 1`);
  }
  const relativeAccuracy = options.relativeAccuracy ?? 0.01;
  const names = quantiles.map(quantileName);
  return {
    kind: 'percentiles',
    input: (value: T) => finiteNumber(field ? field(value) : value, 'percentiles'),
    init: () => new DDSketch({ relativeAccuracy }),
    add: (acc, x: number) => {
      acc.accept(x);
      return acc;
    },
    merge: (a, b) => {
      // DDSketch.merge leaves out b's negative values unless a is empty: merge them here.
      if (a.count > 0 && b.count > 0) a.negativeStore.merge(b.negativeStore);
      a.merge(b);
      return a;
    },
    result: (acc) => {
      const out: Record<string, number | null> = {};
      for (let i = 0; i < quantiles.length; i++) {
        out[names[i]] = acc.count === 0 ? null : acc.getValueAtQuantile(quantiles[i]);
      }
      return out;
    },
    save: (acc) => Buffer.from(acc.toProto()).toString('base64'),
    load: (data) => {
      // fromProto rebuilds the mapping from gamma, off in the last bits; copy the bins into a
      // fresh sketch instead, so that a restored sketch answers exactly as one never saved.
      const sketch = new DDSketch({ relativeAccuracy });
      sketch.merge(DDSketch.fromProto(new Uint8Array(Buffer.from(String(data), 'base64'))));
      return sketch;
    },
  };
};

/** One approximate quantile of a numeric field, e.g. `percentile((r) => r.latency, 0.99)`. */
export const percentile = <T = number>(
  field: ((value: T) => number) | undefined,
  quantile: number,
  options: { relativeAccuracy?: number } = {},
): Aggregator<T, DDSketch, number | null> => {
  const inner = percentiles(field, [quantile], options);
  const name = quantileName(quantile);
  return { ...inner, kind: 'percentile', result: (acc) => inner.result(acc)[name] };
};
