import type { Labels } from '../../contract/index.js';
import { toMillis } from '../../engine/time/duration.js';
import { TributaryError } from '../../errors.js';
import { normalizeLabels } from '../labels.js';
import { Template } from '../notify/template.js';
import type { RuleDocument } from '../schema.js';
import { type Comparison, type Level, levelsOf, type SeveritySpec } from './levels.js';

export type RuleType = RuleDocument['type'];
export const RULE_TYPES: readonly RuleType[] = ['threshold', 'rate', 'anomaly', 'absence', 'pattern'];

/** A rule checked and ready to evaluate: durations in ms, levels computed, templates compiled. */
interface RuleCommon {
  readonly name: string;
  /** The series whose observations it judges (`pattern:<name>` for a pattern rule). */
  readonly series: string;
  readonly field?: string;
  /** Only this key, or every key. */
  readonly key?: string;
  readonly op: Comparison;
  readonly levels: readonly Level[];
  /** The bound of the least severe level: a value short of it needs no more work. */
  readonly entry: number;
  readonly forMs: number;
  /** Static labels added to each alert (besides alertname, severity, series, field, key). */
  readonly labels: Labels;
  readonly annotations: readonly (readonly [string, Template])[];
  /** The rule as given, for listings and the API. */
  readonly document: RuleDocument;
}

export interface ThresholdRule extends RuleCommon {
  readonly type: 'threshold';
  /** A key silent this long resolves its alerts; undefined: by its own pace (threshold.ts). */
  readonly resolveAfterMs?: number;
}
export interface RateRule extends RuleCommon {
  readonly type: 'rate';
  readonly windowMs: number;
  readonly perMs: number;
}
export interface AnomalyRule extends RuleCommon {
  readonly type: 'anomaly';
  readonly method: 'zscore' | 'ewma';
  readonly window: number;
  readonly alpha: number;
  readonly warmUp: number;
  readonly direction: 'both' | 'up' | 'down';
}
export interface AbsenceRule extends RuleCommon {
  readonly type: 'absence';
  readonly afterMs: number;
  readonly scope: 'key' | 'series';
  readonly keys: readonly string[];
}
export interface PatternAlertRule extends RuleCommon {
  readonly type: 'pattern';
  readonly pattern: 'count' | 'sequence' | 'not_followed';
  readonly resolveAfterMs?: number;
  /** What templates show as the threshold: `more_than` of a count, else 0. */
  readonly shownThreshold: number;
}

export type CompiledRule = ThresholdRule | RateRule | AnomalyRule | AbsenceRule | PatternAlertRule;

/** The series pattern rules report on: their observations come from the compiled pipeline step. */
export const patternSeries = (rule: string): string => `pattern:${rule}`;

const DEFAULT_ANNOTATIONS: Record<RuleType, Record<string, string>> = {
  threshold: {
    summary:
      '{{ series }}{{#if field}}.{{ field }}{{/if}}{{#if key}} [{{ key }}]{{/if}} is {{ value | round 3 }} ({{ op }} {{ threshold | round 3 }})',
  },
  rate: {
    summary:
      '{{ series }}{{#if field}}.{{ field }}{{/if}}{{#if key}} [{{ key }}]{{/if}} changes by {{ value | round 3 }} per {{ per }} ({{ op }} {{ threshold | round 3 }})',
  },
  anomaly: {
    summary:
      '{{ series }}{{#if field}}.{{ field }}{{/if}}{{#if key}} [{{ key }}]{{/if}} = {{ sample | round 3 }} is {{ value | round 2 }} standard deviations from normal',
  },
  absence: {
    summary: 'no data from {{ series }}{{#if key}} [{{ key }}]{{/if}} for {{ silentFor }}',
  },
  pattern: {
    summary:
      '{{ rule }}{{#if key}} [{{ key }}]{{/if}}: pattern matched{{#if count}} ({{ value }} events){{/if}}',
  },
};

const invalid = (message: string) => new TributaryError('TRB_ALERT_INVALID', message);

const duration = (value: string | number | undefined, field: string, fallback: number): number =>
  value === undefined ? fallback : toMillis(value, field);

const compileAnnotations = (
  type: RuleType,
  given: Record<string, string> | undefined,
  field: string,
): (readonly [string, Template])[] => {
  const all = { ...DEFAULT_ANNOTATIONS[type], ...(given ?? {}) };
  return Object.entries(all).map(
    ([name, text]) => [name, Template.compile(text, `${field}.annotations.${name}`)] as const,
  );
};

const checkLabels = (labels: Record<string, string> | undefined, field: string): Labels => {
  for (const [name, value] of Object.entries(labels ?? {})) {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name))
      throw invalid(`${field}.labels: ${JSON.stringify(name)} is not a label name`);
    if (['alertname', 'severity', 'series', 'field', 'key'].includes(name)) {
      throw invalid(`${field}.labels.${name}: the engine sets this label itself; choose another name`);
    }
    if (typeof value !== 'string') throw invalid(`${field}.labels.${name}: must be a string`);
  }
  return normalizeLabels(labels ?? {});
};

/**
 * Checks a rule document and compiles it. `field` names it in errors, e.g.
 * `alerts.rules[3]`; every error says which setting is wrong and how to fix it.
 */
export const compileRule = (doc: RuleDocument, field = 'rule'): CompiledRule => {
  const rule = compileBody(doc, field);
  return { ...rule, entry: rule.levels[0].bound } as CompiledRule;
};

