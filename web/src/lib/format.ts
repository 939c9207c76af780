/** Number and time formatting for a dashboard read from across a room: short, stable widths. */

const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });
const whole = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });
const twoDecimals = new Intl.NumberFormat('en', { maximumFractionDigits: 2 });

export const PLACEHOLDER = '—';

/** 5033 → "5.0K", 12.34 → "12.3", 0.5 → "0.5". */
export const formatNumber = (value: number | null | undefined): string => {
  if (value === null || value === undefined || !Number.isFinite(value)) return PLACEHOLDER;
  const abs = Math.abs(value);
  if (abs >= 10_000) return compact.format(value);
  if (abs >= 100) return whole.format(value);
  if (abs >= 10) return oneDecimal.format(value);
  return twoDecimals.format(value);
};

/** A count shown exactly, with separators: 1200000 → "1,200,000". */
export const formatCount = (value: number | null | undefined): string =>
  value === null || value === undefined || !Number.isFinite(value) ? PLACEHOLDER : whole.format(value);

/** Milliseconds as the unit that reads best: 0.99 → "0.99 ms", 2048 → "2.0 s", 125000 → "2m 5s". */
export const formatDuration = (ms: number | null | undefined): string => {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return PLACEHOLDER;
  const abs = Math.abs(ms);
  if (abs < 10) return `${twoDecimals.format(ms)} ms`;
  if (abs < 1000) return `${whole.format(ms)} ms`;
  if (abs < 60_000) return `${oneDecimal.format(ms / 1000)} s`;
  return formatUptime(ms / 1000);
};

/** Seconds as "3d 4h", "2h 5m", "4m 12s", "12s". */
export const formatUptime = (seconds: number | null | undefined): string => {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return PLACEHOLDER;
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s % 60}s`;
  return `${s}s`;
};

/** How long ago `at` was, relative to `now`: "just now", "12 s ago", "3 min ago". */
export const formatAgo = (at: number | null | undefined, now: number): string => {
  if (at === null || at === undefined || !Number.isFinite(at)) return PLACEHOLDER;
  const seconds = Math.round((now - at) / 1000);
  if (seconds < 2) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
};

const timeFormat = new Intl.DateTimeFormat('en-GB', {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});
const dateTimeFormat = new Intl.DateTimeFormat('en-GB', {
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});

export const formatTime = (ms: number | null | undefined): string =>
  ms === null || ms === undefined || !Number.isFinite(ms) ? PLACEHOLDER : timeFormat.format(ms);

export const formatDateTime = (ms: number | null | undefined): string =>
  ms === null || ms === undefined || !Number.isFinite(ms) ? PLACEHOLDER : dateTimeFormat.format(ms);

/** A step in ms as a duration the API takes: 60000 → "1m". */
export const formatStep = (ms: number): string => {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
};

/** A value of a stored result, for a table cell. */
export const formatValue = (value: unknown): string => {
  if (typeof value === 'number') return formatNumber(value);
  if (value === null || value === undefined) return PLACEHOLDER;
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
};
