import type { CompiledRule } from '../rule.js';
import { AbsenceEvaluator } from './absence.js';
import { AnomalyEvaluator } from './anomaly.js';
import type { Evaluator } from './evaluator.js';
import { PatternEvaluator } from './pattern.js';
import { RateEvaluator } from './rate.js';
import { ThresholdEvaluator } from './threshold.js';

export type { AlertSink, Evaluator, KeyState } from './evaluator.js';

/** The evaluator of a rule's type: one per rule, holding the rule's per-key state. */
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
