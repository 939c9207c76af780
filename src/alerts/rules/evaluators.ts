import type { AlertRecord } from '../alert-record.js';
import type { Labels, Observation } from '../model.js';
import { passes } from './levels.js';
import type { AbsenceRule, AnomalyRule, CompiledRule, PatternAlertRule, RateRule } from './rule.js';

/** Where evaluators report the conditions of their levels starting, holding and ending. */
export interface AlertSink {
  activate(
    rule: CompiledRule,
    state: KeyState,
    key: string,
    level: number,
    value: number,
    sample: number,
    at: number,
  ): void;
  update(state: KeyState, level: number, value: number, sample: number, at: number): void;
  deactivate(state: KeyState, level: number, value: number, at: number): void;
}

/** What an evaluator keeps per key: the newest event time seen and the alert of each level. */
export class KeyState {
  lastTs = Number.NEGATIVE_INFINITY;
  /** How many levels have an alert. */
  active = 0;
  readonly alerts: (AlertRecord | undefined)[];
  /** Labels and fingerprint of each level's alert, worked out at its first start and kept. */
  identities: ({ readonly labels: Labels; readonly fingerprint: string } | undefined)[] | undefined;

  constructor(levels: number) {
    this.alerts = new Array(levels).fill(undefined);
  }
}

/**
 * Judges one value of one key against every level of a rule: a level without an alert
 * starts one when the value passes its bound; a level with one keeps it while the value
 * stays past the release bound (hysteresis), and ends it otherwise. Most values pass no
 * bound and leave after one comparison.
 */
export const judge = (
  rule: CompiledRule,
  state: KeyState,
  key: string,
  value: number,
  sample: number,
  at: number,
  sink: AlertSink,
): void => {
  const { levels, op } = rule;
  if (state.active === 0 && !passes(op, value, rule.entry)) return;
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    if (state.alerts[i] !== undefined) {
      if (passes(op, value, level.release)) sink.update(state, i, value, sample, at);
      else sink.deactivate(state, i, value, at);
    } else if (passes(op, value, level.bound)) {
      sink.activate(rule, state, key, i, value, sample, at);
    }
  }
};

export interface Evaluator {
  readonly rule: CompiledRule;
  observe(observation: Observation, now: number, sink: AlertSink): void;
  /** Time-based judgements (absence, pattern expiry). */
  tick?(now: number, sink: AlertSink): void;
  /** Re-attaches an alert restored from the store; false when the rule no longer has its key or level. */
  restore(record: AlertRecord, now: number): boolean;
  /** Every key state with an alert, to end them when the rule goes away. */
  states(): Iterable<KeyState>;
  /** Keys with state. */
  readonly size: number;
}

abstract class KeyedEvaluator<S extends KeyState> implements Evaluator {
  protected readonly keys = new Map<string, S>();

  constructor(readonly rule: CompiledRule) {}

  abstract observe(observation: Observation, now: number, sink: AlertSink): void;
  protected abstract create(): S;

  protected stateOf(key: string): S {
    let state = this.keys.get(key);
    if (state === undefined) {
      state = this.create();
      this.keys.set(key, state);
    }
    return state;
  }

  restore(record: AlertRecord, _now: number): boolean {
    if (
      record.level >= this.rule.levels.length ||
      this.rule.levels[record.level].severity !== record.severity
    )
      return false;
    const state = this.stateOf(record.key);
    if (state.alerts[record.level] !== undefined) return false;
    state.alerts[record.level] = record;
    state.active++;
    state.lastTs = Math.max(state.lastTs, record.observedAt);
    return true;
  }

  *states(): Iterable<KeyState> {
    for (const state of this.keys.values()) if (state.active > 0) yield state;
  }

  get size(): number {
    return this.keys.size;
  }
}

/**
 * The value itself against the levels. Values older than the newest of their key are stale
 * and ignored.
 *
 * This is the rule most configurations have by the thousand, so its per-key bookkeeping is
 * lean: a key maps to a slot, the newest time and whether any level is on live in typed
 * arrays, and a `KeyState` exists only for keys that have had an alert. A value short of
 * the first bound — nearly all of them — costs one map look-up and two array reads.
 */
