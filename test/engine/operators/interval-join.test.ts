import { describe, expect, it } from 'vitest';
import { type Duration, pipeline } from '../../../src/engine/index.js';
import { PipelineTest } from '../../../src/testing/index.js';
import { watermarkOf } from '../helpers.js';

interface Order {
  order: string;
  ts: number;
}

interface Payment {
  order: string;
  ts: number;
  amount: number;
}

const order = (id: string, ts: number): Order => ({ order: id, ts });
const payment = (id: string, ts: number, amount = 10): Payment => ({ order: id, ts, amount });

/** Orders joined with their payments, keyed by order id, by the operator named `paid`. */
const paidOrders = (
  bounds: { lower: Duration; upper: Duration },
  join: (o: Order, p: Payment, key: string) => unknown = (o, p) =>
    `${o.order}: ordered ${o.ts}, paid ${p.ts}`,
) => {
  const p = pipeline('payments');
  const orders = p.source<Order>('orders', { time: (o) => o.ts }).keyBy((o) => o.order);
  const payments = p.source<Payment>('payments', { time: (x) => x.ts }).keyBy((x) => x.order);
  orders.intervalJoin(payments, bounds, join, { name: 'paid' }).sink('paid');
  return new PipelineTest(p);
};

describe('interval join', () => {
  // event time   0s   1s                  11s  11.001s
  // order o1          x
  // payments o1       x(1s)   x(6s)       x(11s)  x(11.001s)    window [1s, 1s + 10s]: bounds inclusive
  // joined            o1+1s   o1+6s       o1+11s  -
  it('pairs records with equal keys whose times satisfy left + lower <= right <= left + upper', () => {
    const t = paidOrders({ lower: 0, upper: '10s' });
    t.push('orders', [order('o1', 1_000)]);
    t.push('payments', [
      payment('o1', 1_000),
      payment('o1', 6_000),
      payment('o1', 11_000),
      payment('o1', 11_001),
    ]);
    t.push('payments', [payment('o2', 2_000)]);
    expect(t.values('paid')).toEqual([
      'o1: ordered 1000, paid 1000',
      'o1: ordered 1000, paid 6000',
      'o1: ordered 1000, paid 11000',
    ]);
  });

  // event time   0s  5s   6s     10s
  // order o1                      x(10s)
  // payments o1   x(4.999s) x(5s)         lower -5s: payments up to 5s before the order count
  it('a negative lower bound reaches back before the left record', () => {
    const t = paidOrders({ lower: '-5s', upper: 0 });
    t.push('payments', [payment('o1', 4_999), payment('o1', 5_000), payment('o1', 10_000)]);
    t.push('orders', [order('o1', 10_000)]);
    expect(t.values('paid')).toEqual(['o1: ordered 10000, paid 5000', 'o1: ordered 10000, paid 10000']);
  });

  it('finds the pair whichever side arrives first, and stamps it with the later time, keyed', () => {
    const t = paidOrders({ lower: '-1m', upper: '1m' });
    t.push('payments', [payment('o1', 30_000)]);
    t.push('orders', [order('o1', 20_000)]);
    t.push('orders', [order('o2', 50_000)]);
    t.push('payments', [payment('o2', 40_000)]);
    expect(t.records('paid')).toEqual([
      { value: 'o1: ordered 20000, paid 30000', timestamp: 30_000, key: 'o1' },
      { value: 'o2: ordered 50000, paid 40000', timestamp: 50_000, key: 'o2' },
    ]);
  });

  it('joins only equal keys, and every matching pair once', () => {
    const t = paidOrders({ lower: 0, upper: '1m' }, (o, p, key) => ({ key, order: o.ts, amount: p.amount }));
    t.push('orders', [order('o1', 1_000), order('o1', 2_000), order('o2', 1_000)]);
    t.push('payments', [payment('o1', 3_000, 5), payment('o3', 3_000, 99)]);
    expect(t.values('paid')).toEqual([
      { key: 'o1', order: 1_000, amount: 5 },
      { key: 'o1', order: 2_000, amount: 5 },
    ]);
  });

  it('its watermark is the slower of its two inputs', () => {
    const t = paidOrders({ lower: 0, upper: '10s' });
    t.push('orders', [order('o1', 50_000)]);
    expect(watermarkOf(t, 'paid')).toBe(Number.NEGATIVE_INFINITY);
    t.push('payments', [payment('o9', 20_000)]);
    expect(watermarkOf(t, 'paid')).toBe(19_999);
  });
});

