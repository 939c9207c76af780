import { TributaryError } from '../../errors.js';

/** A span of time: milliseconds, or a string such as `"500ms"`, `"10s"`, `"1m"`, `"2h"`, `"1d"`, `"1m30s"`. */
export type Duration = number | string;

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;

/**
 * Milliseconds in a duration. `field` names the setting in the error, so that a user reads
 * `window.size: "1 minute" is not a duration; use "1m"` rather than a bare parse failure.
 */
export const toMillis = (duration: Duration, field = 'duration'): number => {
  if (typeof duration === 'number') {
    if (Number.isFinite(duration) && duration >= 0) return duration;
    throw new TributaryError(
      'TRB_INVALID_DURATION',
      `${field}: ${duration} is not a duration; use a non-negative number of milliseconds or a string like "10s"`,
    );
  }
  const text = String(duration).trim();
  if (!DURATION.test(text)) {
    throw new TributaryError(
      'TRB_INVALID_DURATION',
      `${field}: ${JSON.stringify(duration)} is not a duration; use ${suggest(text)}`,
    );
  }
  let total = 0;
  for (const [, amount, unit] of text.matchAll(PART)) total += Number(amount) * UNIT_MS[unit];
  return total;
};

const WORDS: Record<string, string> = {
  millisecond: 'ms',
  milliseconds: 'ms',
  msec: 'ms',
  second: 's',
  seconds: 's',
  sec: 's',
  secs: 's',
  minute: 'm',
  minutes: 'm',
  min: 'm',
  mins: 'm',
  hour: 'h',
  hours: 'h',
  hr: 'h',
  day: 'd',
  days: 'd',
  week: 'w',
  weeks: 'w',
};

/** Turns "1 minute" into `"1m"` for the error message; falls back to an example. */
const suggest = (text: string): string => {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/i.exec(text);
  const word = match?.[2].toLowerCase();
  const unit = word && (WORDS[word] ?? (UNIT_MS[word] ? word : undefined));
  return match && unit ? `"${match[1]}${unit}"` : 'a string like "500ms", "10s", "1m", "1h" or "1d"';
};

/** Formats milliseconds as the shortest duration string (`90000` → `"1m30s"`). */
export const formatDuration = (ms: number): string => {
  if (ms < 1) return `${ms}ms`;
  let rest = ms;
  let text = '';
  for (const unit of ['d', 'h', 'm', 's', 'ms']) {
    const size = UNIT_MS[unit];
    const amount = Math.floor(rest / size);
    if (amount > 0) {
      text += `${amount}${unit}`;
      rest -= amount * size;
    }
  }
  return text;
};
