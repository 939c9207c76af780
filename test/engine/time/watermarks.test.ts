import { describe, expect, it } from 'vitest';
import {
  boundedOutOfOrderness,
  count,
  monotonous,
  pipeline,
  tumbling,
  type WatermarkStrategy,
} from '../../../src/engine/index.js';
import { PipelineTest } from '../../../src/testing/index.js';
import { watermarkOf } from '../helpers.js';

/** A source that passes records straight to a sink; its watermark is what we watch. */
const passThrough = (watermark?: WatermarkStrategy) =>
  new PipelineTest(pipeline('readings').source<string>('readings', { watermark }).sink('out'));

/** Pushes one batch of records carrying the given event times. */
const pushAt = (t: PipelineTest, source: string, timestamps: number[], split?: string) =>
  t.push(
    source,
    timestamps.map((ts) => `reading@${ts}`),
    { timestamps, split },
  );

describe('watermark strategies', () => {
  it('monotonous: everything up to just below the newest event time is complete', () => {
    expect(monotonous().watermarkFor(10_000)).toBe(9_999);
  });

  it('bounded out-of-orderness: events up to the bound behind the newest are still on time', () => {
    expect(boundedOutOfOrderness('5s').watermarkFor(10_000)).toBe(4_999);
    expect(boundedOutOfOrderness(250).watermarkFor(10_000)).toBe(9_749);
  });

  it('withIdleness keeps the bound and adds the idle timeout', () => {
    const strategy = boundedOutOfOrderness('5s').withIdleness('1m');
    expect(strategy.maxOutOfOrderness).toBe(5_000);
    expect(strategy.idleness).toBe(60_000);
    expect(monotonous().idleness).toBeUndefined();
  });

  it('strategies are frozen values', () => {
    expect(Object.isFrozen(monotonous())).toBe(true);
    expect(() => boundedOutOfOrderness('1s').withIdleness('1 minute')).toThrow(
      'watermark.idleness: "1 minute" is not a duration; use "1m"',
    );
  });
});

describe('the watermark of a source', () => {
  it('is -Infinity until the first record', () => {
    expect(watermarkOf(passThrough(), 'source:readings')).toBe(Number.NEGATIVE_INFINITY);
  });

  it('monotonous: follows the newest event time and never goes back', () => {
    const t = passThrough();
    pushAt(t, 'readings', [1_000, 5_000, 3_000]);
    expect(watermarkOf(t, 'source:readings')).toBe(4_999);

    pushAt(t, 'readings', [2_000]);
    expect(watermarkOf(t, 'source:readings')).toBe(4_999);
  });

  it('bounded out-of-orderness: trails the newest event time by the bound and 1 ms', () => {
    const t = passThrough(boundedOutOfOrderness('5s'));
    pushAt(t, 'readings', [12_000]);
    expect(watermarkOf(t, 'source:readings')).toBe(6_999);
    pushAt(t, 'readings', [8_000]);
    expect(watermarkOf(t, 'source:readings')).toBe(6_999);
    pushAt(t, 'readings', [20_000]);
    expect(watermarkOf(t, 'source:readings')).toBe(14_999);
  });
});

describe('watermarks advance at batch boundaries', () => {
  const counts = () =>
    new PipelineTest(
      pipeline('counts')
        .source<string>('readings')
        .keyBy(() => 'all')
        .window(tumbling('10s'))
        .aggregate({ readings: count() })
        .sink('counts'),
    );

  // event time   0s        10s       20s
  // batch 1      x(3s)     x(12s)            both arrive under W = -inf: both on time
  // watermark              ^ after the batch W = 12s-1ms: fires [0s,10s) with 1 reading
  it('every record of a batch is judged by the watermark from before the batch', () => {
    const t = counts();
    pushAt(t, 'readings', [12_000, 3_000]);
    expect(t.values('counts')).toEqual([{ key: 'all', start: 0, end: 10_000, readings: 1 }]);
    expect(t.lateEvents).toEqual([]);
  });

  // event time   0s        10s       20s
  // batch 1                x(12s)            W = 12s-1ms closes [0s,10s), empty
  // batch 2      x(3s)                       3s <= W: late
  it('the same records in two batches: the older one comes after the watermark and is late', () => {
    const t = counts();
    pushAt(t, 'readings', [12_000]);
    pushAt(t, 'readings', [3_000]);
    expect(t.values('counts')).toEqual([]);
    expect(t.lateEvents.map((e) => [e.timestamp, e.watermark])).toEqual([[3_000, 11_999]]);
  });

  // event time   0s        10s       20s
  // batch 1                x(10s)            W = 10s-1ms
  // batch 2                x(10s)            10s > W: on time, a bound of 0 accepts a tie
  // batch 3                          x(20s)  W = 20s-1ms fires [10s,20s) with 2 readings
  it('a bound of 0 still accepts a second record with the newest event time', () => {
    const t = counts();
    pushAt(t, 'readings', [10_000]);
    pushAt(t, 'readings', [10_000]);
    pushAt(t, 'readings', [20_000]);
    expect(t.values('counts')).toEqual([{ key: 'all', start: 10_000, end: 20_000, readings: 2 }]);
  });
});