export class ThresholdEvaluator implements Evaluator {
  private readonly slots = new Map<string, number>();
  private lastTs = new Float64Array(16);
  private on = new Uint8Array(16);
  private readonly keyStates: (KeyState | undefined)[] = [];
  private readonly bounds: Float64Array;
  private readonly upward: boolean;
  private readonly strict: boolean;

  constructor(readonly rule: CompiledRule) {
    this.bounds = Float64Array.of(rule.entry);
    this.upward = rule.op === '>' || rule.op === '>=';
    this.strict = rule.op === '>' || rule.op === '<';
  }

  observe(o: Observation, _now: number, sink: AlertSink): void {
    let slot = this.slots.get(o.key);
    if (slot === undefined) slot = this.newSlot(o.key);
    const ts = o.timestamp;
    if (ts < this.lastTs[slot]) return;
    this.lastTs[slot] = ts;
    const value = o.value;
    if (this.on[slot] === 0) {
      const entry = this.bounds[0];
      const enters = this.upward
        ? this.strict
          ? value > entry
          : value >= entry
        : this.strict
          ? value < entry
          : value <= entry;
      if (!enters) return;
    }
    const state = this.stateAt(slot);
    judge(this.rule, state, o.key, value, value, ts, sink);
    this.on[slot] = state.active > 0 ? 1 : 0;
  }

  restore(record: AlertRecord, _now: number): boolean {
    if (
      record.level >= this.rule.levels.length ||
      this.rule.levels[record.level].severity !== record.severity
    )
      return false;
    const slot = this.slots.get(record.key) ?? this.newSlot(record.key);
    const state = this.stateAt(slot);
    if (state.alerts[record.level] !== undefined) return false;
    state.alerts[record.level] = record;
    state.active++;
    this.on[slot] = 1;
    this.lastTs[slot] = Math.max(this.lastTs[slot], record.observedAt);
    return true;
  }

  *states(): Iterable<KeyState> {
    for (const state of this.keyStates) if (state !== undefined && state.active > 0) yield state;
  }

  get size(): number {
    return this.slots.size;
  }

  private newSlot(key: string): number {
    const slot = this.slots.size;
    if (slot === this.lastTs.length) {
      const lastTs = new Float64Array(slot * 2);
      lastTs.set(this.lastTs);
      this.lastTs = lastTs;
      const on = new Uint8Array(slot * 2);
      on.set(this.on);
      this.on = on;
    }
    this.lastTs[slot] = Number.NEGATIVE_INFINITY;
    this.slots.set(key, slot);
    return slot;
  }

  private stateAt(slot: number): KeyState {
    let state = this.keyStates[slot];
    if (state === undefined) this.keyStates[slot] = state = new KeyState(this.rule.levels.length);
    return state;
  }
}

class RateState extends KeyState {
  times: number[] = [];
  values: number[] = [];
  head = 0;
}

/**
 * The change per `per` between the oldest and the newest value within `window` of event
 * time (the window `[t − window, t]` of the newest value `t`). Needs two values of the key at different times before judging.
 */
export class RateEvaluator extends KeyedEvaluator<RateState> {
  declare readonly rule: RateRule;

  protected create(): RateState {
    return new RateState(this.rule.levels.length);
  }

  observe(o: Observation, _now: number, sink: AlertSink): void {
    const state = this.stateOf(o.key);
    const ts = o.timestamp;
    if (ts < state.lastTs) return;
    state.lastTs = ts;
    const { times, values } = state;
    times.push(ts);
    values.push(o.value);
    const from = ts - this.rule.windowMs;
    while (times[state.head] < from) state.head++;
    if (state.head > 64 && state.head * 2 > times.length) {
      state.times = times.slice(state.head);
      state.values = values.slice(state.head);
      state.head = 0;
    }
    const span = ts - state.times[state.head];
    if (span <= 0) return;
    const rate = ((o.value - state.values[state.head]) / span) * this.rule.perMs;
    judge(this.rule, state, o.key, rate, o.value, ts, sink);
  }
}