type WithoutEntry<R> = R extends CompiledRule ? Omit<R, 'entry'> : never;

const compileBody = (doc: RuleDocument, field: string): WithoutEntry<CompiledRule> => {
  if (typeof doc !== 'object' || doc === null) throw invalid(`${field}: a rule must be an object`);
  if (typeof doc.name !== 'string' || !/^[A-Za-z0-9_.:-]+$/.test(doc.name)) {
    throw invalid(`${field}.name: ${JSON.stringify(doc.name)} must be letters, digits, _ . : or -`);
  }
  if (!RULE_TYPES.includes(doc.type)) {
    throw invalid(
      `${field}.type: ${JSON.stringify((doc as { type?: unknown }).type)} is not a rule type; use ${RULE_TYPES.join(', ')}`,
    );
  }
  const common = {
    name: doc.name,
    forMs: duration(doc.for, `${field}.for`, 0),
    labels: checkLabels(doc.labels, field),
    annotations: compileAnnotations(doc.type, doc.annotations, field),
    document: doc,
  };
  switch (doc.type) {
    case 'threshold':
    case 'rate':
    case 'anomaly': {
      const op = doc.op ?? '>';
      const base = {
        ...common,
        series: checkName(doc.series, `${field}.series`),
        field: doc.field,
        key: doc.key,
        op,
      };
      if (doc.type === 'threshold') {
        const resolveAfterMs = duration(doc.resolve_after, `${field}.resolve_after`, -1);
        if (resolveAfterMs === 0) throw invalid(`${field}.resolve_after: must be above 0, e.g. "15m"`);
        return {
          ...base,
          type: 'threshold',
          levels: levelsOf(field, op, doc.severity ?? 'ratio', doc.threshold, doc.hysteresis),
          ...(resolveAfterMs > 0 && { resolveAfterMs }),
        };
      }
      if (doc.type === 'rate') {
        const windowMs = toMillis(doc.window, `${field}.window`);
        if (windowMs <= 0) throw invalid(`${field}.window: must be above 0, e.g. "5m"`);
        const perMs = duration(doc.per, `${field}.per`, 1000);
        if (perMs <= 0) throw invalid(`${field}.per: must be above 0, e.g. "1s"`);
        const levels = levelsOf(field, op, doc.severity ?? 'ratio', doc.threshold, doc.hysteresis);
        return { ...base, type: 'rate', levels, windowMs, perMs };
      }
      const method = doc.method ?? 'zscore';
      const window = doc.window ?? 60;
      const alpha = doc.alpha ?? 0.1;
      if (!Number.isInteger(window) || window < 2)
        throw invalid(`${field}.window: must be a whole number ≥ 2 of values`);
      if (!(alpha > 0 && alpha <= 1)) throw invalid(`${field}.alpha: must be above 0 and at most 1`);
      const warmUp = doc.warm_up ?? (method === 'zscore' ? window : Math.max(2, Math.ceil(2 / alpha)));
      if (!Number.isInteger(warmUp) || warmUp < 2)
        throw invalid(`${field}.warm_up: must be a whole number ≥ 2`);
      const threshold = doc.threshold ?? 3;
      if (op === '<' || op === '<=') {
        throw invalid(
          `${field}.op: an anomaly score is judged upward; use direction: down for values falling away`,
        );
      }
      return {
        ...base,
        type: 'anomaly',
        levels: levelsOf(field, op, doc.severity ?? 'ratio', threshold, doc.hysteresis),
        method,
        window,
        alpha,
        warmUp,
        direction: doc.direction ?? 'both',
      };
    }
    case 'absence': {
      const afterMs = toMillis(doc.after, `${field}.after`);
      if (afterMs <= 0) throw invalid(`${field}.after: must be above 0, e.g. "5m"`);
      const scope = doc.scope ?? 'key';
      if (scope === 'series' && doc.keys?.length) throw invalid(`${field}.keys: only with scope: key`);
      return {
        ...common,
        type: 'absence',
        series: checkName(doc.series, `${field}.series`),
        field: doc.field,
        op: '>=',
        levels: levelsOf(field, '>=', doc.severity ?? 'warning', afterMs, undefined),
        afterMs,
        scope,
        keys: [...(doc.keys ?? [])],
      };
    }
    case 'pattern': {
      const kinds = (['count', 'sequence', 'not_followed'] as const).filter((k) => doc[k] !== undefined);
      if (kinds.length !== 1) {
        throw invalid(
          `${field}: a pattern rule needs exactly one of count, sequence or not_followed${kinds.length ? `, not ${kinds.join(' and ')}` : ''}`,
        );
      }
      const pattern = kinds[0];
      const resolveAfterMs =
        doc.resolve_after !== undefined
          ? toMillis(doc.resolve_after, `${field}.resolve_after`)
          : pattern === 'count'
            ? undefined
            : 300_000;
      return {
        ...common,
        type: 'pattern',
        series: patternSeries(doc.name),
        op: '>',
        levels: levelsOf(field, '>', (doc.severity ?? 'warning') as SeveritySpec, 0, undefined),
        pattern,
        resolveAfterMs,
        shownThreshold: doc.count?.more_than ?? 0,
      };
    }
  }
};

const checkName = (value: unknown, field: string): string => {
  if (typeof value !== 'string' || value === '') throw invalid(`${field}: must be a non-empty name`);
  return value;
};
