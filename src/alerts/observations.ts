import type { Registry } from 'prom-client';
import type { Observation } from './model.js';

const RESERVED = new Set(['key', 'start', 'end']);

/**
 * Observations from the results a pipeline delivers to a sink: one per finite numeric field
 * of each result. Window results (`{ key, start, end, …fields }`) are timed by their record
 * timestamp or, without one, by `end − 1` (the engine's time for a window result).
 *
 * @example
 * // in the runtime's sink for series "host-metrics"
 * alerts.observe(observationsFromResults('host-metrics', toRecords(batch)));
 */
export const observationsFromResults = (
  series: string,
  records: Iterable<{ readonly value: unknown; readonly timestamp?: number; readonly key?: unknown }>,
): Observation[] => {
  const out: Observation[] = [];
  for (const record of records) {
    const value = record.value;
    if (typeof value === 'number') {
      if (Number.isFinite(value)) {
        out.push({ series, key: keyOf(record.key), value, timestamp: record.timestamp ?? Date.now() });
      }
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    const fields = value as Record<string, unknown>;
    const key = keyOf(fields.key ?? record.key);
    const timestamp =
      record.timestamp ??
      (typeof fields.end === 'number'
        ? fields.end - 1
        : typeof fields.ts === 'number'
          ? fields.ts
          : Date.now());
    for (const field in fields) {
      if (RESERVED.has(field)) continue;
      const v = fields[field];
      if (typeof v === 'number' && Number.isFinite(v)) out.push({ series, key, field, value: v, timestamp });
    }
  }
  return out;
};

const keyOf = (key: unknown): string =>
  typeof key === 'string' ? key : typeof key === 'number' || typeof key === 'boolean' ? String(key) : '';

/**
 * Observations of the platform's own metrics: each counter and gauge sample becomes
 * `{ series: <metric name>, key: 'label="value",…' (sorted; '' without labels), value }`;
 * histograms and summaries give their `_sum` and `_count`. For rules on the platform itself
 * (dead letters, consumer lag), evaluated at each tick.
 */
export const observationsFromMetrics = async (registry: Registry, now: number): Promise<Observation[]> => {
  const out: Observation[] = [];
  for (const metric of await registry.getMetricsAsJSON()) {
    const type = String(metric.type);
    for (const sample of metric.values as {
      value: number;
      labels: Record<string, string | number>;
      metricName?: string;
    }[]) {
      const name = sample.metricName ?? metric.name;
      if ((type === 'histogram' || type === 'summary') && !(name.endsWith('_sum') || name.endsWith('_count')))
        continue;
      if (!Number.isFinite(sample.value)) continue;
      const key = Object.keys(sample.labels)
        .sort()
        .map((l) => `${l}=${JSON.stringify(String(sample.labels[l]))}`)
        .join(',');
      out.push({ series: name, key, value: sample.value, timestamp: now });
    }
  }
  return out;
};
