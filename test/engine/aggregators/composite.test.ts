import { describe, expect, it } from 'vitest';
import { combineAggregators } from '../../../src/engine/aggregators/composite.js';
import {
  count,
  distinctCount,
  last,
  max,
  percentile,
  pipeline,
  sum,
  tumbling,
} from '../../../src/engine/index.js';
import { PipelineTest } from '../../../src/testing/index.js';

interface Order {
  user: string;
  amount: unknown;
  ts: number;
}

describe('combining named aggregators', () => {
  it('gives one result field per name, in the order given', () => {
    const { names, aggregator } = combineAggregators({ orders: count(), spend: sum(), biggest: max() });
    let acc = aggregator.init();
    for (const amount of [5, 20, 7]) acc = aggregator.add(acc, aggregator.input!(amount), 0);
    expect(names).toEqual(['orders', 'spend', 'biggest']);
    expect(aggregator.result(acc)).toEqual({ orders: 3, spend: 32, biggest: 20 });
    expect(Object.keys(aggregator.result(acc))).toEqual(['orders', 'spend', 'biggest']);
  });

  it('with one aggregator, keeps its accumulator as it is (no array per window)', () => {
    const { aggregator } = combineAggregators({ orders: count() });
    expect(aggregator.init()).toBe(0);
    expect(aggregator.result(aggregator.add(aggregator.init(), 'x', 0))).toEqual({ orders: 1 });
  });

  it('merges every part', () => {
    const { aggregator } = combineAggregators({ orders: count(), spend: sum(), latest: last() });
    const fold = (amounts: [number, number][]) => {
      let acc = aggregator.init();
      for (const [amount, ts] of amounts) acc = aggregator.add(acc, aggregator.input!(amount), ts);
      return acc;
    };
    const merged = aggregator.merge(
      fold([
        [1, 10],
        [2, 30],
      ]),
      fold([[4, 20]]),
    );
    expect(aggregator.result(merged)).toEqual({ orders: 3, spend: 7, latest: 2 });
  });

  it('needs at least one aggregator', () => {
    expect(() => combineAggregators({})).toThrow(
      expect.objectContaining({
        code: 'TRB_INVALID_PLAN',
        message: 'aggregate: give at least one aggregator, e.g. { count: count() }',
      }),
    );
  });
});

describe('combined aggregators in a window', () => {
  const spendPerUser = () =>
    new PipelineTest(
      pipeline('spend')
        .source<Order>('orders', { time: (o) => o.ts })
        .keyBy((o) => o.user)
        .window(tumbling('10s'), { name: 'spend-per-user' })
        .aggregate({ orders: count(), spend: sum((o) => o.amount as number) })
        .sink('spend'),
    );

  // event time   0s        10s
  // user a        x(5) x("five") x(7) |        the bad amount is dead-lettered before any
  //                                             accumulator changes: the count stays 2
  it('reads every field before any accumulator changes, so a bad record leaves no trace', () => {
    const t = spendPerUser();
    t.push('orders', [
      { user: 'a', amount: 5, ts: 1_000 },
      { user: 'a', amount: 'five', ts: 2_000 },
      { user: 'a', amount: 7, ts: 3_000 },
    ]);
    t.push('orders', [{ user: 'b', amount: 0, ts: 10_000 }]);
    expect(t.values('spend')).toEqual([{ key: 'a', start: 0, end: 10_000, orders: 2, spend: 12 }]);
    expect(t.deadLetters.map((d) => [d.operator, d.error.message])).toEqual([
      ['spend-per-user', 'sum: the aggregated field is "five", not a finite number'],
    ]);
  });

  // event time   0s        10s
  // user a        x x x  | x x      checkpoint in the middle of the window, restore, finish
  it('saves and loads sketch accumulators with the rest, through JSON', () => {
    const make = () =>
      new PipelineTest(
        pipeline('latency')
          .source<{ user: string; page: string; ms: number; ts: number }>('views', { time: (v) => v.ts })
          .keyBy((v) => v.user)
          .window(tumbling('10s'), { name: 'latency' })
          .aggregate({
            views: count(),
            pages: distinctCount((v) => v.page),
            p90: percentile((v) => v.ms, 0.9),
          })
          .sink('latency'),
      );
    const views = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        user: 'a',
        page: `/p${(from + i) % 7}`,
        ms: 10 * (from + i + 1),
        ts: 1_000 + from + i,
      }));

    const uninterrupted = make();
    uninterrupted.push('views', views(0, 60));
    uninterrupted.push('views', views(60, 40));
    uninterrupted.push('views', [{ user: 'b', page: '/', ms: 1, ts: 10_000 }]);

    const restarted = make();
    restarted.push('views', views(0, 60));
    restarted.restore(restarted.snapshot());
    restarted.push('views', views(60, 40));
    restarted.push('views', [{ user: 'b', page: '/', ms: 1, ts: 10_000 }]);

    expect(restarted.values('latency')).toEqual(uninterrupted.values('latency'));
    const [result] = restarted.values<{ p90: number }>('latency');
    expect(result).toMatchObject({ key: 'a', start: 0, end: 10_000, views: 100, pages: 7 });
    // The true p90 of 10, 20, ..., 1000 ms lies between 900 and 910; the sketch is within 1 %.
    expect(result.p90).toBeGreaterThanOrEqual(900 * 0.99);
    expect(result.p90).toBeLessThanOrEqual(910 * 1.01);
  });
});
