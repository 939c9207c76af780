import {
  AGGREGATIONS,
  type Aggregation,
  DEFAULT_SERIES_LIMIT,
  type SeriesQuery,
  type SeriesQueryString,
} from '../contract/index.js';
import { toMillis } from '../engine/time/duration.js';
import { isInstant, OUT_OF_RANGE } from '../engine/time/instant.js';
import { TributaryError } from '../errors.js';
import { badRequest } from './http-errors.js';

export const DEFAULT_RANGE_MS = 60 * 60 * 1000;

const INTEGER = /^-?\d+$/;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;
const RELATIVE = /^now(?:\s*-\s*(.+))?$/i;

/**
 * A time parameter: milliseconds since the epoch, ISO-8601 (UTC unless it has a zone), or
 * `now` / `now-15m`.
 */
export const parseTime = (text: string, name: string, now: number): number => {
  const ms = readTime(text.trim(), name, now);
  if (ms !== undefined && isInstant(ms)) return ms;
  if (ms !== undefined) throw badRequest(`${name}: ${JSON.stringify(text)} ${OUT_OF_RANGE}`);
  throw badRequest(
    `${name}: ${JSON.stringify(text)} is not a time; use milliseconds since the epoch, ISO-8601 such as ` +
      `2024-05-01T12:00:00Z, or now-15m`,
  );
};

/** Milliseconds since the epoch, unbounded; undefined when the text is not a time at all. */
const readTime = (value: string, name: string, now: number): number | undefined => {
  if (INTEGER.test(value)) {
    const ms = Number(value);
    return Number.isSafeInteger(ms) ? ms : Math.sign(ms) * Number.MAX_SAFE_INTEGER;
  }
  if (ISO_8601.test(value)) {
    const zoned = /[T ]/.test(value) && !/(?:Z|[+-]\d{2}:?\d{2})$/i.test(value) ? `${value}Z` : value;
    const ms = Date.parse(zoned.replace(' ', 'T'));
    return Number.isFinite(ms) ? ms : undefined;
  }
  const relative = RELATIVE.exec(value);
  if (relative) return relative[1] === undefined ? now : now - duration(relative[1], name);
  return undefined;
};

const duration = (text: string, name: string): number => {
  try {
    return toMillis(INTEGER.test(text.trim()) ? Number(text) : text, name);
  } catch (error) {
    if (error instanceof TributaryError) throw badRequest(error.message);
    throw error;
  }
};

/** Checks the query string and turns it into a store query; every error names its parameter. */
export const toSeriesQuery = (params: SeriesQueryString, now: number): SeriesQuery => {
  const to = params.to === undefined ? now : parseTime(params.to, 'to', now);
  const from = params.from === undefined ? to - DEFAULT_RANGE_MS : parseTime(params.from, 'from', now);
  if (from > to) {
    throw badRequest(`from: ${new Date(from).toISOString()} is after to (${new Date(to).toISOString()})`);
  }
  let step: number | undefined;
  if (params.step !== undefined) {
    step = duration(params.step, 'step');
    if (!Number.isSafeInteger(step) || step < 1) {
      throw badRequest(
        `step: ${JSON.stringify(params.step)} is not a whole number of at least 1 ms; use e.g. 1m`,
      );
    }
  }
  let agg: Aggregation | undefined;
  if (params.agg !== undefined) {
    if (!(AGGREGATIONS as readonly string[]).includes(params.agg)) {
      throw badRequest(
        `agg: ${JSON.stringify(params.agg)} is not an aggregation; use ${AGGREGATIONS.join(', ')}`,
      );
    }
    if (step === undefined) throw badRequest('agg: needs step, the size of the buckets to aggregate into');
    agg = params.agg as Aggregation;
  }
  const keys = params.key ?? [];
  if (keys.some((k) => k === '')) throw badRequest('key: empty; give key=<key>, once per key');
  const fields = params.fields
    ?.split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '');
  return {
    from,
    to,
    ...(step !== undefined && { step }),
    ...(agg !== undefined && { agg }),
    ...(keys.length > 0 && { key: keys.length === 1 ? keys[0] : keys }),
    limit: params.limit ?? DEFAULT_SERIES_LIMIT,
    ...(fields !== undefined && fields.length > 0 && { fields }),
  };
};
