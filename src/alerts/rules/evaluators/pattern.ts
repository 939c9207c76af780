import type { AlertRecord } from '../../alert-record.js';
import type { Observation } from '../../model.js';
import type { PatternAlertRule } from '../rule.js';
import { type AlertSink, judge, KeyedEvaluator, KeyState } from './evaluator.js';

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
