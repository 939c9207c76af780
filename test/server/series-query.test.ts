import { describe, expect, it } from 'vitest';
import { parseTime, toSeriesQuery } from '../../src/server/series-query.js';

const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);

describe('parseTime', () => {
  it.each([
    ['1714564800000', NOW],
    ['0', 0],
    ['-1000', -1000],
    ['2024-05-01', Date.UTC(2024, 4, 1)],
    ['2024-05-01T12:00:00Z', NOW],
    ['2024-05-01T12:00:00.250Z', NOW + 250],
    ['2024-05-01T14:00:00+02:00', NOW],
    ['2024-05-01T14:00:00+0200', NOW],
    ['2024-05-01T12:00', NOW],
    ['2024-05-01 12:00:00', NOW],
    ['now', NOW],
    ['now-15m', NOW - 900_000],
    ['now - 1h30m', NOW - 5_400_000],
    ['now-500', NOW - 500],
  ])('reads %s', (text, ms) => {
    expect(parseTime(text, 'from', NOW)).toBe(ms);
  });

  it.each(['', 'tomorrow', '1e3', '0x10', '2024-05-01T25:00:00Z', 'now+1h', 'now-', '12:00'])(
    'refuses %j naming the parameter',
    (text) => {
      expect(() => parseTime(text, 'to', NOW)).toThrow(/^to: /);
    },
  );

  it.each([['9007199254740991'], ['-8640000000000001'], ['99999999999999999999'], ['now-300000000d']])(
    'refuses %s as out of range, beyond what a date can show',
    (text) => {
      expect(() => parseTime(text, 'from', NOW)).toThrow(
        /^from: .* is out of range; a time is at most 8640000000000000 ms/,
      );
    },
  );

  it('accepts the edges of the range', () => {
    expect(parseTime('8640000000000000', 'to', NOW)).toBe(8.64e15);
    expect(parseTime('-8640000000000000', 'to', NOW)).toBe(-8.64e15);
  });
});

describe('toSeriesQuery', () => {
  it('defaults to the last hour and 10,000 points', () => {
    expect(toSeriesQuery({}, NOW)).toEqual({ from: NOW - 3_600_000, to: NOW, limit: 10_000 });
  });

  it('passes one key as a string, several as a list, and fields split on commas', () => {
    expect(toSeriesQuery({ key: ['a'] }, NOW).key).toBe('a');
    expect(toSeriesQuery({ key: ['a', 'b'] }, NOW).key).toEqual(['a', 'b']);
    expect(toSeriesQuery({ fields: 'views, users,' }, NOW).fields).toEqual(['views', 'users']);
  });

  it('accepts from equal to to (an empty range)', () => {
    expect(toSeriesQuery({ from: '5', to: '5' }, NOW)).toMatchObject({ from: 5, to: 5 });
  });
});
