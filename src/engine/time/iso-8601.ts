/**
 * A strict reader of ISO-8601 timestamps, in the profile RFC 3339 defines for the internet:
 *
 * - `YYYY-MM-DD`, a date: midnight UTC (as `Date.parse` reads a date alone);
 * - `YYYY-MM-DDTHH:mm[:ss[.fraction]]` followed by `Z` or an offset `±HH:mm`. RFC 3339 also
 *   allows a space for the `T`, and `t` and `z` in lower case; ISO-8601 allows `,` for the
 *   decimal point. Digits of the fraction below the millisecond are cut off.
 *
 * `Date.parse` is not used: it takes almost anything (`"42"` is the year 2042 in local
 * time), rolls impossible dates over (`1970-02-30` is 2 March) and reads a date-time
 * without an offset in the host's time zone. Here every accepted string means one instant
 * on every machine:
 *
 * - a date-time without an offset is refused (`'no-offset'`): it names a wall-clock time,
 *   not an instant;
 * - hours run 00–23: `24:00` (ISO-8601's end of day) is refused rather than read as the next
 *   day, and so is a leap second `:60`, which JavaScript time cannot hold;
 * - years run 0000–9999, without expanded (±YYYYYY) years or the basic format (`20240307`).
 */

/** Examples of the accepted forms, for error messages. */
export const ISO_8601_EXAMPLES =
  '"2024-03-07" (midnight UTC), "2024-03-07T12:00:00Z" or "2024-03-07T12:00:00.250+01:00"';

/**
 * Why a string is not an accepted timestamp: `'not-iso'` when it does not have the form,
 * `'no-offset'` when it is a date-time without an offset, else a sentence naming the field
 * out of range (`'1970-02 has 28 days, not 30'`).
 */
export type Iso8601Problem = 'not-iso' | 'no-offset' | (string & {});

const MS_PER_DAY = 86_400_000;

/** Milliseconds since the epoch of `text`, or why it is not an ISO-8601 timestamp. */
export const parseIso8601 = (text: string): number | Iso8601Problem => {
  const length = text.length;
  if (length < 10 || text.charCodeAt(4) !== DASH || text.charCodeAt(7) !== DASH) return 'not-iso';
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  if (year < 0 || month < 0 || day < 0) return 'not-iso';
  let hour = 0;
  let minute = 0;
  let second = 0;
  let ms = 0;
  /** Offset east of UTC in minutes; NaN: the date-time has none. */
  let offset = 0;
  if (length > 10) {
    const separator = text.charCodeAt(10);
    if (separator !== T && separator !== T_LOWER && separator !== SPACE) return 'not-iso';
    if (text.charCodeAt(13) !== COLON) return 'not-iso';
    hour = digits(text, 11, 2);
    minute = digits(text, 14, 2);
    if (hour < 0 || minute < 0) return 'not-iso';
    let at = 16;
    if (text.charCodeAt(at) === COLON) {
      second = digits(text, at + 1, 2);
      if (second < 0) return 'not-iso';
      at += 3;
      const mark = text.charCodeAt(at);
      if (mark === DOT || mark === COMMA) {
        const from = ++at;
        while (isDigit(text.charCodeAt(at))) at++;
        if (at === from) return 'not-iso';
        // The first three digits are the milliseconds; the rest is cut off, as Date.parse does.
        for (let i = from; i < from + 3; i++) ms = ms * 10 + (i < at ? text.charCodeAt(i) - ZERO : 0);
      }
    }
    const zone = text.charCodeAt(at);
    if (at === length) {
      offset = Number.NaN;
    } else if (zone === Z || zone === Z_LOWER) {
      if (at + 1 !== length) return 'not-iso';
    } else if (zone === PLUS || zone === MINUS) {
      const offsetHours = digits(text, at + 1, 2);
      const offsetMinutes = digits(text, at + 4, 2);
      if (at + 6 !== length || text.charCodeAt(at + 3) !== COLON || offsetHours < 0 || offsetMinutes < 0) {
        return 'not-iso';
      }
      if (offsetHours > 23 || offsetMinutes > 59) return `offset ${text.slice(at)} is out of range ±23:59`;
      offset = (zone === MINUS ? -1 : 1) * (offsetHours * 60 + offsetMinutes);
    } else {
      return 'not-iso';
    }
  }
  const problem = rangeProblem(year, month, day, hour, minute, second);
  if (problem !== undefined) return problem;
  if (Number.isNaN(offset)) return 'no-offset';
  return (
    daysFromCivil(year, month, day) * MS_PER_DAY + ((hour * 60 + minute - offset) * 60 + second) * 1000 + ms
  );
};

const rangeProblem = (
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
): string | undefined => {
  if (month < 1 || month > 12) return `there is no month ${two(month)}`;
  if (day < 1) return `there is no day ${two(day)}`;
  const days = daysInMonth(year, month);
  if (day > days) return `${String(year).padStart(4, '0')}-${two(month)} has ${days} days, not ${day}`;
  if (hour > 23)
    return `hour ${hour} is out of range 00–23${hour === 24 ? ' (write the next day at 00:00)' : ''}`;
  if (minute > 59) return `minute ${minute} is out of range 00–59`;
  if (second > 59) {
    return `second ${second} is out of range 00–59${second === 60 ? ' (leap seconds are not accepted)' : ''}`;
  }
  return undefined;
};

const two = (n: number): string => String(n).padStart(2, '0');

const isLeapYear = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

const daysInMonth = (year: number, month: number): number =>
  month === 2
    ? isLeapYear(year)
      ? 29
      : 28
    : month === 4 || month === 6 || month === 9 || month === 11
      ? 30
      : 31;

/**
 * Days from 1970-01-01 to a date of the proleptic Gregorian calendar (H. Hinnant's
 * `days_from_civil`): years are counted from March, so that the leap day ends the year.
 */
const daysFromCivil = (year: number, month: number, day: number): number => {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
};

/** The number written by `count` digits at `from`, or -1 if any of them is not a digit. */
const digits = (text: string, from: number, count: number): number => {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const c = text.charCodeAt(i);
    if (!isDigit(c)) return -1;
    n = n * 10 + c - ZERO;
  }
  return n;
};

const isDigit = (c: number): boolean => c >= ZERO && c <= ZERO + 9;

const ZERO = 48;
const DASH = 45;
const COLON = 58;
const DOT = 46;
const COMMA = 44;
const PLUS = 43;
const MINUS = 45;
const SPACE = 32;
const T = 84;
const T_LOWER = 116;
const Z = 90;
const Z_LOWER = 122;
