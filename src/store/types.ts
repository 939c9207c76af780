import type { Key } from '../engine/batch.js';

// The shapes the API shows (SeriesPoint, SeriesInfo, SeriesQuery, the aggregations) are
// defined once in the contract (src/contract/series.ts); the store answers in them.

/** A window result as the engine emits it: `{ key, start, end, ...aggregation fields }`. */
export type ResultRecord = { readonly key: Key; readonly start: number; readonly end: number } & Readonly<
  Record<string, unknown>
>;

/** A window of a series, without its fields: what a delete names. */
export interface WindowRef {
  readonly key: Key;
  readonly start: number;
  readonly end: number;
}

/** Results bound for one series (one pipeline output, one table of the dashboard). */
export interface SeriesUpsert {
  readonly series: string;
  readonly results: readonly ResultRecord[];
  /** Windows to delete from the series (results the engine retracted), in the same commit. */
  readonly deletes?: readonly WindowRef[];
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
  /** Rows deleted, when the write had deletes. */
  readonly deleted?: number;
}

export interface RetentionRequest {
  /** Delete results whose window ended more than this many ms before `now`. */
  readonly maxAgeMs: number;
  /** Only this series (default: all). */
  readonly series?: string;
  /** The present, ms since the epoch (default `Date.now()`); the runtime may pass a watermark. */
  readonly now?: number;
}
