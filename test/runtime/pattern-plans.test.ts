import { describe, expect, it } from 'vitest';
import type { AlertingDocument } from '../../src/alerts/schema.js';
import { ALERT_LATE_SINK, ALERT_SINK, patternPlans } from '../../src/runtime/pattern-plans.js';

describe('patternPlans', () => {
  it('makes one pipeline per pattern rule, into the alert sinks, and none for other rules', () => {
    const document: AlertingDocument = {
      rules: [
        {
          name: 'brute-force',
          type: 'pattern',
          source: 'logins',
          key: 'ip',
          count: { where: 'success == false', more_than: 5, within: '1m' },
        },
        { name: 'hot', type: 'threshold', series: 'temps', field: 'max', threshold: 30 },
      ],
    };
    const plans = patternPlans(document);
    expect(plans.map((p) => p.name)).toEqual(['alert:brute-force']);
    const sinks = plans[0].nodes.flatMap((node) => (node.kind === 'sink' ? [node.sink] : []));
    expect(sinks.sort()).toEqual([ALERT_SINK, ALERT_LATE_SINK].sort());
    const sources = plans[0].nodes.flatMap((node) => (node.kind === 'source' ? [node.source] : []));
    expect(sources).toEqual(['logins']);
  });

  it('makes none without an alerting section', () => {
    expect(patternPlans(undefined)).toEqual([]);
  });
});
