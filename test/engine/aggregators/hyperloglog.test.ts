import { describe, expect, it } from 'vitest';
import { HyperLogLog, hash32 } from '../../../src/engine/aggregators/hyperloglog.js';
import { type Aggregator, distinctCount } from '../../../src/engine/index.js';

/** Standard error of HyperLogLog with 2^precision registers. */
const standardError = (precision: number) => 1.04 / Math.sqrt(2 ** precision);

/** Feeds values through the aggregator as a window would: `input` (hashing) first, then `add`. */
const fold = <T, A>(agg: Aggregator<T, A, number>, values: Iterable<T>, acc = agg.init()): A => {
  for (const value of values) acc = agg.add(acc, agg.input!(value), 0);
  return acc;
};

const users = function* (from: number, to: number) {
  for (let i = from; i < to; i++) yield `user-${i}`;
};

/** Through JSON and back, as a checkpoint stores it. */
const roundTrip = <A>(agg: Aggregator<string, A, number>, acc: A): A =>
  agg.load!(JSON.parse(JSON.stringify(agg.save!(acc))));

describe('distinctCount', () => {
  it('is exact below 256 distinct values, however often each repeats', () => {
    const distinct = distinctCount<string>();
    for (const n of [0, 1, 10, 100, 255]) {
      const values = [...users(0, n), ...users(0, n), ...users(0, n)];
      expect(distinct.result(fold(distinct, values))).toBe(n);
    }
  });

  it.each([1_000, 100_000])('is within 3 standard errors at %i distinct values', (n) => {
    const distinct = distinctCount<string>();
    const estimate = distinct.result(fold(distinct, users(0, n)));
    expect(Math.abs(estimate - n) / n).toBeLessThan(3 * standardError(12));
  });

  it('a higher precision gives a smaller error', () => {
    const fine = distinctCount<string>(undefined, { precision: 16 });
    const n = 100_000;
    const estimate = fine.result(fold(fine, users(0, n)));
    expect(Math.abs(estimate - n) / n).toBeLessThan(3 * standardError(16));
  });

  it('tells values of different types apart, and compares objects by content', () => {
    const distinct = distinctCount<unknown>();
    expect(distinct.result(fold(distinct, [1, '1', true, 'true', null, 'null']))).toBe(6);
    expect(distinct.result(fold(distinct, [{ page: '/a' }, { page: '/a' }, { page: '/b' }]))).toBe(2);
  });

  it('counts a field when given one', () => {
    const pages = distinctCount<{ page: string }, string>((v) => v.page);
    const acc = fold(pages, [{ page: '/' }, { page: '/cart' }, { page: '/' }]);
    expect(pages.result(acc)).toBe(2);
  });

  it('rejects a precision outside 4..16', () => {
    expect(() => distinctCount(undefined, { precision: 20 })).toThrow(
      'distinct precision must be an integer from 4 to 16, got 20',
    );
  });
});

describe('merging distinct counts', () => {
  const distinct = distinctCount<string>();

  it('small sets merge exactly: the union, not the sum', () => {
    const merged = distinct.merge(fold(distinct, users(0, 100)), fold(distinct, users(50, 150)));
    expect(distinct.result(merged)).toBe(150);
  });

  it.each([
    ['small into large', [0, 100], [0, 20_000]],
    ['large into small', [0, 20_000], [19_900, 20_100]],
    ['large into large', [0, 60_000], [30_000, 90_000]],
  ])('%s: within 3 standard errors of the union', (_case, [a0, a1], [b0, b1]) => {
    const merged = distinct.merge(fold(distinct, users(a0, a1)), fold(distinct, users(b0, b1)));
    const union = Math.max(a1, b1) - Math.min(a0, b0);
    expect(Math.abs(distinct.result(merged) - union) / union).toBeLessThan(3 * standardError(12));
  });

  it('merging is the same as counting everything in one accumulator, once dense', () => {
    const merged = distinct.merge(fold(distinct, users(0, 5_000)), fold(distinct, users(5_000, 12_000)));
    expect(distinct.result(merged)).toBe(distinct.result(fold(distinct, users(0, 12_000))));
  });
});

describe('saving distinct counts', () => {
  const distinct = distinctCount<string>();

  it('a small (sparse) set survives a JSON round trip and goes on counting', () => {
    const restored = roundTrip(distinct, fold(distinct, users(0, 200)));
    expect(distinct.result(restored)).toBe(200);
    expect(distinct.result(fold(distinct, users(150, 250), restored))).toBe(250);
  });

  it('a large (dense) set survives a JSON round trip exactly', () => {
    const acc = fold(distinct, users(0, 50_000));
    const restored = roundTrip(distinct, acc);
    expect(distinct.result(restored)).toBe(distinct.result(acc));
    expect(distinct.result(fold(distinct, users(50_000, 60_000), restored))).toBe(
      distinct.result(fold(distinct, users(50_000, 60_000), acc)),
    );
  });
});

describe('HyperLogLog representation', () => {
  it('stays sparse up to registers / 16 hashes, then turns into registers', () => {
    const hll = new HyperLogLog(12);
    const state = hll.create();
    for (let i = 0; i < 256; i++) hll.add(state, hash32(i));
    expect(state.sparse?.size).toBe(256);
    hll.add(state, hash32(256));
    expect(state.sparse).toBeNull();
    expect(state.dense).toHaveLength(4_096);
  });

  it('hash32 is a stable unsigned 32-bit hash', () => {
    expect(hash32('user-1')).toBe(hash32('user-1'));
    expect(hash32('user-1')).not.toBe(hash32('user-2'));
    for (const value of ['', 'a', 0, -1, 1e300, { a: [1] }]) {
      const h = hash32(value);
      expect(Number.isInteger(h) && h >= 0 && h < 2 ** 32).toBe(true);
    }
  });
});
