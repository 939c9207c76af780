import { describe, expect, it } from 'vitest';
import { hopping, session, tumbling } from '../../../src/engine/index.js';
import { alignedStart } from '../../../src/engine/windows/assigners.js';

describe('window assigners', () => {
  it('are frozen data in milliseconds', () => {
    expect(tumbling('1m')).toEqual({ kind: 'tumbling', size: 60_000, offset: 0 });
    expect(tumbling('1d', { offset: '2h' })).toEqual({
      kind: 'tumbling',
      size: 86_400_000,
      offset: 7_200_000,
    });
    expect(hopping('1m', '10s')).toEqual({ kind: 'hopping', size: 60_000, slide: 10_000, offset: 0 });
    expect(session('30s')).toEqual({ kind: 'session', gap: 30_000 });
    expect(Object.isFrozen(tumbling('1m'))).toBe(true);
  });

  it.each([
    [() => tumbling(0), 'window.size: must be a whole number of milliseconds above 0, got 0'],
    [() => tumbling('1.5ms'), 'window.size: must be a whole number of milliseconds above 0, got 1.5'],
    [
      () => tumbling('10s', { offset: '10s' }),
      'window.offset: 10000ms must be less than window.size (10000ms)',
    ],
    [
      () => hopping('10s', '1m'),
      'window.slide: 60000ms is longer than window.size (10000ms), so records between windows would be lost; use a slide of at most the size',
    ],
    [
      () => hopping('1m', '10s', { offset: '10s' }),
      'window.offset: 10000ms must be less than window.slide (10000ms)',
    ],
    [() => session('0s'), 'window.gap: must be a whole number of milliseconds above 0, got 0'],
  ])('reject a window that cannot work: %#', (make, message) => {
    expect(make).toThrow(expect.objectContaining({ code: 'TRB_INVALID_WINDOW', message }));
  });

  it('reject a size that is not a duration, naming the field', () => {
    expect(() => tumbling('1 minute')).toThrow('window.size: "1 minute" is not a duration; use "1m"');
    expect(() => hopping('1m', '10 secs')).toThrow('window.slide: "10 secs" is not a duration; use "10s"');
    expect(() => session('half a minute')).toThrow('window.gap: "half a minute" is not a duration;');
  });
});

describe('alignedStart', () => {
  // time        -10        -1  0          9  10
  // windows      [-10 ........ )[0 ......... )[10 ...      every 10, no offset
  it('finds the start of the window holding a timestamp, before and after the epoch', () => {
    expect(alignedStart(0, 10, 0)).toBe(0);
    expect(alignedStart(9, 10, 0)).toBe(0);
    expect(alignedStart(10, 10, 0)).toBe(10);
    expect(alignedStart(-1, 10, 0)).toBe(-10);
    expect(alignedStart(-10, 10, 0)).toBe(-10);
  });

  // time         -8        1  2          11  12
  // windows      [-8 ........ )[2 ......... )[12 ...      every 10, offset 2
  it('shifts by the offset', () => {
    expect(alignedStart(1, 10, 2)).toBe(-8);
    expect(alignedStart(2, 10, 2)).toBe(2);
    expect(alignedStart(11, 10, 2)).toBe(2);
  });
});
