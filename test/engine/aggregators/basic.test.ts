import { describe, expect, it } from 'vitest';
import {
  type Aggregator,
  aggregator,
  avg,
  count,
  first,
  last,
  max,
  min,
  pipeline,
  session,
  sum,
  tumbling,
} from '../../../src/engine/index.js';
import { PipelineTest } from '../../../src/testing/index.js';

/** Runs records `[value, event time]` through an aggregator as a window would, field reading included. */
const fold = <T, A, R>(agg: Aggregator<T, A, R>, records: [T, number][], acc = agg.init()): A => {
  for (const [value, timestamp] of records)
    acc = agg.add(acc, agg.input ? agg.input(value) : value, timestamp);
  return acc;
};

const result = <T, A, R>(agg: Aggregator<T, A, R>, records: [T, number][]): R =>
  agg.result(fold(agg, records));

/** The result of folding `left` and `right` apart and merging, as session windows do. */
const merged = <T, A, R>(agg: Aggregator<T, A, R>, left: [T, number][], right: [T, number][]): R =>
  agg.result(agg.merge(fold(agg, left), fold(agg, right)));

const at = <T>(...values: T[]): [T, number][] => values.map((v, i) => [v, i]);

interface Trade {
  price: number;
  size: number;
}

const trade = (price: number, size = 1): Trade => ({ price, size });

describe('count', () => {
  it('counts records, and merges by adding', () => {
    expect(result(count(), at('a', 'b', 'c'))).toBe(3);
    expect(result(count(), [])).toBe(0);
    expect(merged(count(), at('a'), at('b', 'c'))).toBe(3);
  });
});

describe('sum, avg, min, max', () => {
  const trades = at(trade(10, 2), trade(30, 1), trade(20, 5));

  it('read a numeric field', () => {
    expect(
      result(
        sum<Trade>((t) => t.size),
        trades,
      ),
    ).toBe(8);
    expect(
      result(
        avg<Trade>((t) => t.price),
        trades,
      ),
    ).toBe(20);
    expect(
      result(
        min<Trade>((t) => t.price),
        trades,
      ),
    ).toBe(10);
    expect(
      result(
        max<Trade>((t) => t.price),
        trades,
      ),
    ).toBe(30);
  });

  it('without a field, aggregate the values themselves', () => {
    expect(result(sum(), at(1, 2, 3.5))).toBe(6.5);
    expect(result(avg(), at(-1, 1))).toBe(0);
    expect(result(min(), at(3, -7, 2))).toBe(-7);
    expect(result(max(), at(3, -7, 2))).toBe(3);
  });

  it('give a neutral answer for no records: 0, NaN, null, null', () => {
    expect(result(sum(), [])).toBe(0);
    expect(result(avg(), [])).toBeNaN();
    expect(result(min(), [])).toBeNull();
    expect(result(max(), [])).toBeNull();
  });

  it('merge partial results into the result of all records', () => {
    const left = at(4, 8);
    const right = at(1, 2, 100);
    expect(merged(sum(), left, right)).toBe(115);
    expect(merged(avg(), left, right)).toBe(23);
    expect(merged(min(), left, right)).toBe(1);
    expect(merged(max(), left, right)).toBe(100);
    expect(merged(min(), [], right)).toBe(1);
    expect(merged(max(), left, [])).toBe(8);
  });

  it.each([
    ['a string', 'abc', 'sum: the aggregated field is "abc", not a finite number'],
    ['missing', undefined, 'sum: the aggregated field is missing, not a finite number'],
    ['NaN', Number.NaN, 'sum: the aggregated field is NaN, not a finite number'],
    ['Infinity', Number.POSITIVE_INFINITY, 'sum: the aggregated field is Infinity, not a finite number'],
    ['an object', { price: 1 }, 'sum: the aggregated field is {"price":1}, not a finite number'],
  ])('reject a field that is %s before it reaches the accumulator', (_what, value, message) => {
    expect(() => sum().input!(value as number)).toThrow(
      expect.objectContaining({ code: 'TRB_BAD_RECORD', message }),
    );
  });

  it('name themselves in the rejection', () => {
    expect(() => avg().input!(Number.NaN)).toThrow('avg: the aggregated field is NaN');
    expect(() => min<Trade>((t) => t.price).input!({} as Trade)).toThrow(
      'min: the aggregated field is missing',
    );
    expect(() => max().input!('9' as unknown as number)).toThrow('max: the aggregated field is "9"');
  });
});

