import { describe, expect, it } from 'vitest';
import {
  boundedOutOfOrderness,
  count,
  type Duration,
  pipeline,
  sum,
  tumbling,
  type WatermarkStrategy,
} from '../../../src/engine/index.js';
import { PipelineTest } from '../../../src/testing/index.js';

interface Click {
  user: string;
  ts: number;
}

const click = (user: string, ts: number): Click => ({ user, ts });

/** Clicks per user in tumbling windows; late clicks are routed to the `late-clicks` sink. */
const clicksPerUser = (
  options: { size?: Duration; offset?: Duration; lateness?: Duration; watermark?: WatermarkStrategy } = {},
) => {
  const p = pipeline('clicks');
  const counts = p
    .source<Click>('clicks', { time: (c) => c.ts, watermark: options.watermark })
    .keyBy((c) => c.user)
    .window(tumbling(options.size ?? '10s', { offset: options.offset }), {
      lateness: options.lateness,
      name: 'per-user',
    })
    .aggregate({ clicks: count() });
  counts.sink('counts');
  counts.late().sink('late-clicks');
  return new PipelineTest(p);
};

describe('tumbling windows', () => {
  // event time   0s        5s        10s       15s       20s
  // user a        x(1s)  x(4s)        | x(12s)            |     windows [0s,10s) [10s,20s)
  // watermark                            ^ 12s-1ms >= 10s-1ms: fires [0s,10s) once
  it('fire once the watermark passes end - 1', () => {
    const t = clicksPerUser();
    t.push('clicks', [click('a', 1_000)]);
    t.push('clicks', [click('a', 4_000)]);
    expect(t.values('counts')).toEqual([]);

    t.push('clicks', [click('a', 12_000)]);
    expect(t.values('counts')).toEqual([{ key: 'a', start: 0, end: 10_000, clicks: 2 }]);
  });

  // event time   0s                9.998s 10s
  // user a        x(1s)              x      x(10s)      after the first batch W = 9.997s: not yet
  // watermark                               ^ the click at 10s makes W = 9.999s = end - 1: fires
  it('fire exactly when the watermark reaches end - 1, not a millisecond before', () => {
    const t = clicksPerUser();
    t.push('clicks', [click('a', 1_000), click('a', 9_998)]);
    expect(t.values('counts')).toEqual([]);

    t.push('clicks', [click('a', 10_000)]);
    expect(t.values('counts')).toEqual([{ key: 'a', start: 0, end: 10_000, clicks: 2 }]);
  });

  // event time   0s        10s       20s
  // user a        x(0s)     x(10s)    x(20s)      a record at exactly 10s opens [10s,20s)
  // watermark                         ^ fires [10s,20s) with 1 click
  it('are half open: a record at the end belongs to the next window', () => {
    const t = clicksPerUser();
    t.push('clicks', [click('a', 0), click('a', 10_000)]);
    t.push('clicks', [click('a', 20_000)]);
    expect(t.values('counts')).toEqual([
      { key: 'a', start: 0, end: 10_000, clicks: 1 },
      { key: 'a', start: 10_000, end: 20_000, clicks: 1 },
    ]);
  });

  // event time   0s        10s       20s       30s       40s
  // user a        x(1s)     x(11s)              |  x(35s)
  // user b        x(2s)                         |
  // watermark                                      ^ 35s-1ms: fires [0s,10s) and [10s,20s) at once
  it('emit one result per key and window, windows in time order, empty windows not at all', () => {
    const t = clicksPerUser();
    t.push('clicks', [click('a', 1_000), click('b', 2_000), click('a', 11_000)]);
    t.push('clicks', [click('a', 35_000)]);
    expect(t.values('counts')).toEqual([
      { key: 'a', start: 0, end: 10_000, clicks: 1 },
      { key: 'b', start: 0, end: 10_000, clicks: 1 },
      { key: 'a', start: 10_000, end: 20_000, clicks: 1 },
    ]);
  });

  // event time   0s        10s
  // user a        x(3s)     | x(10s)
  // result        [0s,10s) carries event time 10s-1ms and key a
  it('stamp each result with the window end - 1 and the key', () => {
    const t = clicksPerUser();
    t.push('clicks', [click('a', 3_000)]);
    t.push('clicks', [click('a', 10_000)]);
    expect(t.records('counts')).toEqual([
      { value: { key: 'a', start: 0, end: 10_000, clicks: 1 }, timestamp: 9_999, key: 'a' },
    ]);
  });

  // event time  -8s           2s                   12s      offset 2s: [-8s,2s) [2s,12s) [12s,22s)
  // user a             x(1s)   |   x(5s)     x(11s) | x(12s)
  // watermark                                         ^ 12s-1ms fires [-8s,2s) and [2s,12s)
  it('shift by an offset', () => {
    const t = clicksPerUser({ offset: '2s' });
    t.push('clicks', [click('a', 1_000), click('a', 5_000), click('a', 11_000)]);
    t.push('clicks', [click('a', 12_000)]);
    expect(t.values('counts')).toEqual([
      { key: 'a', start: -8_000, end: 2_000, clicks: 1 },
      { key: 'a', start: 2_000, end: 12_000, clicks: 2 },
    ]);
  });

  // event time   0s        5s        10s       15s       20s
  // user a                      x(8s) |   x(12s)    x(16s)          bound 5s: W = newest - 5s - 1ms
  // watermark                         ^ after 12s: W = 6.999s, 8s is still on time
  //                                             ^ after 16s: W = 10.999s fires [0s,10s)
  it('with bounded out-of-orderness, count records that arrive out of order within the bound', () => {
    const t = clicksPerUser({ watermark: boundedOutOfOrderness('5s') });
    t.push('clicks', [click('a', 12_000)]);
    t.push('clicks', [click('a', 8_000)]);
    expect(t.values('counts')).toEqual([]);

    t.push('clicks', [click('a', 16_000)]);
    expect(t.values('counts')).toEqual([{ key: 'a', start: 0, end: 10_000, clicks: 1 }]);
    expect(t.lateEvents).toEqual([]);
  });

  // event time   0s        10s       20s
  // sensor s1     x(2s)  x(3s) | x(11s)      the window reads event time from the records itself,
  // watermark                    ^ 11s - 1s - 1ms = 9.999s: fires [0s,10s)    with a 1s bound
  it('can read event time from the records, with a watermark of their own', () => {
    const t = new PipelineTest(
      pipeline('temperatures')
        .source<{ sensor: string; at: string }>('readings')
        .keyBy((r) => r.sensor)
        .window(tumbling('10s'), { time: (r) => r.at, watermark: boundedOutOfOrderness('1s') })
        .aggregate({ readings: count() })
        .sink('counts'),
      { now: 999_000 },
    );
    t.push('readings', [
      { sensor: 's1', at: '1970-01-01T00:00:02Z' },
      { sensor: 's1', at: '1970-01-01T00:00:03Z' },
    ]);
    t.push('readings', [{ sensor: 's1', at: '1970-01-01T00:00:11Z' }]);
    expect(t.values('counts')).toEqual([{ key: 's1', start: 0, end: 10_000, readings: 2 }]);
  });
});

