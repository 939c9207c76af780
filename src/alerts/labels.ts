import { createHash } from 'node:crypto';
import type { Labels, Matcher, MatchType } from '../contract/index.js';
import { TributaryError } from '../errors.js';
import { compileLinearRegex, type LinearRegex } from '../regex/linear-regex.js';

/**
 * A stable identity for a label set: the same labels in any order give the same
 * fingerprint, on every machine and across restarts (a hash of the sorted pairs).
 */
export const fingerprint = (labels: Labels): string => {
  const hash = createHash('sha256');
  for (const name of Object.keys(labels).sort()) hash.update(`${name}\u0000${labels[name]}\u0000`);
  return hash.digest('hex').slice(0, 16);
};

/** Labels with empty values dropped and names sorted, frozen. */
export const normalizeLabels = (labels: Record<string, string | undefined>): Labels => {
  const out: Record<string, string> = {};
  for (const name of Object.keys(labels).sort()) {
    const value = labels[name];
    if (value !== undefined && value !== '') out[name] = value;
  }
  return Object.freeze(out);
};

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/;

/**
 * A matcher from text in Alertmanager's syntax: `severity="critical"`, `key=~"10\\..*"`,
 * `env!=prod` (quotes optional). `field` names the setting in errors.
 */
export const parseMatcher = (text: string, field = 'matcher'): Matcher => {
  const match = MATCHER.exec(text);
  if (!match) {
    throw new TributaryError(
      'TRB_ALERT_INVALID',
      `${field}: ${JSON.stringify(text)} is not a matcher; write name="value", name!="value", name=~"regex" or name!~"regex"`,
    );
  }
  const [, name, type, raw] = match;
  let value = raw;
  if (raw.startsWith('"')) {
    try {
      value = JSON.parse(raw) as string;
    } catch (error) {
      throw new TributaryError('TRB_ALERT_INVALID', `${field}: ${raw} is not a quoted string`, {
        cause: error,
      });
    }
  }
  return checkMatcher({ name, type: type as MatchType, value }, field);
};

/** Checks a matcher given as data (`{ name, type, value }`): a label name, a known type, a regex that compiles. */
export const checkMatcher = (matcher: Matcher, field = 'matcher'): Matcher => {
  if (!LABEL_NAME.test(matcher.name ?? '')) {
    throw new TributaryError(
      'TRB_ALERT_INVALID',
      `${field}.name: ${JSON.stringify(matcher.name)} is not a label name (letters, digits and _, not starting with a digit)`,
    );
  }
  if (!['=', '!=', '=~', '!~'].includes(matcher.type)) {
    throw new TributaryError(
      'TRB_ALERT_INVALID',
      `${field}.type: ${JSON.stringify(matcher.type)} is not a match type; use =, !=, =~ or !~`,
    );
  }
  if (typeof matcher.value !== 'string') {
    throw new TributaryError('TRB_ALERT_INVALID', `${field}.value: must be a string`);
  }
  if (matcher.type === '=~' || matcher.type === '!~') compileRegex(matcher.value, `${field}.value`);
  return Object.freeze({ name: matcher.name, type: matcher.type, value: matcher.value });
};

/** Regexes match the whole value, as in Prometheus, in time linear in it (RE2 semantics, as Prometheus'). */
const compileRegex = (source: string, field: string): LinearRegex => {
  try {
    return compileLinearRegex(source);
  } catch (error) {
    throw new TributaryError(
      'TRB_ALERT_INVALID',
      `${field}: ${JSON.stringify(source)} is not a regular expression: ${(error as Error).message}`,
      { cause: error },
    );
  }
};

/** A missing label matches as the empty string, as in Alertmanager. */
export const matches = (matcher: Matcher, labels: Labels): boolean => {
  const value = Object.hasOwn(labels, matcher.name) ? labels[matcher.name] : '';
  switch (matcher.type) {
    case '=':
      return value === matcher.value;
    case '!=':
      return value !== matcher.value;
    case '=~':
      return compileRegex(matcher.value, 'matcher').fullMatch(value);
    case '!~':
      return !compileRegex(matcher.value, 'matcher').fullMatch(value);
  }
};

export const matchesAll = (matchers: readonly Matcher[], labels: Labels): boolean => {
  for (const matcher of matchers) if (!matches(matcher, labels)) return false;
  return true;
};

export const formatMatcher = (m: Matcher): string => `${m.name}${m.type}${JSON.stringify(m.value)}`;

/** A matcher given as text or as data, checked. */
export const toMatcher = (input: string | Matcher, field: string): Matcher =>
  typeof input === 'string' ? parseMatcher(input, field) : checkMatcher(input, field);

/** The labels of `labels` named in `names` (missing ones as ""). */
export const pick = (labels: Labels, names: readonly string[]): Labels => {
  const out: Record<string, string> = {};
  for (const name of names) out[name] = labels[name] ?? '';
  return out;
};
