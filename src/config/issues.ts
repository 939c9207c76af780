import { TributaryError } from '../errors.js';

/** Where a value sits in the configuration: keys and list indices from the root. */
export type ConfigPath = readonly (string | number)[];

/** One thing wrong with a configuration, with where it is and how to fix it. */
export interface ConfigIssue {
  /** The configuration file, as it was given. */
  readonly file: string;
  /** 1-based line in the file; absent when the value came from the environment or the whole file is at fault. */
  readonly line?: number;
  /** The field, e.g. `pipelines[0].steps[2].window.tumbling`; empty for the file as a whole. */
  readonly field: string;
  /** What is wrong and the fix. */
  readonly message: string;
  /** The environment variable the value came from, when it did. */
  readonly env?: string;
}

/** `pipelines.yaml:14: pipelines[0].steps[2].window.tumbling: "1 minute" is not a duration; use "1m"`. */
export const formatIssue = (issue: ConfigIssue): string => {
  const where = issue.env
    ? `${issue.file}: environment variable ${issue.env}`
    : issue.line
      ? `${issue.file}:${issue.line}`
      : issue.file;
  return issue.field ? `${where}: ${issue.field}: ${issue.message}` : `${where}: ${issue.message}`;
};

/** The configuration has errors: all of them, in file order, in `issues` and one a line in the message. */
export class ConfigError extends TributaryError {
  constructor(readonly issues: readonly ConfigIssue[]) {
    const count = issues.length === 1 ? '1 error' : `${issues.length} errors`;
    super('TRB_CONFIG_INVALID', `${count} in the configuration:\n${issues.map(formatIssue).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `['pipelines', 0, 'steps', 2, 'window']` → `pipelines[0].steps[2].window`. */
export const formatPath = (path: ConfigPath): string => {
  let text = '';
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else if (IDENTIFIER.test(part)) text += text ? `.${part}` : part;
    else text += `[${JSON.stringify(part)}]`;
  }
  return text;
};

/** A JSON pointer (`/pipelines/0/steps`) as a path; numeric parts become indices. */
export const pointerToPath = (pointer: string): (string | number)[] =>
  pointer === ''
    ? []
    : pointer
        .slice(1)
        .split('/')
        .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
        .map((part) => (/^(0|[1-9]\d*)$/.test(part) ? Number(part) : part));

/** Edit distance counting a swap of neighbours as one edit (`prot` → `port`), for did-you-mean. */
const distance = (a: string, b: string): number => {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
};

/** The candidate closest to `word`, if it is close enough to be a likely typo. */
export const closest = (word: string, candidates: readonly string[]): string | undefined => {
  const lower = word.toLowerCase().replace(/-/g, '_');
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const d = distance(lower, candidate.toLowerCase().replace(/-/g, '_'));
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const limit = Math.max(1, Math.floor(Math.max(word.length, 3) / 3));
  return bestDistance <= limit ? best : undefined;
};

/** `; did you mean "key_by"?` or `; use one of: a, b, c`. */
export const suggestion = (word: string, candidates: readonly string[], noun = 'one of'): string => {
  const near = closest(word, candidates);
  if (near) return `; did you mean "${near}"?`;
  return candidates.length > 0 ? `; use ${noun}: ${candidates.join(', ')}` : '';
};

/** A value as it appears in a message: strings quoted, long values cut. */
export const show = (value: unknown): string => {
  if (value === undefined) return 'nothing';
  if (typeof value === 'bigint') return String(value);
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

/** The JSON type of a value in words: `a string`, `a list`, `an object`, `null`. */
export const typeName = (value: unknown): string => {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number') return Number.isInteger(value) ? 'a whole number' : 'a number';
  if (typeof value === 'boolean') return 'true/false';
  return `a ${typeof value}`;
};
