import type { Observation } from '../../model.js';
import type { RateRule } from '../rule.js';
import { type AlertSink, judge, KeyedEvaluator, KeyState } from './evaluator.js';

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
