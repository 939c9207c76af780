import { describe, expect, it } from 'vitest';
import {
  checkQuery,
  deleteExpired,
  deleteResults,
  MAX_RESULTS_PER_STATEMENT,
  selectBuckets,
  selectResults,
  upsertResults,
} from '../../src/store/query-builder.js';
import { toWriteRows } from '../../src/store/results.js';
import { tablesIn } from '../../src/store/schema.js';

const tables = tablesIn('tributary');
const hostile = "x'); DROP TABLE tributary.series_results; --";

describe('the statements of the store', () => {
  it('binds every value as a parameter, never as SQL text', () => {
    const rows = toWriteRows([
      {
        series: hostile,
        results: [{ key: hostile, start: 0, end: 1, [hostile]: hostile }],
        deletes: [{ key: hostile, start: 1, end: 2 }],
      },
    ]);
    const q = checkQuery(hostile, { from: 0, to: 10, step: 5, key: [hostile], fields: [hostile], limit: 3 });

    for (const statement of [
      upsertResults(tables, rows.upserts),
      deleteResults(tables, rows.deletes),
      selectResults(tables, hostile, q),
      selectBuckets(tables, hostile, { ...q, step: 5 }),
      deleteExpired(tables, { series: hostile, maxAgeMs: 1, now: 10 }),
    ]) {
      expect(statement.text).not.toContain('DROP');
      expect(statement.values.flat()).toContain(hostile);
      expect(statement.text.match(/\$\d+/g)?.length).toBeGreaterThan(0);
    }
  });

  it('binds the largest batch as five array parameters, one statement text for any row count', () => {
    const results = Array.from({ length: MAX_RESULTS_PER_STATEMENT }, (_, i) => ({
      key: i,
      start: 0,
      end: 1,
      n: i,
    }));

    const statement = upsertResults(tables, toWriteRows([{ series: 's', results }]).upserts);

    expect(statement.values).toHaveLength(5);
    expect(
      statement.values.every((column) => (column as unknown[]).length === MAX_RESULTS_PER_STATEMENT),
    ).toBe(true);
    expect(statement.text.match(/ON CONFLICT/g)).toHaveLength(1);
    const one = upsertResults(tables, toWriteRows([{ series: 's', results: results.slice(0, 1) }]).upserts);
    expect(one.text).toBe(statement.text);
  });

  it('keeps aggregation fields and drops key, start and end from them', () => {
    const [row] = toWriteRows([
      { series: 's', results: [{ key: true, start: 5, end: 9, count: 2, top: ['a'] }] },
    ]).upserts;

    expect(row).toEqual({ series: 's', key: 'true', start: 5, end: 9, fields: '{"count":2,"top":["a"]}' });
  });
});