describe('first and last', () => {
  it('follow event time, not arrival order', () => {
    const arrivals: [string, number][] = [
      ['second', 2_000],
      ['third', 3_000],
      ['first', 1_000],
    ];
    expect(result(first(), arrivals)).toBe('first');
    expect(result(last(), arrivals)).toBe('third');
  });

  it('break ties by arrival: first keeps the earlier arrival, last the later one', () => {
    const ties: [string, number][] = [
      ['a', 1_000],
      ['b', 1_000],
    ];
    expect(result(first(), ties)).toBe('a');
    expect(result(last(), ties)).toBe('b');
  });

  it('read a field, and give null for no records', () => {
    expect(
      result(
        first<Trade, number>((t) => t.price),
        [[trade(7), 5]],
      ),
    ).toBe(7);
    expect(result(first(), [])).toBeNull();
    expect(result(last(), [])).toBeNull();
  });

  it('merge by event time', () => {
    const early: [string, number][] = [['early', 1_000]];
    const late: [string, number][] = [['late', 9_000]];
    expect(merged(first(), late, early)).toBe('early');
    expect(merged(last(), late, early)).toBe('late');
    expect(merged(first(), [['left', 5]], [['right', 5]])).toBe('left');
    expect(merged(last(), [['left', 5]], [['right', 5]])).toBe('right');
  });
});

describe('user-defined aggregators', () => {
  /** The range of prices: max - min. */
  const priceRange = aggregator<Trade, { lo: number; hi: number } | null, number>({
    input: (t) => t.price,
    init: () => null,
    add: (acc, price: number) =>
      acc ? { lo: Math.min(acc.lo, price), hi: Math.max(acc.hi, price) } : { lo: price, hi: price },
    merge: (a, b) => (a && b ? { lo: Math.min(a.lo, b.lo), hi: Math.max(a.hi, b.hi) } : (a ?? b)),
    result: (acc) => (acc ? acc.hi - acc.lo : 0),
  });

  it('aggregator() gives a definition the custom kind', () => {
    expect(priceRange.kind).toBe('custom');
    expect(
      aggregator({ kind: 'range', init: () => 0, add: (a) => a, merge: (a) => a, result: (a) => a }).kind,
    ).toBe('range');
  });

  // event time   0s        10s
  // ACME          x(10) x(14) x(12) |       range 14 - 10 = 4
  it('run in windows like the built-in ones', () => {
    const t = new PipelineTest(
      pipeline('ranges')
        .source<Trade & { symbol: string; ts: number }>('trades', { time: (t) => t.ts })
        .keyBy((t) => t.symbol)
        .window(tumbling('10s'))
        .aggregate({ range: priceRange, trades: count() })
        .sink('ranges'),
    );
    t.push('trades', [
      { symbol: 'ACME', price: 10, size: 1, ts: 1_000 },
      { symbol: 'ACME', price: 14, size: 1, ts: 2_000 },
      { symbol: 'ACME', price: 12, size: 1, ts: 3_000 },
    ]);
    t.push('trades', [{ symbol: 'ACME', price: 0, size: 1, ts: 10_000 }]);
    expect(t.values('ranges')).toEqual([{ key: 'ACME', start: 0, end: 10_000, range: 4, trades: 3 }]);
  });

  // event time   0s  1s      4s      7s         20s
  // ACME             x(10)   x(30)   x(20)                    sessions merge as records arrive
  // session          [1s ........................ 12s)        range 30 - 10 = 20
  it('a plain object literal works too, and merges in session windows', () => {
    const spread: Aggregator<Trade, number[], number> = {
      kind: 'spread',
      init: () => [],
      add: (acc, t: Trade) => [...acc, t.price],
      merge: (a, b) => [...a, ...b],
      result: (acc) => Math.max(...acc) - Math.min(...acc),
    };
    const t = new PipelineTest(
      pipeline('spreads')
        .source<Trade & { ts: number }>('trades', { time: (t) => t.ts })
        .keyBy(() => 'ACME')
        .window(session('5s'))
        .aggregate({ spread })
        .sink('spreads'),
    );
    t.push('trades', [
      { price: 10, size: 1, ts: 1_000 },
      { price: 30, size: 1, ts: 4_000 },
      { price: 20, size: 1, ts: 7_000 },
    ]);
    t.push('trades', [{ price: 0, size: 1, ts: 20_000 }]);
    expect(t.values('spreads')).toEqual([{ key: 'ACME', start: 1_000, end: 12_000, spread: 20 }]);
  });
});
