import { TributaryError } from '../errors.js';
import type { SeriesUpsert } from './types.js';

/** A window result ready to bind: key as text, fields as JSON text. */
export interface ResultRow {
  readonly series: string;
  readonly key: string;
  readonly start: number;
  readonly end: number;
  readonly fields: string;
}

const RESERVED = new Set(['key', 'start', 'end']);

const badWrite = (message: string, cause?: unknown) =>
  new TributaryError('TRB_STORE_BAD_WRITE', message, cause === undefined ? undefined : { cause });

const keyText = (key: unknown, where: string): string => {
  if (typeof key === 'string') return key;
  if ((typeof key === 'number' && Number.isFinite(key)) || typeof key === 'boolean') return String(key);
  throw badWrite(`${where}: key ${String(key)} is not a string, finite number or boolean`);
};

/** A window to delete: its key as text. */
export interface DeleteRow {
  readonly series: string;
  readonly key: string;
  readonly start: number;
  readonly end: number;
}

const checkWindow = (start: unknown, end: unknown, where: string): void => {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || (end as number) < (start as number)) {
    throw badWrite(
      `${where}: start ${String(start)} and end ${String(end)} must be integers of ms, start <= end`,
    );
  }
};

const toRow = (series: string, result: Readonly<Record<string, unknown>>, where: string): ResultRow => {
  const { start, end } = result;
  checkWindow(start, end, where);
  const fields: Record<string, unknown> = {};
  for (const name in result) {
    if (RESERVED.has(name)) continue;
    const value = result[name];
    // JSON.stringify would silently turn NaN and Infinity into null.
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw badWrite(`${where}: field "${name}" is ${value}; store finite numbers only`);
    }
    fields[name] = value;
  }
  return {
    series,
    key: keyText(result.key, where),
    start: start as number,
    end: end as number,
    fields: json(fields, where),
  };
};

const json = (value: unknown, where: string): string => {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw badWrite(`${where} is not JSON: ${(error as Error).message}`, error);
  }
  if (text === undefined) throw badWrite(`${where} is not JSON (it is ${typeof value})`);
  return text;
};

/**
 * The rows of a write, validated, one operation per (series, key, start, end) — the last
 * upsert or delete wins, as it would had they been written one after the other (an entry's
 * results before its deletes); PostgreSQL refuses to update one row twice in one statement —
 * and sorted by that key, so that concurrent writers lock rows in the same order and cannot
 * deadlock.
 */
export const toWriteRows = (
  upserts: readonly SeriesUpsert[],
): { upserts: ResultRow[]; deletes: DeleteRow[] } => {
  const byId = new Map<string, ResultRow | DeleteRow>();
  const id = (row: DeleteRow) => `${row.series}\u0000${row.key}\u0000${row.start}\u0000${row.end}`;
  for (const { series, results, deletes = [] } of upserts) {
    if (typeof series !== 'string' || series === '') {
      throw badWrite(`series name ${JSON.stringify(series)} is empty or not a string`);
    }
    for (let i = 0; i < results.length; i++) {
      const row = toRow(series, results[i], `series "${series}", result ${i}`);
      byId.set(id(row), row);
    }
    for (let i = 0; i < deletes.length; i++) {
      const where = `series "${series}", delete ${i}`;
      const { key, start, end } = deletes[i];
      checkWindow(start, end, where);
      const row: DeleteRow = { series, key: keyText(key, where), start, end };
      byId.set(id(row), row);
    }
  }
  const rows = { upserts: [] as ResultRow[], deletes: [] as DeleteRow[] };
  for (const row of byId.values()) {
    if ('fields' in row) rows.upserts.push(row);
    else rows.deletes.push(row);
  }
  rows.upserts.sort(compareRows);
  rows.deletes.sort(compareRows);
  return rows;
};

const compareRows = (a: DeleteRow, b: DeleteRow): number =>
  compareText(a.series, b.series) || compareText(a.key, b.key) || a.start - b.start || a.end - b.end;

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Checkpoints as `[pipeline, JSON text]`, sorted by pipeline for the same lock-order reason. */
export const toCheckpointRows = (checkpoints: Readonly<Record<string, unknown>>): [string, string][] =>
  Object.keys(checkpoints)
    .sort(compareText)
    .map((pipeline) => {
      if (pipeline === '') throw badWrite('a checkpoint has an empty pipeline name');
      return [pipeline, json(checkpoints[pipeline], `checkpoint of pipeline "${pipeline}"`)];
    });
