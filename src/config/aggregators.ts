import {
  type AnyAggregator,
  avg,
  count,
  distinctCount,
  first,
  last,
  max,
  min,
  percentile,
  percentiles,
  sum,
} from '../engine/index.js';
import type { CompiledExpression, ExpressionUse } from './expressions.js';
import type { ConfigPath } from './issues.js';
import type { AggregatorFile } from './schema.js';

/** Aggregations that read an expression, and what the expression must give. */
const FIELD_KINDS = {
  sum: 'number',
  avg: 'number',
  min: 'number',
  max: 'number',
  first: 'value',
  last: 'value',
  distinct: 'value',
  percentile: 'number',
} as const satisfies Record<string, ExpressionUse>;
type FieldKind = keyof typeof FIELD_KINDS;
const KINDS = Object.keys(FIELD_KINDS) as FieldKind[];

/** Fields every window result carries: an aggregation may not take their names. */
const RESERVED = ['key', 'start', 'end'];

export interface AggregatorContext {
  readonly report: (path: ConfigPath, message: string) => void;
  readonly expression: (
    text: string,
    use: ExpressionUse,
    label: string,
    path: ConfigPath,
  ) => CompiledExpression;
}

/**
 * `count`, `{ sum: price }`, `{ percentile: latency, q: 0.99 }` → an engine aggregator and
 * how to describe it (`sum(price)`). Reports problems and returns undefined for them.
 */
export const compileAggregator = (
  name: string,
  spec: AggregatorFile,
  path: ConfigPath,
  ctx: AggregatorContext,
): { aggregator: AnyAggregator; describe: string } | undefined => {
  if (RESERVED.includes(name)) {
    ctx.report(
      path,
      `"${name}" is a field of every window result (key, start, end); name the aggregation differently, e.g. "${name}_value"`,
    );
    return undefined;
  }
  if (typeof spec === 'string') {
    const made = { count, first, last, distinct: distinctCount }[spec];
    return made ? { aggregator: made(), describe: spec } : undefined;
  }
  if (typeof spec !== 'object' || spec === null) return undefined;
  const kinds = KINDS.filter((k) => spec[k] !== undefined);
  if (kinds.length === 0) {
    ctx.report(path, `give one aggregation: count, or { ${KINDS.join(' | ')}: <expression> }`);
    return undefined;
  }
  if (kinds.length > 1) {
    ctx.report(
      path,
      `has both ${kinds[0]} and ${kinds[1]}; give one aggregation per result field, e.g. ${name}: { ${kinds[0]}: ${spec[kinds[0]]} }`,
    );
    return undefined;
  }
  const kind = kinds[0];
  if (kind !== 'percentile' && spec.q !== undefined) {
    ctx.report([...path, 'q'], 'q goes with percentile: { percentile: latency, q: 0.99 }');
    return undefined;
  }
  if (kind === 'percentile' && spec.q === undefined) {
    ctx.report(path, 'missing required field "q": the quantile, e.g. { percentile: latency, q: 0.99 }');
    return undefined;
  }
  const text = spec[kind]!;
  const field = ctx.expression(text, FIELD_KINDS[kind], kind, [...path, kind]).evaluate;
  switch (kind) {
    case 'sum':
      return { aggregator: sum(field as (v: unknown) => number), describe: `sum(${text})` };
    case 'avg':
      return { aggregator: avg(field as (v: unknown) => number), describe: `avg(${text})` };
    case 'min':
      return { aggregator: min(field as (v: unknown) => number), describe: `min(${text})` };
    case 'max':
      return { aggregator: max(field as (v: unknown) => number), describe: `max(${text})` };
    case 'first':
      return { aggregator: first(field), describe: `first(${text})` };
    case 'last':
      return { aggregator: last(field), describe: `last(${text})` };
    case 'distinct':
      return { aggregator: distinctCount(field), describe: `distinct(${text})` };
    case 'percentile': {
      const q = spec.q!;
      return Array.isArray(q)
        ? {
            aggregator: percentiles(field as (v: unknown) => number, q),
            describe: `percentiles(${text}, ${q})`,
          }
        : {
            aggregator: percentile(field as (v: unknown) => number, q),
            describe: `percentile(${text}, ${q})`,
          };
    }
  }
};
