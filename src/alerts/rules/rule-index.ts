import type { AlertSink, Evaluator } from './evaluators/index.js';

/** The evaluators of one (series, field): those for every key, and those for one key each. */
export class RuleBucket {
  readonly any: Evaluator[] = [];
  readonly byKey = new Map<string, Evaluator[]>();
}

/** The rules of one series. */
export class SeriesRules {
  readonly fields = new Map<string, RuleBucket>();
  /** Rules without a field: observations without a field (metrics). */
  readonly plain = new RuleBucket();
  /** Absence rules without a field: any observation of the series (made when first needed). */
  anyField: RuleBucket | undefined;
}

/**
 * Rules indexed by series, field and key, so that an observation reaches only the rules
 * that watch it: evaluation costs the rules of its series and field, not all rules.
 */
export class RuleIndex {
  readonly series = new Map<string, SeriesRules>();

  add(evaluator: Evaluator): void {
    const list = this.listOf(evaluator, true)!;
    list.push(evaluator);
  }

  remove(evaluator: Evaluator): void {
    const list = this.listOf(evaluator, false);
    const i = list?.indexOf(evaluator) ?? -1;
    if (i >= 0) list!.splice(i, 1);
  }

  private listOf(evaluator: Evaluator, create: boolean): Evaluator[] | undefined {
    const { rule } = evaluator;
    let s = this.series.get(rule.series);
    if (s === undefined) {
      if (!create) return undefined;
      s = new SeriesRules();
      this.series.set(rule.series, s);
    }
    let bucket: RuleBucket | undefined;
    if (rule.field !== undefined) {
      bucket = s.fields.get(rule.field);
      if (bucket === undefined && create) s.fields.set(rule.field, (bucket = new RuleBucket()));
    } else if (rule.type === 'absence') {
      if (s.anyField === undefined && create) s.anyField = new RuleBucket();
      bucket = s.anyField;
    } else bucket = s.plain;
    if (bucket === undefined) return undefined;
    if (rule.key === undefined) return bucket.any;
    let list = bucket.byKey.get(rule.key);
    if (list === undefined && create) bucket.byKey.set(rule.key, (list = []));
    return list;
  }
}

/** Has every evaluator of `bucket` that watches `key` observe `o`; returns how many did. */
export const observeBucket = (
  bucket: RuleBucket,
  o: import('../model.js').Observation,
  now: number,
  sink: AlertSink,
): number => {
  const { any } = bucket;
  for (let i = 0; i < any.length; i++) any[i].observe(o, now, sink);
  let n = any.length;
  if (bucket.byKey.size > 0) {
    const keyed = bucket.byKey.get(o.key);
    if (keyed !== undefined) {
      for (let i = 0; i < keyed.length; i++) keyed[i].observe(o, now, sink);
      n += keyed.length;
    }
  }
  return n;
};
