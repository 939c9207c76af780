/**
 * The reference is only worth comparing against if it is right: a few cases worked out by
 * hand from the documented semantics, independently of the engine.
 */
import { describe, expect, it } from 'vitest';
import { fixedWindowStarts, resultOf, simulate, type TimedEvent } from './reference.js';

let nextId = 0;
const at = (timestamp: number, key = 'a', v = 1): TimedEvent => ({
  value: { key, id: nextId++, v },
  timestamp,
});
const bounds = (run: ReturnType<typeof simulate>) => run.windows.map((w) => [w.key, w.start, w.end]);

describe('reference model', () => {
  it('aligns fixed windows to multiples of the slide, flooring below zero', () => {
    expect(fixedWindowStarts(-1, 10, 10, 0)).toEqual([-10]);
    expect(fixedWindowStarts(0, 10, 10, 0)).toEqual([0]);
    expect(fixedWindowStarts(-10, 10, 10, 0)).toEqual([-10]);
    expect(fixedWindowStarts(7, 10, 4, 0)).toEqual([0, 4]);
    // [-3, 7) ends just before 7.
    expect(fixedWindowStarts(7, 10, 4, 1)).toEqual([1, 5]);
  });

  it('judges a whole batch under the watermark it arrived with', () => {
    // Bound 0: the watermark after [10] is 9, so 9 is late but a second 10 is not; inside
    // the first batch, 0 after 10 is on time because the watermark moves only afterwards.
    const run = simulate(
      [
        [at(10), at(0)],
        [at(9), at(10)],
      ],
      { kind: 'tumbling', size: 5, offset: 0 },
      0,
      0,
    );
    expect(run.watermarks).toEqual([9, 9]);
    expect(run.late.map((e) => e.timestamp)).toEqual([9]);
  });

  it('fires a window at end - 1 and re-emits it when an allowed late record arrives', () => {
    const run = simulate(
      [[at(3)], [at(12)], [at(4)], [at(30)]],
      { kind: 'tumbling', size: 10, offset: 0 },
      0,
      5,
    );
    // [0, 10) fires when the watermark reaches 11, and takes 4 while the watermark is 11 < 9 + 5.
    expect(run.emissions.map((batch) => batch.map((e) => [e.value.start, e.value.count]))).toEqual([
      [],
      [[0, 1]],
      [[0, 2]],
      [[10, 1]],
    ]);
    expect(run.late).toEqual([]);
  });

  it('counts a hopping record only in its windows still open', () => {
    // Windows of 10 every 5; the watermark is 13 after [14]: 7's window [0, 10) is closed
    // for good, its window [5, 15) is not.
    const run = simulate([[at(14)], [at(7)]], { kind: 'hopping', size: 10, slide: 5, offset: 0 }, 0, 0);
    expect(run.windows.map((w) => [w.start, w.events.length])).toEqual([
      [5, 2],
      [10, 1],
    ]);
    expect(run.late).toEqual([]);
  });

  it('merges sessions a late record bridges, and keeps keys apart', () => {
    const run = simulate(
      [[at(0), at(15), at(5, 'b')], [at(100, 'c')], [at(7)]],
      { kind: 'session', gap: 10 },
      0,
      100,
    );
    // [7, 17) overlaps both [0, 10) and [15, 25) of key a, and merges them.
    expect(bounds(run)).toEqual([
      ['b', 5, 15],
      ['c', 100, 110],
      ['a', 0, 25],
    ]);
    // The two sessions fired on their own before the bridge; then the merged one is emitted.
    const shown = (batch: number) =>
      run.emissions[batch].map((e) => [e.value.key, e.value.start, e.value.end]);
    expect(shown(0)).toEqual([
      ['a', 0, 10],
      ['b', 5, 15],
    ]);
    expect(shown(1)).toEqual([['a', 15, 25]]);
    expect(run.emissions[2].map((e) => [e.value.start, e.value.end, e.value.count])).toEqual([[0, 25, 3]]);
  });

  it('does not merge sessions that only touch', () => {
    // A record exactly `gap` after another starts a new session.
    const run = simulate([[at(0), at(10)]], { kind: 'session', gap: 10 }, 0, 0);
    expect(bounds(run)).toEqual([
      ['a', 0, 10],
      ['a', 10, 20],
    ]);
  });

  it('sends a record to the late stream only when its own session is closed and overlaps none held', () => {
    // Gap 10, lateness 0: the watermark after [50] is 49, so [30, 40) is closed: 30 is late,
    // while 45 opens [45, 55), which is still open.
    const run = simulate([[at(50)], [at(30), at(45)]], { kind: 'session', gap: 10 }, 0, 0);
    expect(run.late.map((e) => e.timestamp)).toEqual([30]);
    expect(bounds(run)).toEqual([['a', 45, 60]]);
  });

  it('breaks first/last ties by arrival', () => {
    const [x, y, z] = [at(5), at(5), at(3)];
    const result = resultOf({ key: 'a', start: 0, end: 10, events: [x, y, z], touchedIn: 0 });
    expect(result).toMatchObject({ first: z.value.id, last: y.value.id, count: 3 });
  });
});
