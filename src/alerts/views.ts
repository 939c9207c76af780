import { formatDuration } from '../engine/time/duration.js';
import type { AlertRecord } from './alert-record.js';

/** The data an alert's annotation templates render. */
export const annotationData = (record: AlertRecord) => {
  const { rule, labels } = record;
  const iso = (t: number | undefined) =>
    t === undefined || !Number.isFinite(t) ? '' : new Date(t).toISOString();
  return {
    labels,
    value: record.value,
    sample: record.sample,
    threshold: record.threshold,
    op: rule.op,
    rule: rule.name,
    type: rule.type,
    severity: labels.severity,
    key: labels.key ?? '',
    series: labels.series ?? '',
    field: labels.field ?? '',
    state: record.state,
    activeAt: iso(record.activeAt),
    firedAt: iso(record.firedAt),
    observedAt: iso(record.observedAt),
    per: rule.type === 'rate' ? formatDuration(rule.perMs) : '',
    silentFor:
      rule.type === 'absence' && Number.isFinite(record.value)
        ? formatDuration(Math.round(record.value))
        : '',
    count: rule.type === 'pattern' && rule.pattern === 'count',
  };
};

export const renderAnnotations = (record: AlertRecord): Record<string, string> => {
  const data = annotationData(record);
  const out: Record<string, string> = {};
  for (const [name, template] of record.rule.annotations) out[name] = template.render(data);
  return out;
};
