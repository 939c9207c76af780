/**
 * A brute-force model of event-time windows, written from the documented semantics and
 * nothing else: plain arrays, linear scans, and aggregates recomputed from the raw events
 * every time a result is needed. It is meant to be obviously right, not fast; the property
 * tests compare the engine against it.
 *
 * The rules it encodes (see src/engine/time/watermarks.ts and src/engine/windows/*.ts):
 * - Watermarks move only at batch boundaries. Every record of a batch is judged under the
 *   watermark that held when the batch arrived; afterwards the watermark becomes
 *   max(event time seen) - maxOutOfOrderness - 1, and never goes back.
 * - A window [start, end) fires when W >= end - 1 and is held until W >= end - 1 + lateness.
 *   A record for a fired but still held window updates it, and the new result is emitted
 *   at the end of that batch, once per key and window.
 * - A window with end - 1 + lateness <= W is closed for good. A record whose windows are
 *   all closed is late; a hopping record counts only in its windows still open.
 * - Sessions: a record opens [t, t + gap) and merges every held session of its key that it
 *   overlaps (a.start < b.end && b.start < a.end). It is late when its own window is closed
 *   and it overlaps no held session.
 */

/** What the tests push: `id` is the arrival index, unique and increasing. */
export interface Event {
  readonly key: string;
  readonly id: number;
  readonly v: number;
}

export interface TimedEvent {
  readonly value: Event;
  readonly timestamp: number;
}

export type Assigner =
  | { readonly kind: 'tumbling'; readonly size: number; readonly offset: number }
  | { readonly kind: 'hopping'; readonly size: number; readonly slide: number; readonly offset: number }
  | { readonly kind: 'session'; readonly gap: number };

/** A window result as the engine emits it for `{ count, sum, min, max, first, last }`. */
export interface Result {
  readonly key: string;
  readonly start: number;
  readonly end: number;
  readonly count: number;
  readonly sum: number;
  readonly min: number | null;
  readonly max: number | null;
  /** `id` of the earliest event (the earlier arrival among equal times). */
  readonly first: number | null;
  /** `id` of the latest event (the later arrival among equal times). */
  readonly last: number | null;
}

/** An emitted result with its record timestamp (always `end - 1`). */
export interface Emission {
  readonly timestamp: number;
  readonly value: Result;
}

/** A window (fixed or session) of one key and the events it holds. */
export interface ModelWindow {
  readonly key: string;
  start: number;
  end: number;
  events: TimedEvent[];
  /** Index of the last batch that added an event to this window. */
  touchedIn: number;
}

export interface ReferenceRun {
  /** The watermark after each batch. */
  readonly watermarks: number[];
  /** What is emitted while each batch is handled (updates, then windows that fire). */
  readonly emissions: Emission[][];
  /** Events that arrived after all their windows had closed, in arrival order. */
  readonly late: TimedEvent[];
  /** Every window at the end, sessions as finally merged. */
  readonly windows: ModelWindow[];
}

/** The aggregates of a window, recomputed from its events. */
export const resultOf = (window: ModelWindow): Result => {
  const { key, start, end, events } = window;
  const vs = events.map((e) => e.value.v);
  // `first`/`last` order by event time; equal times are ordered by arrival (the id).
  const byTime = [...events].sort((a, b) => a.timestamp - b.timestamp || a.value.id - b.value.id);
  return {
    key,
    start,
    end,
    count: events.length,
    sum: vs.reduce((a, b) => a + b, 0),
    min: vs.length === 0 ? null : Math.min(...vs),
    max: vs.length === 0 ? null : Math.max(...vs),
    first: byTime.length === 0 ? null : byTime[0].value.id,
    last: byTime.length === 0 ? null : byTime[byTime.length - 1].value.id,
  };
};

const emit = (window: ModelWindow): Emission => ({ timestamp: window.end - 1, value: resultOf(window) });

/** Starts of the fixed windows `[start, start + size)` that hold `t`: every `offset + k * slide`. */
export const fixedWindowStarts = (t: number, size: number, slide: number, offset: number): number[] => {
  const starts: number[] = [];
  const lowest = Math.floor((t - size - offset) / slide);
  const highest = Math.floor((t - offset) / slide);
  for (let k = lowest; k <= highest; k++) {
    const start = offset + k * slide;
    if (start <= t && t < start + size) starts.push(start);
  }
  return starts;
};

/** Runs the batches through the model of one windowed, keyed aggregation. */
export const simulate = (
  batches: readonly (readonly TimedEvent[])[],
  assigner: Assigner,
  maxOutOfOrderness: number,
  lateness: number,
): ReferenceRun => {
  let watermark = Number.NEGATIVE_INFINITY;
  let maxSeen = Number.NEGATIVE_INFINITY;
  const windows: ModelWindow[] = [];
  const late: TimedEvent[] = [];
  const watermarks: number[] = [];
  const emissions: Emission[][] = [];
  /** Closed for good: no record may enter it any more. */
  const closed = (end: number) => end - 1 + lateness <= watermark;

  batches.forEach((batch, b) => {
    for (const event of batch) {
      const { key } = event.value;
      const t = event.timestamp;
      if (assigner.kind === 'session') {
        const { gap } = assigner;
        const overlapping = windows.filter(
          (w) => w.key === key && !closed(w.end) && w.start < t + gap && t < w.end,
        );
        if (overlapping.length === 0 && closed(t + gap)) {
          late.push(event);
          continue;
        }
        // The merged session replaces the ones it swallowed.
        const merged: ModelWindow = {
          key,
          start: Math.min(t, ...overlapping.map((w) => w.start)),
          end: Math.max(t + gap, ...overlapping.map((w) => w.end)),
          events: [...overlapping.flatMap((w) => w.events), event],
          touchedIn: b,
        };
        for (const w of overlapping) windows.splice(windows.indexOf(w), 1);
        windows.push(merged);
      } else {
        const slide = assigner.kind === 'hopping' ? assigner.slide : assigner.size;
        const open = fixedWindowStarts(t, assigner.size, slide, assigner.offset).filter(
          (start) => !closed(start + assigner.size),
        );
        if (open.length === 0) {
          late.push(event);
          continue;
        }
        for (const start of open) {
          let window = windows.find((w) => w.key === key && w.start === start);
          if (!window) {
            window = { key, start, end: start + assigner.size, events: [], touchedIn: b };
            windows.push(window);
          }
          window.events.push(event);
          window.touchedIn = b;
        }
      }
    }

    // Windows that had fired before this batch and got records in it are emitted again.
    const out = windows.filter((w) => w.touchedIn === b && w.end - 1 <= watermark).map(emit);

    // Then the watermark moves on and fires what it passed.
    for (const event of batch) maxSeen = Math.max(maxSeen, event.timestamp);
    const previous = watermark;
    watermark = Math.max(watermark, maxSeen - maxOutOfOrderness - 1);
    for (const w of windows) {
      if (w.end - 1 > previous && w.end - 1 <= watermark) out.push(emit(w));
    }
    watermarks.push(watermark);
    emissions.push(out);
  });

  return { watermarks, emissions, late, windows };
};
