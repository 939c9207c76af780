import { describe, expect, it } from 'vitest';
import { quantileName } from '../../../src/engine/aggregators/sketches.js';
import { type Aggregator, percentile, percentiles } from '../../../src/engine/index.js';

const fold = <A, R>(agg: Aggregator<number, A, R>, values: readonly number[], acc = agg.init()): A => {
  for (const value of values) acc = agg.add(acc, agg.input!(value), 0);
  return acc;
};

/** 10,000 response times shaped like an exponential distribution with a mean of 100 ms. */
const latencies = Array.from({ length: 10_000 }, (_, i) => -100 * Math.log(1 - (i + 0.5) / 10_000));

/**
 * Whether `estimate` is within `accuracy` of a true `q`-quantile of sorted `values`: the
 * quantile's rank falls between two values, and either is a right answer.
 */
const withinRelativeAccuracy = (estimate: number, values: readonly number[], q: number, accuracy: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = q * (sorted.length - 1);
  const [low, high] = [sorted[Math.floor(rank)], sorted[Math.ceil(rank)]];
  return estimate >= low - accuracy * Math.abs(low) && estimate <= high + accuracy * Math.abs(high);
};

describe('percentiles', () => {
  it('answers each quantile within the relative accuracy (1 % by default)', () => {
    const quantiles = [0, 0.5, 0.9, 0.99, 0.999, 1];
    const p = percentiles(undefined, quantiles);
    const result = p.result(fold(p, latencies));
    expect(Object.keys(result)).toEqual(['p0', 'p50', 'p90', 'p99', 'p99_9', 'p100']);
    for (const q of quantiles) {
      expect(withinRelativeAccuracy(result[quantileName(q)]!, latencies, q, 0.01), `p${q}`).toBe(true);
    }
  });

  it('a coarser accuracy still holds its promise', () => {
    const p = percentiles(undefined, [0.5, 0.99], { relativeAccuracy: 0.05 });
    const { p50, p99 } = p.result(fold(p, latencies));
    expect(withinRelativeAccuracy(p50!, latencies, 0.5, 0.05)).toBe(true);
    expect(withinRelativeAccuracy(p99!, latencies, 0.99, 0.05)).toBe(true);
  });

  it('handles negative values and zeros', () => {
    const temperatures = [-12.5, -3, 0, 0, 4, 18, 21.5];
    const p = percentiles(undefined, [0, 0.5, 1]);
    const { p0, p50, p100 } = p.result(fold(p, temperatures));
    expect(p0).toBeCloseTo(-12.5, 0);
    expect(p50).toBe(0);
    expect(p100).toBeCloseTo(21.5, 0);
  });

  it('reads a field, and gives null for every quantile of no records', () => {
    const p = percentiles<{ ms: number }>((r) => r.ms, [0.5, 0.99]);
    expect(p.result(p.init())).toEqual({ p50: null, p99: null });
    let acc = p.init();
    acc = p.add(acc, p.input!({ ms: 42 }), 0);
    expect(p.result(acc).p50).toBeCloseTo(42, 0);
  });

  it('percentile gives one quantile as a number', () => {
    const p99 = percentile(undefined, 0.99);
    expect(p99.kind).toBe('percentile');
    expect(withinRelativeAccuracy(p99.result(fold(p99, latencies))!, latencies, 0.99, 0.01)).toBe(true);
    expect(p99.result(p99.init())).toBeNull();
  });

  it('rejects a quantile outside [0, 1] and a field that is not a finite number', () => {
    expect(() => percentiles(undefined, [0.5, 1.5])).toThrow(
      'percentiles: quantile 1.5 is not between 0 and 1',
    );
    expect(() => percentile(undefined, Number.NaN)).toThrow(
      'percentiles: quantile NaN is not between 0 and 1',
    );
    expect(() => percentiles(undefined).input!('fast' as unknown as number)).toThrow(
      'percentiles: the aggregated field is "fast", not a finite number',
    );
  });

  it.each([
    [0, 'p0'],
    [0.05, 'p5'],
    [0.5, 'p50'],
    [0.95, 'p95'],
    [0.999, 'p99_9'],
    [0.9999, 'p99_99'],
    [1, 'p100'],
  ])('names quantile %d %s', (q, name) => {
    expect(quantileName(q)).toBe(name);
  });
});

describe('merging percentiles', () => {
  const p = percentiles(undefined, [0, 0.25, 0.5, 0.75, 1]);

  it('merged sketches answer as one sketch of all the values would', () => {
    const all = p.result(fold(p, latencies));
    const merged = p.merge(fold(p, latencies.slice(0, 3_000)), fold(p, latencies.slice(3_000)));
    expect(p.result(merged)).toEqual(all);
  });

  it('negative values of both sides survive a merge', () => {
    const left = [-30, -20, -10];
    const right = [-25, -15, -5];
    const merged = p.merge(fold(p, left), fold(p, right));
    expect(p.result(merged)).toEqual(p.result(fold(p, [...left, ...right])));
  });

  it('merging into an empty sketch, or an empty one in, changes nothing', () => {
    const some = p.result(fold(p, [1, 2, 3]));
    expect(p.result(p.merge(p.init(), fold(p, [1, 2, 3])))).toEqual(some);
    expect(p.result(p.merge(fold(p, [1, 2, 3]), p.init()))).toEqual(some);
  });
});

describe('saving percentiles', () => {
  const p = percentiles(undefined, [0.5, 0.9, 0.99]);
  const roundTrip = <A>(agg: Aggregator<number, A, unknown>, acc: A): A =>
    agg.load!(JSON.parse(JSON.stringify(agg.save!(acc))));

  it('a sketch survives a JSON round trip with exactly the same answers', () => {
    const acc = fold(p, latencies);
    expect(p.result(roundTrip(p, acc))).toEqual(p.result(acc));
  });

  it('a restored sketch goes on exactly as one that never stopped', () => {
    const uninterrupted = fold(p, latencies);
    const restored = fold(p, latencies.slice(5_000), roundTrip(p, fold(p, latencies.slice(0, 5_000))));
    expect(p.result(restored)).toEqual(p.result(uninterrupted));
  });

  it('negative values and an empty sketch survive too', () => {
    const temperatures = fold(p, [-5, -1, 0, 3]);
    expect(p.result(roundTrip(p, temperatures))).toEqual(p.result(temperatures));
    expect(p.result(roundTrip(p, p.init()))).toEqual({ p50: null, p90: null, p99: null });
  });
});
