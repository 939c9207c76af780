import type { Key } from '../engine/batch.js';

/** A window result as the engine emits it: `{ key, start, end, ...aggregation fields }`. */
export type ResultRecord = { readonly key: Key; readonly start: number; readonly end: number } & Readonly<
  Record<string, unknown>
>;

/** Results bound for one series (one pipeline output, one table of the dashboard). */
export interface SeriesUpsert {
  readonly series: string;
  readonly results: readonly ResultRecord[];
}

/** What a `commit` writes in one transaction. */
export interface CommitRequest {
  readonly upserts?: readonly SeriesUpsert[];
  /** Pipeline name → checkpoint (operator state + source positions), any JSON value. */
  readonly checkpoints?: Readonly<Record<string, unknown>>;
}

export interface WriteSummary {
  /** Distinct result rows sent (a result given twice in one write counts once: the last wins). */
  readonly rows: number;
  /** Rows inserted or changed; a replay of what is already stored changes none. */
  readonly changed: number;
}

export const AGGREGATIONS = ['avg', 'sum', 'min', 'max', 'count', 'last'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

export interface SeriesQuery {
  /** Window start from (inclusive), ms since the epoch. */
  readonly from: number;
  /** Window start to (exclusive), ms since the epoch. */
  readonly to: number;
  /** Re-bucket into buckets of `step` ms aligned to multiples of `step`, per key. */
  readonly step?: number;
  /** How numeric fields of a bucket's results combine (default `avg`); needs `step`. */
  readonly agg?: Aggregation;
  /** Only these keys. */
  readonly key?: string | readonly string[];
  /** At most this many points (the earliest). */
  readonly limit?: number;
  /** Only these fields in `values`. */
  readonly fields?: readonly string[];
}

export interface SeriesPoint {
  /** The key as text: keys are stored in their string form. */
  readonly key: string;
  readonly start: number;
  readonly end: number;
  readonly values: Record<string, unknown>;
}

export interface SeriesInfo {
  readonly name: string;
  /** Distinct keys. */
  readonly keys: number;
  readonly rows: number;
  /** Start of the earliest window, start and end of the latest, in ms since the epoch. */
  readonly firstStart: number;
  readonly lastStart: number;
  readonly lastEnd: number;
}

export interface RetentionRequest {
  /** Delete results whose window ended more than this many ms before `now`. */
  readonly maxAgeMs: number;
  /** Only this series (default: all). */
  readonly series?: string;
  /** The present, ms since the epoch (default `Date.now()`); the runtime may pass a watermark. */
  readonly now?: number;
}