class ZScoreState extends KeyState {
  ring: Float64Array;
  count = 0;
  pos = 0;
  sum = 0;
  sumSq = 0;
  /** Values seen in all. */
  seen = 0;

  constructor(levels: number, window: number) {
    super(levels);
    this.ring = new Float64Array(window);
  }
}

class EwmaState extends KeyState {
  mean = 0;
  variance = 0;
  count = 0;
}

/**
 * How unusual a value is for its key: its distance from the mean of the previous `window`
 * values in standard deviations (z-score), or from an exponentially weighted mean and
 * variance (EWMA). Nothing is judged before `warm_up` values of the key.
 */
export class AnomalyEvaluator extends KeyedEvaluator<ZScoreState | EwmaState> {
  declare readonly rule: AnomalyRule;

  protected create(): ZScoreState | EwmaState {
    const { levels, method, window } = this.rule;
    return method === 'zscore' ? new ZScoreState(levels.length, window) : new EwmaState(levels.length);
  }

  observe(o: Observation, _now: number, sink: AlertSink): void {
    const state = this.stateOf(o.key);
    if (o.timestamp < state.lastTs) return;
    state.lastTs = o.timestamp;
    const x = o.value;
    const score = state instanceof ZScoreState ? this.zscore(state, x) : this.ewma(state, x);
    if (score === undefined) return;
    const { direction } = this.rule;
    const judged = direction === 'both' ? Math.abs(score) : direction === 'up' ? score : -score;
    judge(this.rule, state, o.key, judged, x, o.timestamp, sink);
  }

  /** The first `warm_up` values of a key are only learnt from; later ones are judged against the previous ones. */
  private zscore(s: ZScoreState, x: number): number | undefined {
    let score: number | undefined;
    if (s.seen >= this.rule.warmUp && s.count >= 2) {
      const mean = s.sum / s.count;
      const variance = Math.max(0, s.sumSq / s.count - mean * mean);
      score = (x - mean) / spread(variance, mean);
    }
    const n = s.ring.length;
    if (s.count === n) {
      const old = s.ring[s.pos];
      s.sum -= old;
      s.sumSq -= old * old;
    } else s.count++;
    s.ring[s.pos] = x;
    s.sum += x;
    s.sumSq += x * x;
    s.pos = (s.pos + 1) % n;
    // Running sums drift with rounding; recompute them exactly once per window.
    if (++s.seen % n === 0) {
      s.sum = 0;
      s.sumSq = 0;
      for (let i = 0; i < s.count; i++) {
        s.sum += s.ring[i];
        s.sumSq += s.ring[i] * s.ring[i];
      }
    }
    return score;
  }

  private ewma(s: EwmaState, x: number): number | undefined {
    const { alpha, warmUp } = this.rule;
    if (s.count === 0) {
      s.mean = x;
      s.count = 1;
      return undefined;
    }
    const d = x - s.mean;
    const score = s.count >= warmUp ? d / spread(s.variance, s.mean) : undefined;
    s.mean += alpha * d;
    s.variance = (1 - alpha) * (s.variance + alpha * d * d);
    s.count++;
    return score;
  }
}

/** A constant baseline has no spread: a tiny floor keeps the score finite yet huge for any change. */
const spread = (variance: number, mean: number): number =>
  Math.max(Math.sqrt(variance), 1e-9 * Math.max(1, Math.abs(mean)));

class AbsenceState extends KeyState {
  lastSeen: number;
  constructor(levels: number, since: number) {
    super(levels);
    this.lastSeen = since;
  }
}

/**
 * Processing time since the last observation of each key (or of the series as a whole),
 * judged at each tick. Keys listed in the rule are expected from the engine's start.
 */
export class AbsenceEvaluator implements Evaluator {
  private readonly keys = new Map<string, AbsenceState>();

