import { TributaryError } from '../../errors.js';
import { compileLinearRegex, type LinearRegex } from '../../regex/linear-regex.js';

/** How a line becomes an event: JSON lines, or a regular expression whose named groups become fields. */
export type LineFormat = 'json' | { readonly regex: string | RegExp };

export interface FileOptions {
  /** The source's name; also the topic it appends to unless `topic` says otherwise. */
  readonly name: string;
  readonly topic?: string;
  /** The file to follow. It may not exist yet. */
  readonly path: string;
  /** Default `'json'`. */
  readonly format?: LineFormat;
  /** Where to begin when there is no saved position. Default `'end'`, like `tail -F`. */
  readonly startAt?: 'start' | 'end';
  /**
   * A directory for the position state file (`<name>.position.json`). Without it, the
   * position is not remembered and each start begins at `startAt`.
   */
  readonly stateDir?: string;
  /** How often the file is checked when no change notification came. Default 1,000 ms. */
  readonly pollIntervalMs?: number;
  /** A longer line is rejected (its first bytes kept) and the rest skipped. Default 1 MiB. */
  readonly maxLineBytes?: number;
}

export interface ResolvedFileOptions {
  readonly name: string;
  readonly topic: string;
  readonly path: string;
  readonly pattern?: LinearRegex;
  readonly startAt: 'start' | 'end';
  readonly stateDir?: string;
  readonly pollIntervalMs: number;
  readonly maxLineBytes: number;
}

const badConfig = (name: string, field: string, value: unknown, fix: string): TributaryError =>
  new TributaryError(
    'TRB_INGEST_BAD_CONFIG',
    `file '${name}': ${field}: ${value instanceof RegExp ? String(value) : (JSON.stringify(value) ?? String(value))} ${fix}`,
  );

const text = (name: string, field: string, value: unknown): string | undefined => {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && value !== '') return value;
  throw badConfig(name, field, value, 'is not a non-empty string');
};

const compile = (name: string, format: LineFormat | undefined): LinearRegex | undefined => {
  if (format === undefined || format === 'json') return undefined;
  const source = typeof format === 'object' && format !== null ? format.regex : undefined;
  if (typeof source !== 'string' && !(source instanceof RegExp)) {
    throw badConfig(name, 'format', format, "is not 'json' or { regex } with named groups");
  }
  let pattern: LinearRegex;
  try {
    // Log lines come from outside: matched in linear time (src/regex), whatever the pattern.
    pattern = compileLinearRegex(typeof source === 'string' ? source : withInlineFlags(source));
  } catch (error) {
    throw badConfig(name, 'format.regex', source, `does not compile: ${(error as Error).message}`);
  }
  if (pattern.groupNames.length === 0) {
    throw badConfig(
      name,
      'format.regex',
      source,
      'has no named groups; name the fields, e.g. (?<level>\\w+)',
    );
  }
  return pattern;
};

/** A JavaScript RegExp's flags as RE2's inline ones (`g` and `y` mean nothing per line; RE2 is Unicode-aware). */
const withInlineFlags = (regex: RegExp): string => {
  const inline = [...regex.flags].filter((f) => 'ims'.includes(f)).join('');
  return inline ? `(?${inline})${regex.source}` : regex.source;
};

const positiveInteger = (name: string, field: string, value: unknown, fallback: number): number => {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1) return value;
  throw badConfig(name, field, value, 'is not an integer >= 1');
};

export const resolveFileOptions = (options: FileOptions): ResolvedFileOptions => {
  const name = options?.name;
  if (typeof name !== 'string' || name === '') {
    throw badConfig(String(name), 'name', name, 'is not a name; give every source a non-empty name');
  }
  const path = text(name, 'path', options.path);
  if (path === undefined) throw badConfig(name, 'path', undefined, 'is missing; name the file to follow');
  const startAt = options.startAt ?? 'end';
  if (startAt !== 'start' && startAt !== 'end')
    throw badConfig(name, 'startAt', startAt, "is not 'start' or 'end'");
  return {
    name,
    topic: text(name, 'topic', options.topic) ?? name,
    path,
    pattern: compile(name, options.format),
    startAt,
    stateDir: text(name, 'stateDir', options.stateDir),
    pollIntervalMs: positiveInteger(name, 'pollIntervalMs', options.pollIntervalMs, 1_000),
    maxLineBytes: positiveInteger(name, 'maxLineBytes', options.maxLineBytes, 1024 * 1024),
  };
};
