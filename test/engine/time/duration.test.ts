import { describe, expect, it } from 'vitest';
import { formatDuration, toMillis } from '../../../src/engine/time/duration.js';
import { TributaryError } from '../../../src/errors.js';

/** The error `toMillis` throws for `duration`, or a failure if it does not throw. */
const errorFor = (duration: string | number, field?: string): TributaryError => {
  try {
    toMillis(duration, field);
  } catch (error) {
    return error as TributaryError;
  }
  throw new Error(`${JSON.stringify(duration)} was accepted`);
};

describe('toMillis', () => {
  it('reads a number as milliseconds', () => {
    expect(toMillis(0)).toBe(0);
    expect(toMillis(1_500)).toBe(1_500);
  });

  it.each([
    ['500ms', 500],
    ['10s', 10_000],
    ['1m', 60_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1w', 604_800_000],
    ['1.5s', 1_500],
    ['1m30s', 90_000],
    ['1h1m1s1ms', 3_661_001],
    ['  10s  ', 10_000],
  ])('reads %j as %i ms', (text, ms) => {
    expect(toMillis(text)).toBe(ms);
  });

  it('tells a user who wrote words which unit to use instead', () => {
    expect(errorFor('1 minute').message).toBe('duration: "1 minute" is not a duration; use "1m"');
    expect(errorFor('10 seconds').message).toBe('duration: "10 seconds" is not a duration; use "10s"');
    expect(errorFor('2 hours').message).toBe('duration: "2 hours" is not a duration; use "2h"');
    expect(errorFor('1.5 days').message).toBe('duration: "1.5 days" is not a duration; use "1.5d"');
    expect(errorFor('250 msec').message).toBe('duration: "250 msec" is not a duration; use "250ms"');
  });

  it('suggests the lower-case unit, since upper-case units are not accepted', () => {
    expect(errorFor('10S').message).toBe('duration: "10S" is not a duration; use "10s"');
    expect(() => toMillis('10s')).not.toThrow();
  });

  it('names the setting at fault', () => {
    expect(errorFor('1 minute', 'window.size').message).toBe(
      'window.size: "1 minute" is not a duration; use "1m"',
    );
  });

  it('falls back to examples when it cannot guess the unit', () => {
    expect(errorFor('soon').message).toBe(
      'duration: "soon" is not a duration; use a string like "500ms", "10s", "1m", "1h" or "1d"',
    );
    expect(errorFor('').message).toContain('is not a duration; use a string like "500ms"');
    expect(errorFor('-5s').message).toContain('"-5s" is not a duration');
  });

  it('rejects negative and non-finite numbers', () => {
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(errorFor(bad, 'window.lateness').message).toBe(
        `window.lateness: ${bad} is not a duration; use a non-negative number of milliseconds or a string like "10s"`,
      );
    }
  });

  it('raises a user error with the TRB_INVALID_DURATION code', () => {
    const error = errorFor('1 minute');
    expect(error).toBeInstanceOf(TributaryError);
    expect(error.code).toBe('TRB_INVALID_DURATION');
    expect(error.domain).toBe('user');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [500, '500ms'],
    [10_000, '10s'],
    [90_000, '1m30s'],
    [3_600_500, '1h500ms'],
    [86_400_000, '1d'],
    [604_800_000, '7d'],
  ])('formats %i ms as %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('writes what toMillis reads back', () => {
    for (const ms of [1, 999, 61_000, 86_399_999, 90_061_001]) expect(toMillis(formatDuration(ms))).toBe(ms);
  });
});
