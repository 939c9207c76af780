import { TributaryError } from '../../errors.js';
import { type Duration, toMillis } from '../time/duration.js';

/** Windows as data: what a plan holds, a checkpoint names and the YAML form writes. */
export type WindowAssigner = TumblingWindows | HoppingWindows | SessionWindows;

/** Fixed, non-overlapping windows `[start, start + size)`, aligned to `offset`. */
export interface TumblingWindows {
  readonly kind: 'tumbling';
  readonly size: number;
  readonly offset: number;
}

/** Fixed windows of `size` that start every `slide`; a record falls into `size / slide` of them. */
export interface HoppingWindows {
  readonly kind: 'hopping';
  readonly size: number;
  readonly slide: number;
  readonly offset: number;
}

/**
 * Per-key activity sessions: a record opens `[t, t + gap)`, and sessions that overlap merge.
 * A record exactly `gap` after the last one starts a new session.
 */
export interface SessionWindows {
  readonly kind: 'session';
  readonly gap: number;
}

const positive = (duration: Duration, field: string): number => {
  const ms = toMillis(duration, field);
  if (ms <= 0 || !Number.isInteger(ms)) {
    throw new TributaryError(
      'TRB_INVALID_WINDOW',
      `${field}: must be a whole number of milliseconds above 0, got ${ms}`,
    );
  }
  return ms;
};

/** Tumbling windows: `tumbling('1m')`. */
export const tumbling = (size: Duration, options: { offset?: Duration } = {}): TumblingWindows => {
  const sizeMs = positive(size, 'window.size');
  const offset = toMillis(options.offset ?? 0, 'window.offset');
  if (offset >= sizeMs) {
    throw new TributaryError(
      'TRB_INVALID_WINDOW',
      `window.offset: ${offset}ms must be less than window.size (${sizeMs}ms)`,
    );
  }
  return Object.freeze({ kind: 'tumbling', size: sizeMs, offset });
};

/** Hopping (sliding) windows: `hopping('1m', '10s')` — one-minute windows every ten seconds. */
export const hopping = (
  size: Duration,
  slide: Duration,
  options: { offset?: Duration } = {},
): HoppingWindows => {
  const sizeMs = positive(size, 'window.size');
  const slideMs = positive(slide, 'window.slide');
  if (slideMs > sizeMs) {
    throw new TributaryError(
      'TRB_INVALID_WINDOW',
      `window.slide: ${slideMs}ms is longer than window.size (${sizeMs}ms), so records between windows would be lost; use a slide of at most the size`,
    );
  }
  const offset = toMillis(options.offset ?? 0, 'window.offset');
  if (offset >= slideMs) {
    throw new TributaryError(
      'TRB_INVALID_WINDOW',
      `window.offset: ${offset}ms must be less than window.slide (${slideMs}ms)`,
    );
  }
  return Object.freeze({ kind: 'hopping', size: sizeMs, slide: slideMs, offset });
};

/** Session windows closed by `gap` of inactivity per key: `session('30s')`. */
export const session = (gap: Duration): SessionWindows =>
  Object.freeze({ kind: 'session', gap: positive(gap, 'window.gap') });

/** Start of the window of length `every` (aligned to `offset`) that holds `timestamp`. */
export const alignedStart = (timestamp: number, every: number, offset: number): number => {
  const shifted = (timestamp - offset) % every;
  return timestamp - (shifted < 0 ? shifted + every : shifted);
};
