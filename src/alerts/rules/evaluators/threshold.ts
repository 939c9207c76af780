import type { AlertRecord } from '../../alert-record.js';
import type { Observation } from '../../model.js';
import type { CompiledRule } from '../rule.js';
import { type AlertSink, type Evaluator, judge, KeyState } from './evaluator.js';

/**
 * The value itself against the levels. Values older than the newest of their key are stale
 * and ignored.
 *
 * A key that stops reporting resolves its alerts once it has been silent for the rule's
 * `resolve_after`, by default 3 of its usual intervals between results and at least 5
 * minutes (as Prometheus takes a series without a sample for 5 minutes as gone): a window
 * result that never comes again cannot keep an alert firing for good.
 *
 * This is the rule most configurations have by the thousand, so its per-key bookkeeping is
 * lean: a key maps to a slot, the newest time and whether any level is on live in typed
 * arrays, and a `KeyState` exists only for keys that have had an alert. A value short of
 * the first bound — nearly all of them — costs one map look-up and two array reads.
 */
/** A key silent this long resolves its alerts, unless its results come further apart. */
const STALE_AFTER_MS = 5 * 60_000;
/** …in which case it may be silent for this many of its intervals. */
const STALE_INTERVALS = 3;

export class ThresholdEvaluator implements Evaluator {
  private readonly slots = new Map<string, number>();
  private lastTs = new Float64Array(16);
  private on = new Uint8Array(16);
  /** The slots whose key has an alert: what ticks and listings visit, however many keys there are. */
  private readonly alerting = new Set<number>();
  /** Per slot: when (processing time) its last value came, and the time between its last two. */
  private seenAt = new Float64Array(16);
  private gap = new Float64Array(16);
  private readonly keyStates: (KeyState | undefined)[] = [];
  private readonly bounds: Float64Array;
  private readonly upward: boolean;
  private readonly strict: boolean;

  private readonly resolveAfterMs: number | undefined;

  constructor(readonly rule: CompiledRule) {
    this.resolveAfterMs = rule.type === 'threshold' ? rule.resolveAfterMs : undefined;
    this.bounds = Float64Array.of(rule.entry);
    this.upward = rule.op === '>' || rule.op === '>=';
    this.strict = rule.op === '>' || rule.op === '<';
  }

  observe(o: Observation, now: number, sink: AlertSink): void {
    let slot = this.slots.get(o.key);
    if (slot === undefined) slot = this.newSlot(o.key);
    const ts = o.timestamp;
    if (ts < this.lastTs[slot]) return;
    this.lastTs[slot] = ts;
    if (this.seenAt[slot] > 0) this.gap[slot] = now - this.seenAt[slot];
    this.seenAt[slot] = now;
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
    this.setOn(slot, state.active > 0);
  }

  /** Resolves the alerts of keys silent for longer than their staleness bound. */
  tick(now: number, sink: AlertSink): void {
    for (const slot of this.alerting) {
      const state = this.keyStates[slot]!;
      const limit = this.resolveAfterMs ?? Math.max(STALE_AFTER_MS, STALE_INTERVALS * this.gap[slot]);
      if (now - this.seenAt[slot] < limit) continue;
      state.alerts.forEach((alert, level) => {
        if (alert) sink.deactivate(state, level, alert.value, this.lastTs[slot]);
      });
      this.setOn(slot, false);
    }
  }

  restore(record: AlertRecord, now: number): boolean {
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
    this.setOn(slot, true);
    this.lastTs[slot] = Math.max(this.lastTs[slot], record.observedAt);
    // Silent since the restart at the most: a key that never reports again resolves in time.
    this.seenAt[slot] = now;
    return true;
  }

  *states(): Iterable<KeyState> {
    for (const slot of this.alerting) yield this.keyStates[slot]!;
  }

  get size(): number {
    return this.slots.size;
  }

  private newSlot(key: string): number {
    const slot = this.slots.size;
    if (slot === this.lastTs.length) {
      this.lastTs = doubled(this.lastTs, new Float64Array(slot * 2));
      this.on = doubled(this.on, new Uint8Array(slot * 2));
      this.seenAt = doubled(this.seenAt, new Float64Array(slot * 2));
      this.gap = doubled(this.gap, new Float64Array(slot * 2));
    }
    this.lastTs[slot] = Number.NEGATIVE_INFINITY;
    this.slots.set(key, slot);
    return slot;
  }

  /** Whether the slot's key has an alert: `on` for the hot path, `alerting` to visit them alone. */
  private setOn(slot: number, on: boolean): void {
    this.on[slot] = on ? 1 : 0;
    if (on) this.alerting.add(slot);
    else this.alerting.delete(slot);
  }

  private stateAt(slot: number): KeyState {
    let state = this.keyStates[slot];
    if (state === undefined) this.keyStates[slot] = state = new KeyState(this.rule.levels.length);
    return state;
  }
}

/** `into`, holding `from`'s values first: a per-slot array grown as keys come. */
const doubled = <A extends Float64Array | Uint8Array>(from: A, into: A): A => {
  into.set(from);
  return into;
};
