import type { SinkSpec } from '../connectors/registry.js';
import type { Plan } from '../engine/plan/plan.js';
import { ALERT_LATE_SINK, ALERT_SINK } from './pattern-plans.js';

/**
 * The sinks a plan writes, by name: a declared sink as declared; the alert rules' own sinks
 * (alert observations, late pattern events); any other name a store series of that name.
 */
export const sinkSpecsOf = (
  plan: Plan,
  declared: Readonly<Record<string, SinkSpec>> = {},
): Record<string, SinkSpec> => {
  const sinks: Record<string, SinkSpec> = {};
  for (const node of plan.nodes) {
    if (node.kind !== 'sink') continue;
    sinks[node.sink] =
      declared[node.sink] ??
      (node.sink === ALERT_SINK
        ? { type: 'alerts' }
        : node.sink === ALERT_LATE_SINK
          ? { type: 'log', topic: ALERT_LATE_SINK, format: 'json' }
          : { type: 'store', series: node.sink });
  }
  return sinks;
};

/** The store series the pipelines write: they exist, empty, before their first result. */
export const storeSeriesOf = (
  plans: readonly Plan[],
  declared: Readonly<Record<string, SinkSpec>> = {},
): string[] => {
  const series = new Set<string>();
  for (const plan of plans)
    for (const spec of Object.values(sinkSpecsOf(plan, declared)))
      if (spec.type === 'store') series.add(spec.series);
  return [...series].sort();
};
