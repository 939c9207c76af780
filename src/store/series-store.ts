import type { SeriesInfo, SeriesPoint, SeriesQuery } from '../contract/index.js';
import { TributaryError } from '../errors.js';
import type { SqlBackend, SqlExecutor } from './backend.js';
import * as sql from './query-builder.js';
import { type ResultRow, toCheckpointRows, toWriteRows } from './results.js';
import { DEFAULT_SCHEMA, migrate, type Tables, tablesIn } from './schema.js';
import { toStoreError } from './store-errors.js';
import type { CommitRequest, ResultRecord, RetentionRequest, WriteSummary } from './types.js';

export interface SeriesStoreOptions {
  /** The schema holding the store's tables (default `tributary`). */
  readonly schema?: string;
  /**
   * Results per upsert statement (default 1000, at most 10,000). A larger write is split into
   * statements of this size, all in one transaction.
   */
  readonly rowsPerStatement?: number;
}

const DEFAULT_ROWS_PER_STATEMENT = 1000;

/**
 * Window results by (series, key, window start, window end), and pipeline checkpoints, over
 * PGlite or PostgreSQL.
 *
 * Writes are upserts keyed by the window, so writing a result again (a replay after a crash,
 * an update within allowed lateness) lands on the same row; a retracted result is deleted by
 * its window. `commit` writes results, deletes and checkpoints in one transaction: after a
 * crash the store holds all or none of them.
 *
 * @example
 * const store = await openSeriesStore({ backend: 'pglite', dataDir: './data' });
 * await store.commit({
 *   upserts: [{ series: 'clicks', results: [{ key: 'home', start: 0, end: 60_000, count: 3 }] }],
 *   checkpoints: { clicks: job.snapshot() },
 * });
 * const points = await store.query('clicks', { from: 0, to: 3_600_000, step: 300_000, agg: 'sum' });
 */
export class SeriesStore {
  readonly #backend: SqlBackend;
  readonly #tables: Tables;
  readonly #rowsPerStatement: number;
  #closed = false;

  private constructor(backend: SqlBackend, tables: Tables, rowsPerStatement: number) {
    this.#backend = backend;
    this.#tables = tables;
    this.#rowsPerStatement = rowsPerStatement;
  }

  /** Takes over `backend` (closed with the store, or at once if opening fails) and migrates its schema. */
  static async open(backend: SqlBackend, options: SeriesStoreOptions = {}): Promise<SeriesStore> {
    try {
      const rowsPerStatement = options.rowsPerStatement ?? DEFAULT_ROWS_PER_STATEMENT;
      if (
        !Number.isSafeInteger(rowsPerStatement) ||
        rowsPerStatement < 1 ||
        rowsPerStatement > sql.MAX_RESULTS_PER_STATEMENT
      ) {
        throw new TributaryError(
          'TRB_STORE_BAD_CONFIG',
          `rowsPerStatement ${rowsPerStatement} must be an integer from 1 to ${sql.MAX_RESULTS_PER_STATEMENT}`,
        );
      }
      const tables = tablesIn(options.schema ?? DEFAULT_SCHEMA);
      await migrate(backend, tables);
      return new SeriesStore(backend, tables, rowsPerStatement);
    } catch (error) {
      await backend.close().catch(() => {});
      throw toStoreError(error, backend.location, 'the schema migration');
    }
  }

  /** Which database this is (`pglite` or `postgres`) and where, without secrets. */
  get backend(): { readonly kind: string; readonly location: string } {
    return { kind: this.#backend.kind, location: this.#backend.location };
  }

  /**
   * The database and schema under this store, for a store of its own kind that shares them
   * (alert state: `AlertStore.onSeriesStore`). It stays owned by this store, closed with it.
   */
  get sql(): { readonly backend: SqlBackend; readonly schema: string } {
    return { backend: this.#backend, schema: this.#tables.schema.slice(1, -1) };
  }

  /** Upserts window results into one series. */
  upsert(series: string, results: readonly ResultRecord[]): Promise<WriteSummary> {
    return this.commit({ upserts: [{ series, results }] });
  }

  /**
   * Upserts results, deletes the windows named in `deletes` and replaces checkpoints, all in
   * one transaction. A failing statement rolls back the whole commit, so a checkpoint is never
   * stored without its results.
   */
  commit(request: CommitRequest): Promise<WriteSummary> {
    return this.#guard(`${describeWrite(request)} (rolled back whole: nothing of it is stored)`, async () => {
      const rows = toWriteRows(request.upserts ?? []);
      const checkpoints = toCheckpointRows(request.checkpoints ?? {});
      const upserts = this.#chunks(rows.upserts).map((chunk) => sql.upsertResults(this.#tables, chunk));
      const deletes = rows.deletes.length > 0 ? sql.deleteResults(this.#tables, rows.deletes) : undefined;
      const checkpoint =
        checkpoints.length > 0 ? sql.upsertCheckpoints(this.#tables, checkpoints) : undefined;
      const run = async (db: SqlExecutor): Promise<WriteSummary> => {
        let changed = 0;
        let deleted = 0;
        // A window is either upserted or deleted by one commit, so the order does not matter.
        if (deletes) deleted = (await db.query(deletes.text, deletes.values)).rowCount;
        for (const { text, values } of upserts) changed += (await db.query(text, values)).rowCount;
        if (checkpoint) await db.query(checkpoint.text, checkpoint.values);
        return deletes
          ? { rows: rows.upserts.length, changed, deleted }
          : { rows: rows.upserts.length, changed };
      };
      const statements = upserts.length + (deletes ? 1 : 0) + (checkpoint ? 1 : 0);
      // A single statement is atomic by itself; more need a transaction to commit as one.
      return statements <= 1 ? run(this.#backend) : this.#backend.transaction(run);
    });
  }

  /** The checkpoint last committed for `pipeline`, or undefined if it has none. */
  loadCheckpoint(pipeline: string): Promise<unknown> {
    return this.#guard(`loading the checkpoint of "${pipeline}"`, async () => {
      const { text, values } = sql.selectCheckpoint(this.#tables, pipeline);
      const { rows } = await this.#backend.query<{ checkpoint: unknown }>(text, values);
      return rows.length === 0 ? undefined : rows[0].checkpoint;
    });
  }

  /**
   * Points of a series whose window starts in `[from, to)`, ordered by start then key: the
   * stored windows, or with `step`, per-key buckets whose numeric fields are combined by `agg`.
   */
  query(series: string, query: SeriesQuery): Promise<SeriesPoint[]> {
    return this.#guard(`a query of series "${series}"`, async () => {
      const q = sql.checkQuery(series, query);
      if (q.step === undefined) {
        const { text, values } = sql.selectResults(this.#tables, series, q);
        const { rows } = await this.#backend.query<StoredRow>(text, values);
        return rows.map(toPoint);
      }
      const { text, values } = sql.selectBuckets(this.#tables, series, { ...q, step: q.step });
      const { rows } = await this.#backend.query<BucketRow>(text, values);
      return foldBuckets(rows, q.step);
    });
  }

  /** The newest stored result of each key of a series (of `keys` only, when given), by key. */
  latest(series: string, keys?: readonly string[]): Promise<SeriesPoint[]> {
    return this.#guard(`the latest results of series "${series}"`, async () => {
      const { text, values } = sql.selectLatest(this.#tables, series, keys);
      const { rows } = await this.#backend.query<StoredRow>(text, values);
      return rows.map(toPoint);
    });
  }

  /** Every series with its number of keys and rows and the span of its windows, by name. */
  listSeries(): Promise<SeriesInfo[]> {
    return this.#guard('listing series', async () => {
      const { text, values } = sql.selectSeries(this.#tables);
      const { rows } = await this.#backend.query<SeriesRow>(text, values);
      return rows.map((r) => ({
        name: r.series,
        keys: Number(r.keys),
        rows: Number(r.rows),
        firstStart: Number(r.first_start),
        lastStart: Number(r.last_start),
        lastEnd: Number(r.last_end),
      }));
    });
  }