describe('late records in tumbling windows', () => {
  // event time   0s        10s       20s
  // user a        x(1s)     | x(12s)
  // watermark                 ^ 11.999s: [0s,10s) fired and closed (no lateness)
  // user a          x(5s)                       arrives now: late
  it('a record for a window that has closed goes to the late stream, not into a result', () => {
    const t = clicksPerUser();
    t.push('clicks', [click('a', 1_000)]);
    t.push('clicks', [click('a', 12_000)]);
    t.push('clicks', [click('a', 5_000)]);

    expect(t.values('counts')).toEqual([{ key: 'a', start: 0, end: 10_000, clicks: 1 }]);
    expect(t.values('late-clicks')).toEqual([click('a', 5_000)]);
    expect(t.lateEvents).toEqual([
      {
        pipeline: 'clicks',
        operator: 'per-user',
        value: click('a', 5_000),
        timestamp: 5_000,
        key: 'a',
        position: undefined,
        watermark: 11_999,
      },
    ]);
  });

  // event time   0s        10s       15s       20s
  // user a        x(1s)     | x(12s)  |  x(15s)
  // [0s,10s)      open ---- fires ---- kept 5s more (lateness) ---- purged at W = 14.999s
  // user a          x(3s)  arrives at W = 11.999s: updates [0s,10s) to 2 clicks
  // user a           x(4s) arrives at W = 14.999s: late
  it('allowed lateness: a record within it updates the fired result, one after it is late', () => {
    const t = clicksPerUser({ lateness: '5s' });
    t.push('clicks', [click('a', 1_000)]);
    t.push('clicks', [click('a', 12_000)]);
    expect(t.values('counts')).toEqual([{ key: 'a', start: 0, end: 10_000, clicks: 1 }]);

    t.push('clicks', [click('a', 3_000)]);
    expect(t.values('counts')).toEqual([
      { key: 'a', start: 0, end: 10_000, clicks: 1 },
      { key: 'a', start: 0, end: 10_000, clicks: 2 },
    ]);

    t.push('clicks', [click('a', 15_000)]);
    t.push('clicks', [click('a', 4_000)]);
    expect(t.values('late-clicks')).toEqual([click('a', 4_000)]);
    expect(t.values('counts')).toHaveLength(2);
  });

  // event time   0s        10s       20s
  // user a        x(1s)     | x(12s)               W = 11.999s, lateness 5s
  // batch         x(2s) x(3s) x(4s) (user a), x(6s) (user b): one update per key and window
  it('allowed lateness: updates come once per key and window per batch', () => {
    const t = clicksPerUser({ lateness: '5s' });
    t.push('clicks', [click('a', 1_000)]);
    t.push('clicks', [click('a', 12_000)]);
    t.push('clicks', [click('a', 2_000), click('a', 3_000), click('b', 6_000), click('a', 4_000)]);

    expect(t.values('counts')).toEqual([
      { key: 'a', start: 0, end: 10_000, clicks: 1 },
      { key: 'a', start: 0, end: 10_000, clicks: 4 },
      { key: 'b', start: 0, end: 10_000, clicks: 1 },
    ]);
  });

  // event time   0s        10s       20s       30s
  // user a        x(1s)     | x(12s)             |        [10s,20s) is still open at W = 11.999s
  // late batch    x(5s)  x(14s)                           5s is late; 14s is on time
  it('a late record does not hold back the on-time records of its batch', () => {
    const t = clicksPerUser();
    t.push('clicks', [click('a', 1_000)]);
    t.push('clicks', [click('a', 12_000)]);
    t.push('clicks', [click('a', 5_000), click('a', 14_000)]);
    t.push('clicks', [click('a', 30_000)]);

    expect(t.values('late-clicks')).toEqual([click('a', 5_000)]);
    expect(t.values('counts')).toEqual([
      { key: 'a', start: 0, end: 10_000, clicks: 1 },
      { key: 'a', start: 10_000, end: 20_000, clicks: 2 },
    ]);
  });
});

describe('tumbling windows in a checkpoint', () => {
  interface Order {
    user: string;
    amount: number;
    ts: number;
  }
  const spend = () =>
    new PipelineTest(
      pipeline('spend')
        .source<Order>('orders', { time: (o) => o.ts })
        .keyBy((o) => o.user)
        .window(tumbling('10s'), { name: 'spend-per-user' })
        .aggregate({ orders: count(), spend: sum((o) => o.amount) })
        .sink('spend'),
    );

  // event time   0s        10s
  // user a        x(2s) x(4s) | x(11s)       checkpoint after 4s; restore; then 11s
  // watermark                   ^ the restored job fires [0s,10s) with both orders
  it('a restored job finishes the windows the checkpoint held open', () => {
    const t = spend();
    t.push('orders', [{ user: 'a', amount: 5, ts: 2_000 }]);
    t.push('orders', [{ user: 'a', amount: 7, ts: 4_000 }]);
    const checkpoint = t.snapshot();

    t.restore(checkpoint);
    t.push('orders', [{ user: 'a', amount: 1, ts: 11_000 }]);
    expect(t.values('spend')).toEqual([{ key: 'a', start: 0, end: 10_000, orders: 2, spend: 12 }]);
  });
});
