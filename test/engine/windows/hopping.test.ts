import { describe, expect, it } from 'vitest';
import {
  boundedOutOfOrderness,
  count,
  type Duration,
  hopping,
  max,
  pipeline,
} from '../../../src/engine/index.js';
import { PipelineTest } from '../../../src/testing/index.js';

interface Reading {
  sensor: string;
  celsius: number;
  ts: number;
}

const reading = (sensor: string, celsius: number, ts: number): Reading => ({ sensor, celsius, ts });

/** Readings and the hottest reading per sensor, in hopping windows. */
const hottest = (size: Duration, slide: Duration, options: { offset?: Duration; bound?: Duration } = {}) => {
  const p = pipeline('heat');
  const results = p
    .source<Reading>('readings', {
      time: (r) => r.ts,
      watermark: boundedOutOfOrderness(options.bound ?? 0),
    })
    .keyBy((r) => r.sensor)
    .window(hopping(size, slide, { offset: options.offset }), { name: 'heat' })
    .aggregate({ readings: count(), hottest: max((r) => r.celsius) });
  results.sink('heat');
  results.late().sink('late-readings');
  return new PipelineTest(p);
};

describe('hopping windows', () => {
  // event time  -5s        0s        5s        10s       15s       20s
  // windows      [-5s ........... 5s)
  //                         [0s ........... 10s)
  //                                   [5s ........... 15s)
  //                                             [10s .......... 20s)
  // sensor s1                  x(2s)     x(7s)     x(12s)
  // watermark                                        ^ 12s-1ms fires [-5s,5s) and [0s,10s)
  it('put each record into every window that covers it, size / slide of them', () => {
    const t = hottest('10s', '5s');
    t.push('readings', [reading('s1', 20, 2_000), reading('s1', 24, 7_000), reading('s1', 21, 12_000)]);
    expect(t.values('heat')).toEqual([
      { key: 's1', start: -5_000, end: 5_000, readings: 1, hottest: 20 },
      { key: 's1', start: 0, end: 10_000, readings: 2, hottest: 24 },
    ]);

    // event time   ... 15s       20s  21s
    // watermark                        ^ 21s-1ms fires [5s,15s) and [10s,20s)
    t.push('readings', [reading('s1', 19, 21_000)]);
    expect(t.values('heat').slice(2)).toEqual([
      { key: 's1', start: 5_000, end: 15_000, readings: 2, hottest: 24 },
      { key: 's1', start: 10_000, end: 20_000, readings: 1, hottest: 21 },
    ]);
  });

  // event time  -3s   0s   3s   6s  7s     10s  13s  16s
  // windows      [-3s ............ 7s)                     ends before 7s: not this record's
  //                   [0s ............... 10s)
  //                        [3s ............... 13s)
  //                             [6s ............... 16s)
  // sensor s1                       x(7s)                  one record, three windows
  it('when the slide does not divide the size, still cover every window the record is in', () => {
    const t = hottest('10s', '3s');
    t.push('readings', [reading('s1', 30, 7_000)]);
    t.push('readings', [reading('s2', 0, 60_000)]);
    expect(t.values<{ start: number; end: number }>('heat').map((r) => [r.start, r.end])).toEqual([
      [0, 10_000],
      [3_000, 13_000],
      [6_000, 16_000],
    ]);
  });

  // event time   0s   1s        6s        11s       16s
  // windows           [1s ............ 11s)            offset 1s: starts at 1s, 6s, 11s, ...
  //                             [6s ............ 16s)
  // sensor s1                 x(8s)
  it('shift by an offset', () => {
    const t = hottest('10s', '5s', { offset: '1s' });
    t.push('readings', [reading('s1', 18, 8_000)]);
    t.push('readings', [reading('s2', 0, 60_000)]);
    expect(t.values<{ key: string; start: number }>('heat').filter((r) => r.key === 's1')).toEqual([
      { key: 's1', start: 1_000, end: 11_000, readings: 1, hottest: 18 },
      { key: 's1', start: 6_000, end: 16_000, readings: 1, hottest: 18 },
    ]);
  });

  // event time   0s        5s        10s       15s       20s
  // windows      [0s ........... 10s)                       fired and closed at W = 11.999s
  //                        [5s ........... 15s)             still open
  // sensor s1         x(2s)     x(7s)    x(12s)
  // late arrival                 x(9s): too late for [0s,10s), on time for [5s,15s): not late
  it('a record late for some of its windows still counts in the open ones', () => {
    const t = hottest('10s', '5s');
    t.push('readings', [reading('s1', 20, 2_000), reading('s1', 21, 7_000), reading('s1', 22, 12_000)]);
    t.push('readings', [reading('s1', 40, 9_000)]);
    t.push('readings', [reading('s1', 0, 30_000)]);

    const byStart = new Map(
      t.values<{ start: number; readings: number; hottest: number }>('heat').map((r) => [r.start, r]),
    );
    expect(byStart.get(0)).toMatchObject({ readings: 2, hottest: 21 });
    expect(byStart.get(5_000)).toMatchObject({ readings: 3, hottest: 40 });
    expect(t.lateEvents).toEqual([]);
  });

  // event time   0s        5s        10s       15s       20s       25s
  // windows      [0s ........... 10s)
  //                        [5s ........... 15s)                   both closed at W = 24.999s
  // sensor s1                                                 x(25s)
  // late arrival            x(6s): in [0s,10s) and [5s,15s), both closed: late
  it('a record whose every window has closed is late', () => {
    const t = hottest('10s', '5s');
    t.push('readings', [reading('s1', 20, 25_000)]);
    t.push('readings', [reading('s1', 99, 6_000)]);
    expect(t.values('late-readings')).toEqual([reading('s1', 99, 6_000)]);
    expect(t.lateEvents.map((e) => e.watermark)).toEqual([24_999]);
  });
});