  /** The keys of a series, sorted. */
  keys(series: string): Promise<string[]> {
    return this.#guard(`listing the keys of series "${series}"`, async () => {
      const { text, values } = sql.selectKeys(this.#tables, series);
      const { rows } = await this.#backend.query<{ key: string }>(text, values);
      return rows.map((r) => r.key);
    });
  }

  /**
   * Deletes results whose window ended more than `maxAgeMs` before `now`, in one series or all;
   * returns how many. The runtime calls it on a schedule: the store runs no timers of its own.
   */
  applyRetention(request: RetentionRequest): Promise<number> {
    return this.#guard('applying retention', async () => {
      const { text, values } = sql.deleteExpired(this.#tables, request);
      return (await this.#backend.query(text, values)).rowCount;
    });
  }

  /** Closes the database (idempotent). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#backend.close();
  }

  #chunks(rows: readonly ResultRow[]): ResultRow[][] {
    const chunks: ResultRow[][] = [];
    for (let i = 0; i < rows.length; i += this.#rowsPerStatement) {
      chunks.push(rows.slice(i, i + this.#rowsPerStatement));
    }
    return chunks;
  }

  async #guard<T>(what: string, work: () => Promise<T>): Promise<T> {
    if (this.#closed) {
      throw new TributaryError('TRB_STORE_CLOSED', `${what} on the result store after close()`);
    }
    try {
      return await work();
    } catch (error) {
      throw toStoreError(error, this.#backend.location, what);
    }
  }
}

interface StoredRow extends Record<string, unknown> {
  key: string;
  window_start: number | string;
  window_end: number | string;
  fields: Record<string, unknown>;
}

const toPoint = (r: StoredRow): SeriesPoint => ({
  key: r.key,
  start: Number(r.window_start),
  end: Number(r.window_end),
  values: r.fields,
});

interface BucketRow extends Record<string, unknown> {
  key: string;
  bucket: number | string;
  name: string | null;
  value: number | string | null;
}

interface SeriesRow extends Record<string, unknown> {
  series: string;
  keys: number | string;
  rows: number | string;
  first_start: number | string;
  last_start: number | string;
  last_end: number | string;
}

/** Names what a write touched, for error messages: `a write to series "a", "b" and checkpoints`. */
const describeWrite = (request: CommitRequest): string => {
  const series = [...new Set((request.upserts ?? []).map((u) => JSON.stringify(u.series)))];
  const parts =
    series.length === 0 ? [] : [`series ${series.slice(0, 3).join(', ')}${series.length > 3 ? ', …' : ''}`];
  if (request.checkpoints && Object.keys(request.checkpoints).length > 0) parts.push('checkpoints');
  return `a write to ${parts.join(' and ') || 'nothing'}`;
};

/** Rows of one field each, ordered by bucket and key, into one point per (key, bucket). */
const foldBuckets = (rows: readonly BucketRow[], step: number): SeriesPoint[] => {
  const points: SeriesPoint[] = [];
  let last: SeriesPoint | undefined;
  for (const row of rows) {
    const start = Number(row.bucket);
    if (!last || last.key !== row.key || last.start !== start) {
      last = { key: row.key, start, end: start + step, values: {} };
      points.push(last);
    }
    // A bucket whose results have no numeric field still is a point, with no values.
    if (row.name !== null) last.values[row.name] = row.value === null ? null : Number(row.value);
  }
  return points;
};