describe('interval join state and lateness', () => {
  // event time   0s  1s            11s      20s   25s
  // order o1         x  kept until W >= 1s + 10s (no payment after 11s can match)
  // payment o1       x(2s) kept until W >= 2s - 0s
  // watermark                                ^ both sides at 19.999s or beyond: both forgotten
  it('forgets a record once the watermark shows no partner can still arrive', () => {
    const t = paidOrders({ lower: 0, upper: '10s' });
    t.push('orders', [order('o1', 1_000)]);
    t.push('payments', [payment('o1', 2_000)]);
    expect(t.snapshot().nodes.paid.entries).toEqual([
      ['o1', 0, { l: [[order('o1', 1_000), 1_000]], r: [[payment('o1', 2_000), 2_000]] }],
    ]);

    t.push('orders', [order('o5', 20_000)]);
    t.push('payments', [payment('o6', 25_000)]);
    expect(t.snapshot().nodes.paid.entries).toEqual([
      ['o5', 0, { l: [[order('o5', 20_000), 20_000]], r: [] }],
      ['o6', 0, { l: [], r: [[payment('o6', 25_000), 25_000]] }],
    ]);
  });

  // watermark of the join: 19.999s; a payment at 15s arrives: at or below it, late
  it('sends a record at or below its watermark to the late stream', () => {
    const t = paidOrders({ lower: 0, upper: '10s' });
    t.push('orders', [order('o1', 20_000)]);
    t.push('payments', [payment('o9', 20_000)]);
    t.push('payments', [payment('o1', 15_000), payment('o1', 21_000)]);
    expect(t.values('paid')).toEqual(['o1: ordered 20000, paid 21000']);
    expect(t.lateEvents.map((e) => [e.operator, e.value, e.key, e.watermark])).toEqual([
      ['paid', payment('o1', 15_000), 'o1', 19_999],
    ]);
  });

  it('a join function that throws dead-letters the record and does not keep it', () => {
    const t = paidOrders({ lower: 0, upper: '1m' }, (o, p) => {
      if (p.amount < 0) throw new RangeError(`refund ${p.amount} on ${o.order}`);
      return `${o.order} paid ${p.amount}`;
    });
    t.push('orders', [order('o1', 1_000)]);
    t.push('payments', [payment('o1', 2_000, -5), payment('o1', 3_000, 7)]);
    t.push('orders', [order('o1', 1_500)]); // would meet the refund again, had it been kept

    expect(t.values('paid')).toEqual(['o1 paid 7', 'o1 paid 7']);
    expect(t.deadLetters).toEqual([
      {
        pipeline: 'payments',
        operator: 'paid',
        error: { name: 'RangeError', message: 'refund -5 on o1' },
        value: payment('o1', 2_000, -5),
        timestamp: 2_000,
        key: 'o1',
      },
    ]);
  });

  it('a restored job still finds the partners the checkpoint buffered', () => {
    const t = paidOrders({ lower: 0, upper: '1m' });
    t.push('orders', [order('o1', 1_000)]);
    t.restore(t.snapshot());
    t.push('payments', [payment('o1', 5_000)]);
    expect(t.values('paid')).toEqual(['o1: ordered 1000, paid 5000']);
  });
});

describe('interval join bounds', () => {
  it('rejects a lower bound above the upper one', () => {
    expect(() => paidOrders({ lower: '10s', upper: '5s' })).toThrow(
      'intervalJoin: lower (10000ms) is above upper (5000ms); swap them',
    );
  });

  it('rejects a bound that is not a duration', () => {
    expect(() => paidOrders({ lower: 0, upper: '5 sec' })).toThrow(
      'intervalJoin.upper: "5 sec" is not a duration; use "5s"',
    );
  });
});