describe('per-split watermarks', () => {
  it('the source watermark is the minimum over its splits', () => {
    const t = passThrough();
    pushAt(t, 'readings', [5_000], 'p1');
    pushAt(t, 'readings', [20_000], 'p0');
    expect(watermarkOf(t, 'source:readings')).toBe(4_999); // p1 holds it back

    pushAt(t, 'readings', [30_000], 'p1');
    expect(watermarkOf(t, 'source:readings')).toBe(19_999); // now p0 is the slowest
  });

  it('a split seen for the first time cannot pull the watermark back', () => {
    const t = passThrough();
    pushAt(t, 'readings', [20_000], 'p0');
    pushAt(t, 'readings', [5_000], 'p1');
    expect(watermarkOf(t, 'source:readings')).toBe(19_999);
  });

  // processing time  0s          5s          10s
  // split p0         x(20s)      x(25s)      .            keeps producing
  // split p1         x(5s)       .           . idle       silent for 10s: stops holding back
  // watermark        4.999s      4.999s      24.999s
  it('a split silent for the idle timeout stops holding the watermark back', () => {
    const t = passThrough(monotonous().withIdleness('10s'));
    pushAt(t, 'readings', [5_000], 'p1');
    pushAt(t, 'readings', [20_000], 'p0');
    expect(watermarkOf(t, 'source:readings')).toBe(4_999);

    t.advance('5s');
    pushAt(t, 'readings', [25_000], 'p0');
    expect(watermarkOf(t, 'source:readings')).toBe(4_999);

    t.advance('5s');
    expect(watermarkOf(t, 'source:readings')).toBe(24_999);
  });

  it('an idle split rejoins with its next record and holds the watermark back again', () => {
    const t = passThrough(monotonous().withIdleness('10s'));
    pushAt(t, 'readings', [5_000], 'p1');
    pushAt(t, 'readings', [20_000], 'p0');
    t.advance('10s');
    pushAt(t, 'readings', [25_000], 'p0');
    expect(watermarkOf(t, 'source:readings')).toBe(24_999); // p1 idle

    pushAt(t, 'readings', [26_000], 'p1');
    pushAt(t, 'readings', [40_000], 'p0');
    expect(watermarkOf(t, 'source:readings')).toBe(25_999); // p1 is back and the slowest
  });
});

describe('the watermark of a union', () => {
  const regions = (watermark?: WatermarkStrategy) => {
    const p = pipeline('regions');
    const eu = p.source<string>('eu', { watermark });
    const us = p.source<string>('us', { watermark });
    eu.union(us)
      .keyBy(() => 'all')
      .window(tumbling('10s'))
      .aggregate({ readings: count() })
      .sink('counts');
    return new PipelineTest(p);
  };

  it('is the minimum of its inputs', () => {
    const t = regions();
    pushAt(t, 'eu', [20_000]);
    expect(watermarkOf(t, 'union#1')).toBe(Number.NEGATIVE_INFINITY); // us has said nothing yet

    pushAt(t, 'us', [5_000]);
    expect(watermarkOf(t, 'union#1')).toBe(4_999);

    pushAt(t, 'us', [30_000]);
    expect(watermarkOf(t, 'union#1')).toBe(19_999);
  });

  // processing time  0s              5s              10s
  // source eu        x(2s) x(12s)    x(15s)          .
  // source us        x(3s)           .               . idle: the union follows eu alone
  // union watermark  2.999s          2.999s          14.999s: fires [0s,10s) with 2 readings
  it('an idle input does not hold it back', () => {
    const t = regions(monotonous().withIdleness('10s'));
    pushAt(t, 'eu', [2_000, 12_000]);
    pushAt(t, 'us', [3_000]);
    t.advance('5s');
    pushAt(t, 'eu', [15_000]);
    expect(watermarkOf(t, 'union#1')).toBe(2_999);
    expect(t.values('counts')).toEqual([]);

    t.advance('5s');
    expect(watermarkOf(t, 'union#1')).toBe(14_999);
    expect(t.values('counts')).toEqual([{ key: 'all', start: 0, end: 10_000, readings: 2 }]);
  });

  // union watermark 14.999s (us idle); us comes back with a reading from 4s: late for [0s,10s)
  it('records of an input that comes back from idleness may be late', () => {
    const t = regions(monotonous().withIdleness('10s'));
    pushAt(t, 'eu', [2_000]);
    pushAt(t, 'us', [3_000]);
    t.advance('5s');
    pushAt(t, 'eu', [15_000]);
    t.advance('5s');
    pushAt(t, 'us', [4_000, 16_000]);

    expect(t.lateEvents.map((e) => [e.value, e.watermark])).toEqual([['reading@4000', 14_999]]);
    expect(watermarkOf(t, 'union#1')).toBe(14_999);
  });
});
