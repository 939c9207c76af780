/**
 * The pattern detectors, one state per key, fed with that key's events in event-time
 * order (the compiled step buffers events until the watermark passes them). Each state is
 * plain JSON, so that it goes into the pipeline's checkpoints.
 *
 * Events carry tags: bit 1 — the event is an A (for a count: it counts), bit 2 — it is a B.
 * Detectors report through `out(value, at)`: a positive value is a match (the count, or 1),
 * 0 clears a match that no longer holds.
 */

export const TAG_A = 1;
export const TAG_B = 2;

export type Emit = (value: number, at: number) => void;

export interface Machine<S> {
  init(): S;
  /** An event at `ts`; every earlier event has been seen. */
  event(state: S, ts: number, tags: number, out: Emit): void;
  /** Event time reached `t`: no event at or before it will come. */
  advance(state: S, t: number, out: Emit): void;
  /** When the state next needs `advance`, if ever. */
  deadline(state: S): number | undefined;
  /** Nothing left worth keeping. */
  idle(state: S): boolean;
}

export interface CountState {
  /** Times of counted events within the window, ascending. */
  times: number[];
  active: boolean;
}

/**
 * More than `moreThan` events within any `within` of event time: the window ending at
 * each event is `(ts − within, ts]`. Reports the count when it passes the limit and as it
 * grows, and 0 when events leave the window and the count falls back to the limit.
 */
export const countMachine = (moreThan: number, within: number): Machine<CountState> => {
  const advance = (s: CountState, t: number, out: Emit) => {
    while (s.times.length > 0 && s.times[0] + within <= t) {
      const at = s.times[0] + within;
      while (s.times.length > 0 && s.times[0] + within <= at) s.times.shift();
      if (s.active && s.times.length <= moreThan) {
        s.active = false;
        out(0, at);
      }
    }
  };
  return {
    init: () => ({ times: [], active: false }),
    event(s, ts, tags, out) {
      advance(s, ts - 1, out);
      while (s.times.length > 0 && s.times[0] <= ts - within) s.times.shift();
      if (tags & TAG_A) s.times.push(ts);
      if (s.times.length > moreThan) {
        if (!s.active || tags & TAG_A) out(s.times.length, ts);
        s.active = true;
      } else if (s.active) {
        s.active = false;
        out(0, ts);
      }
    },
    advance,
    deadline: (s) => (s.times.length > 0 ? s.times[0] + within : undefined),
    idle: (s) => s.times.length === 0 && !s.active,
  };
};

export interface SequenceState {
  /** Times of A events that a B may still follow, ascending. */
  firsts: number[];
}

/** An A, then a B at most `within` later: reports 1 at the B. An A is used by one match. */
export const sequenceMachine = (within: number): Machine<SequenceState> => {
  const evict = (s: SequenceState, t: number) => {
    while (s.firsts.length > 0 && s.firsts[0] < t - within) s.firsts.shift();
  };
  return {
    init: () => ({ firsts: [] }),
    event(s, ts, tags, out) {
      evict(s, ts);
      if (tags & TAG_B && s.firsts.length > 0) {
        s.firsts = [];
        out(1, ts);
      }
      if (tags & TAG_A) s.firsts.push(ts);
    },
    advance: (s, t) => evict(s, t),
    deadline: (s) => (s.firsts.length > 0 ? s.firsts[0] + within + 1 : undefined),
    idle: (s) => s.firsts.length === 0,
  };
};

export interface AbsenceState {
  /** Times of A events still waiting for their B, ascending. */
  firsts: number[];
  /** A missing B was reported and no B came since. */
  active: boolean;
}

/**
 * An A not followed by a B within `within` (a B at exactly A + within is in time): reports 1
 * when the time runs out; a B arriving later reports 0, clearing it.
 */
export const notFollowedMachine = (within: number): Machine<AbsenceState> => {
  const advance = (s: AbsenceState, t: number, out: Emit) => {
    while (s.firsts.length > 0 && s.firsts[0] + within <= t) {
      const at = s.firsts.shift()! + within;
      s.active = true;
      out(1, at);
    }
  };
  return {
    init: () => ({ firsts: [], active: false }),
    event(s, ts, tags, out) {
      advance(s, ts - 1, out);
      if (tags & TAG_B) {
        s.firsts = [];
        if (s.active) {
          s.active = false;
          out(0, ts);
        }
      }
      if (tags & TAG_A) s.firsts.push(ts);
    },
    advance,
    deadline: (s) => (s.firsts.length > 0 ? s.firsts[0] + within : undefined),
    idle: (s) => s.firsts.length === 0 && !s.active,
  };
};
