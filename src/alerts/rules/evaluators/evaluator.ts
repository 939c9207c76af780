import type { Labels } from '../../../contract/index.js';
import type { AlertRecord } from '../../alert-record.js';
import type { Observation } from '../../model.js';
import { passes } from '../levels.js';
import type { CompiledRule } from '../rule.js';

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

/** The evaluators that keep a state per key in a map. */
export abstract class KeyedEvaluator<S extends KeyState> implements Evaluator {
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
