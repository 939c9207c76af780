import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { parseIso8601 } from '../../../src/engine/time/iso-8601.js';

/** The instant, built by `Date` in UTC: the reference the parser is held to. */
const utc = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number => {
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, keeps years 0–99 as they are.
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, ms);
  return date.getTime();
};

/** Days in month `mo` of year `y`, by asking `Date` for the day before the next month's 1st. */
const daysIn = (y: number, mo: number): number => {
  const date = new Date(0);
  date.setUTCFullYear(y, mo, 0);
  return date.getUTCDate();
};

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

describe('ISO-8601 dates and date-times', () => {
  it('a date alone is midnight UTC', () => {
    expect(parseIso8601('2024-03-07')).toBe(utc(2024, 3, 7));
    expect(parseIso8601('1970-01-01')).toBe(0);
  });

  it('a date-time with Z or an offset, to the minute, second or any fraction of it', () => {
    expect(parseIso8601('2024-03-07T12:30Z')).toBe(utc(2024, 3, 7, 12, 30));
    expect(parseIso8601('2024-03-07T12:30:15Z')).toBe(utc(2024, 3, 7, 12, 30, 15));
    expect(parseIso8601('2024-03-07T12:30:15.250Z')).toBe(utc(2024, 3, 7, 12, 30, 15, 250));
    expect(parseIso8601('2024-03-07T12:30:15.5Z')).toBe(utc(2024, 3, 7, 12, 30, 15, 500));
    // Below the millisecond is cut off, as Date.parse does.
    expect(parseIso8601('2024-03-07T12:30:15.123999Z')).toBe(utc(2024, 3, 7, 12, 30, 15, 123));
    expect(parseIso8601('2024-03-07T12:30:15,250Z')).toBe(utc(2024, 3, 7, 12, 30, 15, 250));
    expect(parseIso8601('2024-03-07T12:30:15+01:00')).toBe(utc(2024, 3, 7, 11, 30, 15));
    expect(parseIso8601('2024-03-07T01:30:15-05:30')).toBe(utc(2024, 3, 7, 7, 0, 15));
    expect(parseIso8601('2024-03-07T00:00:00-00:00')).toBe(utc(2024, 3, 7));
  });

  it('RFC 3339 also allows a space for the T, and lower-case t and z', () => {
    expect(parseIso8601('2024-03-07 12:30:15Z')).toBe(utc(2024, 3, 7, 12, 30, 15));
    expect(parseIso8601('2024-03-07t12:30:15z')).toBe(utc(2024, 3, 7, 12, 30, 15));
  });

  it('knows month lengths and leap years', () => {
    expect(parseIso8601('2024-02-29')).toBe(utc(2024, 2, 29));
    expect(parseIso8601('2000-02-29T00:00Z')).toBe(utc(2000, 2, 29));
    expect(parseIso8601('1970-02-30T00:00:00Z')).toBe('1970-02 has 28 days, not 30');
    expect(parseIso8601('2023-02-29')).toBe('2023-02 has 28 days, not 29');
    expect(parseIso8601('1900-02-29')).toBe('1900-02 has 28 days, not 29');
    expect(parseIso8601('2024-04-31')).toBe('2024-04 has 30 days, not 31');
    expect(parseIso8601('2024-13-01')).toBe('there is no month 13');
    expect(parseIso8601('2024-00-10')).toBe('there is no month 00');
    expect(parseIso8601('2024-01-00')).toBe('there is no day 00');
  });

  it('hours run 00–23, minutes and seconds 00–59', () => {
    expect(parseIso8601('2024-03-07T23:59:59.999Z')).toBe(utc(2024, 3, 7, 23, 59, 59, 999));
    expect(parseIso8601('2024-03-07T24:00:00Z')).toBe(
      'hour 24 is out of range 00–23 (write the next day at 00:00)',
    );
    expect(parseIso8601('2024-03-07T12:60Z')).toBe('minute 60 is out of range 00–59');
    expect(parseIso8601('2024-03-07T12:00:60Z')).toBe(
      'second 60 is out of range 00–59 (leap seconds are not accepted)',
    );
    expect(parseIso8601('2024-03-07T12:00+24:00')).toBe('offset +24:00 is out of range ±23:59');
  });

  it('a date-time without an offset is refused: its instant would depend on the host time zone', () => {
    for (const local of ['2024-03-07T12:30', '2024-03-07T12:30:15', '2024-03-07 12:30:15.250']) {
      expect(parseIso8601(local)).toBe('no-offset');
    }
  });

  it('refuses what Date.parse takes but ISO-8601 does not have', () => {
    for (const text of [
      '42',
      '1700000000000',
      'Thu, 01 Jan 1970 00:00:04 GMT',
      '1970/01/01 00:00:05 UTC',
      '2024-3-7',
      '2024-03-07T12Z',
      '2024-03-07T12:30:15+0100',
      '2024-03-07T12:30:15 Z',
      '2024-03-07Z',
      '2024-03-07T',
      '+002024-03-07',
      '2024-03-07T12:30:15.Z',
      ' 2024-03-07',
      '2024-03-07 ',
      '',
    ]) {
      expect(parseIso8601(text), text).toBe('not-iso');
    }
  });

  describe('against Date.UTC', () => {
    const dateTimes = fc
      .record({
        y: fc.integer({ min: 0, max: 9999 }),
        mo: fc.integer({ min: 1, max: 12 }),
        dayFraction: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        h: fc.integer({ min: 0, max: 23 }),
        mi: fc.integer({ min: 0, max: 59 }),
        s: fc.option(fc.integer({ min: 0, max: 59 }), { nil: undefined }),
        fraction: fc.option(fc.stringMatching(/^[0-9]{1,9}$/), { nil: undefined }),
        offset: fc.option(fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }), { nil: undefined }),
        separator: fc.constantFrom('T', 't', ' '),
      })
      .map((r) => ({ ...r, d: 1 + Math.floor(r.dayFraction * daysIn(r.y, r.mo)) }));

    type DateTime = typeof dateTimes extends fc.Arbitrary<infer D> ? D : never;

    /** `r` as RFC 3339 text: Z when it has no offset, seconds and fraction when it has them. */
    const format = (r: DateTime): string => {
      const date = `${pad(r.y, 4)}-${pad(r.mo)}-${pad(r.d)}`;
      let time = `${pad(r.h)}:${pad(r.mi)}`;
      if (r.s !== undefined) time += `:${pad(r.s)}${r.fraction === undefined ? '' : `.${r.fraction}`}`;
      const zone =
        r.offset === undefined
          ? 'Z'
          : `${r.offset < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(r.offset) / 60))}:${pad(Math.abs(r.offset) % 60)}`;
      return `${date}${r.separator}${time}${zone}`;
    };

    const reference = (r: DateTime): number => {
      const ms =
        r.s === undefined || r.fraction === undefined ? 0 : Number(r.fraction.padEnd(3, '0').slice(0, 3));
      return utc(r.y, r.mo, r.d, r.h, r.mi, r.s ?? 0, ms) - (r.offset ?? 0) * 60_000;
    };

    const agrees = () =>
      fc.assert(
        fc.property(dateTimes, (r) => {
          expect(parseIso8601(format(r))).toBe(reference(r));
        }),
        { numRuns: 2_000 },
      );

    it('every valid date-time of years 0000–9999 gives the instant Date.UTC computes', agrees);

    it('every valid date gives its midnight UTC', () => {
      fc.assert(
        fc.property(dateTimes, ({ y, mo, d }) => {
          expect(parseIso8601(`${pad(y, 4)}-${pad(mo)}-${pad(d)}`)).toBe(utc(y, mo, d));
        }),
        { numRuns: 1_000 },
      );
    });

    it('a day past the end of its month is refused', () => {
      fc.assert(
        fc.property(dateTimes, fc.integer({ min: 1, max: 68 }), ({ y, mo }, past) => {
          const day = daysIn(y, mo) + past;
          expect(parseIso8601(`${pad(y, 4)}-${pad(mo)}-${pad(day)}T00:00Z`)).toMatch(/days, not|no day/);
        }),
      );
    });

    describe('whatever the host time zone', () => {
      const original = process.env.TZ;
      afterEach(() => {
        if (original === undefined) delete process.env.TZ;
        else process.env.TZ = original;
      });

      it.each(['America/New_York', 'Asia/Kolkata', 'Pacific/Chatham'])('%s', (zone) => {
        process.env.TZ = zone;
        // Node applies TZ at once: a local time now means another instant than in UTC.
        expect(new Date(2024, 0, 1).getTime()).not.toBe(Date.UTC(2024, 0, 1));
        agrees();
        expect(parseIso8601('2024-03-07')).toBe(utc(2024, 3, 7));
      });
    });
  });

  // With a T, Date.parse takes the ISO path too (with a space, V8 falls back to guessing).
  it('what it accepts, Date.parse reads as the same instant', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(
          /^[0-9]{4}-[01][0-9]-[0-3][0-9](T[0-2][0-9]:[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?(Z|[+-][01][0-9]:[0-5][0-9]))?$/,
        ),
        (text) => {
          const parsed = parseIso8601(text);
          if (typeof parsed === 'number') expect(parsed).toBe(Date.parse(text));
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
