import type { Observation } from '../../model.js';
import type { AnomalyRule } from '../rule.js';
import { type AlertSink, judge, KeyedEvaluator, KeyState } from './evaluator.js';

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
