import { TributaryError } from '../../errors.js';
import { SEVERITIES, type Severity, severityRank } from '../model.js';

export type Comparison = '>' | '>=' | '<' | '<=';

/**
 * One severity of a rule: the alert of this level starts when the value passes `bound`
 * and, once started, holds while the value stays past `release` (the bound moved back by
 * the hysteresis margin), so a value wobbling around the bound does not flap.
 */
export interface Level {
  readonly severity: Severity;
  readonly bound: number;
  readonly release: number;
}

/** The seeds' rule: above 1.5× the threshold critical, above 1.2× error, otherwise warning. */
export const SEED_RATIOS: readonly (readonly [Severity, number])[] = [
  ['warning', 1],
  ['error', 1.2],
  ['critical', 1.5],
];

export const passes = (op: Comparison, value: number, bound: number): boolean => {
  switch (op) {
    case '>':
      return value > bound;
    case '>=':
      return value >= bound;
    case '<':
      return value < bound;
    case '<=':
      return value <= bound;
  }
};

const upward = (op: Comparison) => op === '>' || op === '>=';

export type SeveritySpec = string | Partial<Record<Severity, number>>;

/**
 * The levels of a rule, least severe (easiest to reach) first. `field` names the rule in
 * errors (`alerts.rules[2]`).
 */
export const levelsOf = (
  field: string,
  op: Comparison,
  severity: SeveritySpec,
  threshold: number | undefined,
  hysteresis: number | string | undefined,
): Level[] => {
  const bounds: [Severity, number][] = [];
  if (typeof severity === 'object' && severity !== null) {
    for (const level of SEVERITIES) {
      const bound = severity[level];
      if (bound === undefined) continue;
      if (typeof bound !== 'number' || !Number.isFinite(bound)) {
        throw invalid(`${field}.severity.${level}: the bound must be a finite number`);
      }
      bounds.push([level, bound]);
    }
    const unknown = Object.keys(severity).filter((k) => severityRank(k) < 0);
    if (unknown.length > 0)
      throw invalid(`${field}.severity: unknown level ${unknown[0]}; use ${SEVERITIES.join(', ')}`);
    if (bounds.length === 0) throw invalid(`${field}.severity: give at least one band, e.g. { warning: 80 }`);
    for (let i = 1; i < bounds.length; i++) {
      const [lower, a] = bounds[i - 1];
      const [higher, b] = bounds[i];
      if (upward(op) ? b <= a : b >= a) {
        throw invalid(
          `${field}.severity.${higher}: ${b} must be ${upward(op) ? 'above' : 'below'} the ${lower} bound ${a}, ` +
            `since a more severe level needs a value further ${upward(op) ? 'up' : 'down'} (op ${op})`,
        );
      }
    }
  } else {
    if (threshold === undefined || !Number.isFinite(threshold)) {
      throw invalid(
        `${field}.threshold: a finite number is required${severity === 'ratio' ? ' with severity ratio' : ''}`,
      );
    }
    if (severity === 'ratio') {
      if (threshold <= 0) {
        throw invalid(
          `${field}.threshold: ${threshold} — severity by ratio needs a threshold above 0; give bands instead, e.g. severity: { warning: ${threshold}, critical: … }`,
        );
      }
      for (const [level, ratio] of SEED_RATIOS)
        bounds.push([level, upward(op) ? threshold * ratio : threshold / ratio]);
    } else if (severityRank(severity) >= 0) {
      bounds.push([severity as Severity, threshold]);
    } else {
      throw invalid(
        `${field}.severity: ${JSON.stringify(severity)} is not ratio, a level (${SEVERITIES.join(', ')}) or bands`,
      );
    }
  }
  return bounds.map(([severity, bound]) => {
    const margin = marginOf(field, hysteresis, bound);
    return Object.freeze({ severity, bound, release: upward(op) ? bound - margin : bound + margin });
  });
};

const marginOf = (field: string, hysteresis: number | string | undefined, bound: number): number => {
  if (hysteresis === undefined) return 0;
  if (typeof hysteresis === 'number') {
    if (Number.isFinite(hysteresis) && hysteresis >= 0) return hysteresis;
  } else {
    const match = /^(\d+(?:\.\d+)?)%$/.exec(hysteresis.trim());
    if (match) return (Math.abs(bound) * Number(match[1])) / 100;
  }
  throw invalid(
    `${field}.hysteresis: ${JSON.stringify(hysteresis)} is not a margin; use a number ≥ 0 or a percentage like "5%"`,
  );
};

const invalid = (message: string) => new TributaryError('TRB_ALERT_INVALID', message);