  constructor(
    readonly rule: AbsenceRule,
    now: number,
  ) {
    for (const key of rule.keys) this.keys.set(key, new AbsenceState(rule.levels.length, now));
    if (rule.scope === 'series') this.keys.set('', new AbsenceState(rule.levels.length, now));
  }

  observe(o: Observation, now: number, sink: AlertSink): void {
    const key = this.rule.scope === 'series' ? '' : o.key;
    let state = this.keys.get(key);
    if (state === undefined) {
      state = new AbsenceState(this.rule.levels.length, now);
      this.keys.set(key, state);
    }
    state.lastSeen = now;
    state.lastTs = Math.max(state.lastTs, o.timestamp);
    if (state.active > 0) judge(this.rule, state, key, 0, 0, o.timestamp, sink);
  }

  tick(now: number, sink: AlertSink): void {
    for (const [key, state] of this.keys) {
      const silent = now - state.lastSeen;
      judge(this.rule, state, key, silent, silent, Number.isFinite(state.lastTs) ? state.lastTs : now, sink);
    }
  }

  restore(record: AlertRecord, now: number): boolean {
    if (
      record.level >= this.rule.levels.length ||
      this.rule.levels[record.level].severity !== record.severity
    )
      return false;
    const key = this.rule.scope === 'series' ? '' : record.key;
    let state = this.keys.get(key);
    if (state === undefined) {
      state = new AbsenceState(this.rule.levels.length, now);
      this.keys.set(key, state);
    }
    if (state.alerts[record.level] !== undefined) return false;
    // Still silent since before the restart, as far as anyone knows.
    state.lastSeen = Math.min(state.lastSeen, record.activeAt - this.rule.levels[record.level].bound);
    state.alerts[record.level] = record;
    state.active++;
    return true;
  }

  *states(): Iterable<KeyState> {
    for (const state of this.keys.values()) if (state.active > 0) yield state;
  }

  get size(): number {
    return this.keys.size;
  }
}

class PatternState extends KeyState {
  lastMatch = 0;
}

/**
 * Observations from a compiled pattern (see `cep/`): a positive value is a match (a count
 * past its limit, a sequence, a missing follow-up), 0 clears it. Without a clear, the
 * alert resolves `resolve_after` after the last match.
 */
export class PatternEvaluator extends KeyedEvaluator<PatternState> {
  declare readonly rule: PatternAlertRule;
  private readonly matched = new Set<PatternState>();

  protected create(): PatternState {
    return new PatternState(this.rule.levels.length);
  }

  observe(o: Observation, now: number, sink: AlertSink): void {
    const state = this.stateOf(o.key);
    if (o.timestamp < state.lastTs) return;
    state.lastTs = o.timestamp;
    if (o.value > 0) state.lastMatch = now;
    judge(this.rule, state, o.key, o.value, o.value, o.timestamp, sink);
    if (state.active > 0) this.matched.add(state);
    else this.matched.delete(state);
  }

  tick(now: number, sink: AlertSink): void {
    const after = this.rule.resolveAfterMs;
    if (after === undefined) return;
    for (const state of this.matched) {
      if (now - state.lastMatch < after) continue;
      const key = state.alerts.find((a) => a !== undefined)?.key ?? '';
      judge(this.rule, state, key, 0, 0, state.lastTs, sink);
      if (state.active === 0) this.matched.delete(state);
    }
  }

  override restore(record: AlertRecord, now: number): boolean {
    if (!super.restore(record, now)) return false;
    const state = this.stateOf(record.key);
    state.lastMatch = now;
    this.matched.add(state);
    return true;
  }
}

export const evaluatorFor = (rule: CompiledRule, now: number): Evaluator => {
  switch (rule.type) {
    case 'threshold':
      return new ThresholdEvaluator(rule);
    case 'rate':
      return new RateEvaluator(rule);
    case 'anomaly':
      return new AnomalyEvaluator(rule);
    case 'absence':
      return new AbsenceEvaluator(rule, now);
    case 'pattern':
      return new PatternEvaluator(rule);
  }
};
