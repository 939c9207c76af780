import type { AlertRecord } from '../../alert-record.js';
import type { Observation } from '../../model.js';
import type { AbsenceRule } from '../rule.js';
import { type AlertSink, type Evaluator, judge, KeyState } from './evaluator.js';

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
