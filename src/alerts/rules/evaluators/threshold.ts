import type { AlertRecord } from '../../alert-record.js';
import type { Observation } from '../../model.js';
import type { CompiledRule } from '../rule.js';
import { type AlertSink, type Evaluator, judge, KeyState } from './evaluator.js';

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
