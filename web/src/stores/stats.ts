import { shallowRef } from 'vue';
import type { PlatformStats } from '../../../src/contract/index.js';
import { ApiError, api } from '../api/client';
import { RingBuffer } from '../lib/ring-buffer';
import { live } from '../live/live';

/** One `stats` update as the charts plot it; `t` is when the page received it. */
export interface StatsSample {
  readonly t: number;
  readonly eventsIn: number;
  readonly eventsOut: number;
  readonly p50: number | null;
  readonly p99: number | null;
  readonly deadLettered: number;
  readonly lateEvents: number;
  /** Dead letters per minute over the samples of the last `RATE_WINDOW_MS`; null until measurable. */
  readonly deadLettersPerMin: number | null;
  readonly lateEventsPerMin: number | null;
}

/** Ten minutes at one update per second. */
export const HISTORY_CAPACITY = 600;
/** Per-minute rates are measured over this much history, once at least `MIN_RATE_SPAN_MS` exists. */
const RATE_WINDOW_MS = 60_000;
const MIN_RATE_SPAN_MS = 5_000;

/**
 * The platform's stats for the whole page: one `stats` subscription for the page's
 * lifetime, so charts keep their history while a person moves between views.
 */
export const stats = {
  latest: shallowRef<PlatformStats | null>(null),
  history: new RingBuffer<StatsSample>(HISTORY_CAPACITY),
  /** Bumped on every sample: what computed chart options depend on. */
  version: shallowRef(0),
  error: shallowRef<ApiError | null>(null),
};

/** The change of a counter per minute between the oldest sample within the window and now. */
const perMinute = (t: number, value: number, pick: (s: StatsSample) => number): number | null => {
  const history = stats.history;
  let oldest: StatsSample | undefined;
  for (let i = history.length - 1; i >= 0; i--) {
    const sample = history.at(i) as StatsSample;
    if (t - sample.t > RATE_WINDOW_MS) break;
    oldest = sample;
  }
  if (!oldest || t - oldest.t < MIN_RATE_SPAN_MS) return null;
  return ((value - pick(oldest)) / (t - oldest.t)) * 60_000;
};

/** One update into the history; `t` is when it was measured, on this page's clock. */
const record = (data: PlatformStats, t = Date.now()): void => {
  const previous = stats.latest.value;
  // Counters start again with a new platform process: so does the history they feed.
  if (previous && (data.uptimeSec < previous.uptimeSec || data.deadLettered < previous.deadLettered)) {
    stats.history.clear();
  }
  stats.latest.value = data;
  stats.error.value = null;
  stats.history.push({
    t,
    eventsIn: data.eventsInPerSec,
    eventsOut: data.eventsOutPerSec,
    p50: data.latencyMs.p50,
    p99: data.latencyMs.p99,
    deadLettered: data.deadLettered,
    lateEvents: data.lateEvents,
    deadLettersPerMin: perMinute(t, data.deadLettered, (s) => s.deadLettered),
    lateEventsPerMin: perMinute(t, data.lateEvents, (s) => s.lateEvents),
  });
  stats.version.value++;
};

/** A page that opens draws the last minutes at once: the server kept its stats of each second. */
const loadHistory = async (): Promise<void> => {
  const { samples } = await api.statsHistory().catch(() => ({ samples: [] }));
  // The server's clock, as this page's: the newest sample is about now.
  const skew = samples.length > 0 ? Date.now() - samples[samples.length - 1].at : 0;
  for (const { at, ...sample } of samples) record(sample, at + skew);
};

const load = async (): Promise<void> => {
  try {
    record(await api.stats());
  } catch (error) {
    stats.error.value = error instanceof ApiError ? error : new ApiError(0, 'UNKNOWN', String(error));
  }
};

let started = false;

/**
 * Starts the page-wide feed: the recent history, then the live channel (so that samples
 * come in order), and a REST read for the first numbers.
 */
export const startStats = (): void => {
  if (started) return;
  started = true;
  void loadHistory().then(() => {
    void load();
    live.subscribe('stats', (data) => record(data as PlatformStats));
  });
  live.onReconnect(() => void load());
};
