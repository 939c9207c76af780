import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGGREGATIONS, type SeriesPoint } from '../../src/contract/index.js';
import { type ResultRecord, SCHEMA_VERSION, SeriesStore } from '../../src/store/index.js';
import { databases, type RecordingBackend, type TestDatabase } from './backends.js';
import { bucketReference } from './reference.js';

const MINUTE = 60_000;
// A time that is a multiple of every step used below, so the buckets are easy to read.
const T0 = 28_333_320 * MINUTE;

/** Numbers equal up to float rounding: SQL and JS may add in a different order. */
const expectPointsClose = (actual: SeriesPoint[], expected: SeriesPoint[]) => {
  expect(actual.map(({ key, start, end }) => ({ key, start, end }))).toEqual(
    expected.map(({ key, start, end }) => ({ key, start, end })),
  );
  actual.forEach((point, i) => {
    expect(Object.keys(point.values).sort()).toEqual(Object.keys(expected[i].values).sort());
    for (const name in point.values) {
      expect(point.values[name] as number).toBeCloseTo(expected[i].values[name] as number, 9);
    }
  });
};

const totalRows = async (store: SeriesStore) =>
  (await store.listSeries()).reduce((sum, series) => sum + series.rows, 0);

describe.each(databases)('series store on %s', (_name, database) => {
  let db: TestDatabase;
  let backend: RecordingBackend;
  let store: SeriesStore;

  beforeAll(async () => {
    db = database();
    backend = await db.open();
    store = await SeriesStore.open(backend, { schema: db.schema });
  });

  afterAll(async () => {
    await store?.close();
    if (backend) await db.cleanup();
  });

  describe('upserts', () => {
    it('stores each window result under its series, key and window', async () => {
      const summary = await store.upsert('clicks', [
        { key: 'home', start: T0, end: T0 + MINUTE, count: 3, avgMs: 12.5 },
        { key: 7, start: T0, end: T0 + MINUTE, count: 1, avgMs: 40 },
      ]);

      expect(summary).toEqual({ rows: 2, changed: 2 });
      expect(await store.query('clicks', { from: T0, to: T0 + MINUTE })).toEqual([
        { key: '7', start: T0, end: T0 + MINUTE, values: { count: 1, avgMs: 40 } },
        { key: 'home', start: T0, end: T0 + MINUTE, values: { count: 3, avgMs: 12.5 } },
      ]);
    });

    it('changes nothing when the same results are written again, as a replay does', async () => {
      const results = [
        { key: 'a', start: T0, end: T0 + MINUTE, count: 5 },
        { key: 'b', start: T0, end: T0 + MINUTE, count: 6 },
      ];
      await store.upsert('replayed', results);
      const before = await store.query('replayed', { from: T0, to: T0 + MINUTE });

      expect(await store.upsert('replayed', results)).toEqual({ rows: 2, changed: 0 });
      expect(await store.query('replayed', { from: T0, to: T0 + MINUTE })).toEqual(before);
      expect((await store.listSeries()).find((s) => s.name === 'replayed')?.rows).toBe(2);
    });

    it('overwrites a window with a later result for it, as allowed lateness does', async () => {
      await store.upsert('late', [{ key: 'a', start: T0, end: T0 + MINUTE, count: 5 }]);

      expect(await store.upsert('late', [{ key: 'a', start: T0, end: T0 + MINUTE, count: 6 }])).toEqual({
        rows: 1,
        changed: 1,
      });
      expect(await store.query('late', { from: T0, to: T0 + MINUTE })).toEqual([
        { key: 'a', start: T0, end: T0 + MINUTE, values: { count: 6 } },
      ]);
    });

    it('keeps the last of two results for one window in one write', async () => {
      const summary = await store.upsert('twice', [
        { key: 'a', start: T0, end: T0 + MINUTE, count: 1 },
        { key: 'a', start: T0, end: T0 + MINUTE, count: 2 },
      ]);

      expect(summary.rows).toBe(1);
      expect((await store.query('twice', { from: T0, to: T0 + MINUTE }))[0].values).toEqual({ count: 2 });
    });

    it('writes 5 000 results in one call as a few multi-row statements in one transaction', async () => {
      const results = Array.from({ length: 5000 }, (_, i) => ({
        key: `sensor-${i % 50}`,
        start: T0 + Math.floor(i / 50) * MINUTE,
        end: T0 + Math.floor(i / 50 + 1) * MINUTE,
        temperature: 20 + (i % 7),
      }));
      backend.sent.length = 0;

      expect(await store.upsert('batched', results)).toEqual({ rows: 5000, changed: 5000 });

      // 1,000 rows per statement (the default), each column one array parameter.
      const inserts = backend.sent.filter((s) => s.text.startsWith('INSERT'));
      expect(inserts.map((s) => s.parameters)).toEqual([5, 5, 5, 5, 5]);
      expect(inserts.map((s) => s.rows)).toEqual([1000, 1000, 1000, 1000, 1000]);
      expect(inserts.every((s) => s.inTransaction)).toBe(true);
      expect(await store.query('batched', { from: T0, to: T0 + 100 * MINUTE })).toHaveLength(5000);
    });

    it('refuses a malformed result and writes nothing of the batch', async () => {
      const good = { key: 'a', start: T0, end: T0 + MINUTE, count: 1 };
      const bad: ResultRecord[] = [
        { key: 'a', start: T0 + 0.5, end: T0 + MINUTE, count: 1 },
        { key: 'a', start: T0 + MINUTE, end: T0, count: 1 },
        { key: Number.NaN, start: T0, end: T0 + MINUTE, count: 1 },
        { key: 'a', start: T0, end: T0 + MINUTE, count: Number.POSITIVE_INFINITY },
      ];
      for (const result of bad) {
        await expect(store.upsert('malformed', [good, result])).rejects.toMatchObject({
          code: 'TRB_STORE_BAD_WRITE',
        });
      }
      await expect(store.upsert('', [good])).rejects.toMatchObject({ code: 'TRB_STORE_BAD_WRITE' });
      expect(await store.keys('malformed')).toEqual([]);
    });
  });

  describe('commits', () => {
    it('stores results and a checkpoint together, and loads the checkpoint back as written', async () => {
      // Key order matters to whoever restores state: it must come back as written.
      const checkpoint = { version: 1, sources: { clicks: { offset: 42 } }, nodes: { b: [1, 2], a: null } };

      await store.commit({
        upserts: [{ series: 'committed', results: [{ key: 'a', start: T0, end: T0 + MINUTE, count: 1 }] }],
        checkpoints: { 'clicks-pipeline': checkpoint },
      });

      expect(JSON.stringify(await store.loadCheckpoint('clicks-pipeline'))).toBe(JSON.stringify(checkpoint));
      expect(await store.keys('committed')).toEqual(['a']);
      expect(await store.loadCheckpoint('never-checkpointed')).toBeUndefined();
    });

    it('replaces a pipeline’s checkpoint with the next one', async () => {
      await store.commit({ checkpoints: { replaced: { offset: 1 } } });
      await store.commit({ checkpoints: { replaced: { offset: 2 } } });

      expect(await store.loadCheckpoint('replaced')).toEqual({ offset: 2 });
    });

    it('leaves neither results nor checkpoint when a later statement of the commit fails', async () => {
      await store.commit({ checkpoints: { atomic: { offset: 100 } } });
      // 1 200 good results fill the first statement, which succeeds; the second carries a value
      // PostgreSQL refuses (a NUL character cannot be stored in JSONB).
      const good = Array.from({ length: 1200 }, (_, i) => ({
        key: `k${String(i).padStart(4, '0')}`,
        start: T0,
        end: T0 + MINUTE,
        count: i,
      }));
      const poisoned = { key: 'zz', start: T0, end: T0 + MINUTE, note: 'bad \u0000 byte' };
      backend.sent.length = 0;

      const commit = store.commit({
        upserts: [{ series: 'atomic', results: [...good, poisoned] }],
        checkpoints: { atomic: { offset: 200 } },
      });

      await expect(commit).rejects.toMatchObject({ code: 'TRB_STORE_REJECTED', domain: 'user' });
      await expect(commit).rejects.toThrow(/write to series "atomic" and checkpoints \(rolled back whole/);
      expect(backend.sent.filter((s) => s.text.startsWith('INSERT')).length).toBe(2);
      expect(await store.keys('atomic')).toEqual([]);
      expect(await store.loadCheckpoint('atomic')).toEqual({ offset: 100 });
    });

    it('leaves no results when the checkpoint of the commit is refused', async () => {
      const commit = store.commit({
        upserts: [
          { series: 'refused-checkpoint', results: [{ key: 'a', start: T0, end: T0 + MINUTE, n: 1 }] },
        ],
        checkpoints: { 'nul\u0000name': { offset: 1 } },
      });

      await expect(commit).rejects.toMatchObject({ code: 'TRB_STORE_REJECTED' });
      expect(await store.keys('refused-checkpoint')).toEqual([]);
    });
  });

  describe('deletes', () => {
    // Sessions [0m,1m) and [1m,2m) of key a were stored, then merged into [0m,2m): the
    // merged row is upserted and the two it replaces are deleted, with the checkpoint.
    const sessions = [
      { key: 'a', start: T0, end: T0 + MINUTE, n: 1 },
      { key: 'a', start: T0 + MINUTE, end: T0 + 2 * MINUTE, n: 1 },
      { key: 'b', start: T0, end: T0 + MINUTE, n: 4 },
      { key: 7, start: T0, end: T0 + MINUTE, n: 2 },
    ];

    it('remove windows by series, key, start and end, in the commit of the upserts and checkpoint', async () => {
      await store.upsert('merged', sessions);
      await store.upsert('merged-elsewhere', sessions);
      backend.sent.length = 0;

      const summary = await store.commit({
        upserts: [
          {
            series: 'merged',
            results: [{ key: 'a', start: T0, end: T0 + 2 * MINUTE, n: 2 }],
            deletes: [
              { key: 'a', start: T0, end: T0 + MINUTE },
              { key: 'a', start: T0 + MINUTE, end: T0 + 2 * MINUTE },
              { key: 7, start: T0, end: T0 + MINUTE },
            ],
          },
        ],
        checkpoints: { merging: { offset: 3 } },
      });

      const sent = [...backend.sent];
      expect(sent.every((s) => s.inTransaction)).toBe(true);
      expect(sent.filter((s) => s.text.trimStart().startsWith('DELETE'))).toHaveLength(1);
      expect(summary).toEqual({ rows: 1, changed: 1, deleted: 3 });
      expect(await store.query('merged', { from: T0, to: T0 + 2 * MINUTE })).toEqual([
        { key: 'a', start: T0, end: T0 + 2 * MINUTE, values: { n: 2 } },
        { key: 'b', start: T0, end: T0 + MINUTE, values: { n: 4 } },
      ]);
      expect(await store.query('merged-elsewhere', { from: T0, to: T0 + 2 * MINUTE })).toHaveLength(4);
    });

    it('of windows that are not stored change nothing', async () => {
      await store.upsert('kept', sessions);
      const summary = await store.commit({
        upserts: [{ series: 'kept', results: [], deletes: [{ key: 'a', start: T0, end: T0 + 3 * MINUTE }] }],
      });
      expect(summary).toEqual({ rows: 0, changed: 0, deleted: 0 });
      expect(await store.query('kept', { from: T0, to: T0 + 2 * MINUTE })).toHaveLength(4);
    });

    it('and upserts of one window in one write: the last one wins', async () => {
      const window = { key: 'a', start: T0, end: T0 + MINUTE };
      await store.commit({
        upserts: [
          { series: 'last-wins', results: [{ ...window, n: 1 }] },
          { series: 'last-wins', results: [], deletes: [window] },
          { series: 'last-wins', results: [{ ...window, key: 'b', n: 2 }] },
          { series: 'last-wins', results: [], deletes: [{ ...window, key: 'b' }] },
          { series: 'last-wins', results: [{ ...window, key: 'b', n: 3 }] },
        ],
      });
      expect(await store.query('last-wins', { from: T0, to: T0 + MINUTE })).toEqual([
        { key: 'b', start: T0, end: T0 + MINUTE, values: { n: 3 } },
      ]);
    });

    it('are rolled back with the rest of a commit that fails', async () => {
      await store.upsert('rolled-back', sessions);
      const commit = store.commit({
        upserts: [
          {
            series: 'rolled-back',
            results: [{ key: 'z', start: T0, end: T0 + MINUTE, note: 'bad \u0000 byte' }],
            deletes: [{ key: 'a', start: T0, end: T0 + MINUTE }],
          },
        ],
      });
      await expect(commit).rejects.toMatchObject({ code: 'TRB_STORE_REJECTED' });
      expect(await store.query('rolled-back', { from: T0, to: T0 + 2 * MINUTE })).toHaveLength(4);
    });

    it('refuses a delete without a usable key or window, and writes nothing', async () => {
      await store.upsert('guarded', sessions);
      const commit = store.commit({
        upserts: [
          {
            series: 'guarded',
            results: [],
            deletes: [
              { key: 'a', start: T0, end: T0 + MINUTE },
              { key: 'a', start: T0 + 0.5, end: T0 + MINUTE },
            ],
          },
        ],
      });
      await expect(commit).rejects.toMatchObject({ code: 'TRB_STORE_BAD_WRITE' });
      await expect(commit).rejects.toThrow('series "guarded", delete 1: start');
      expect(await store.query('guarded', { from: T0, to: T0 + 2 * MINUTE })).toHaveLength(4);
    });
  });

  describe('queries', () => {
    // Three keys, ten one-minute windows each; key c has no price in every fourth window and
    // every result carries a text field that aggregation leaves out.
    const results: ResultRecord[] = ['a', 'b', 'c'].flatMap((key, k) =>
      Array.from({ length: 10 }, (_, i) => {
        const result: Record<string, unknown> = {
          key,
          start: T0 + i * MINUTE,
          end: T0 + (i + 1) * MINUTE,
          count: (i * 7 + k * 3) % 11,
          label: `${key}-${i}`,
        };
        if (!(key === 'c' && i % 4 === 3)) result.price = 100 + i * 0.25 - k;
        return result as ResultRecord;
      }),
    );

    beforeAll(async () => {
      await store.upsert('prices', results);
    });

    const stored = (r: ResultRecord): SeriesPoint => {
      const { key, start, end, ...values } = r;
      return { key: String(key), start, end, values };
    };

    it('returns the windows that start in [from, to), by start then key', async () => {
      const points = await store.query('prices', { from: T0 + 2 * MINUTE, to: T0 + 4 * MINUTE });

      expect(points).toEqual(
        results
          .filter((r) => r.start >= T0 + 2 * MINUTE && r.start < T0 + 4 * MINUTE)
          .sort((x, y) => x.start - y.start || String(x.key).localeCompare(String(y.key)))
          .map(stored),
      );
      expect(points.map((p) => `${p.key}@${(p.start - T0) / MINUTE}`)).toEqual([
        'a@2',
        'b@2',
        'c@2',
        'a@3',
        'b@3',
        'c@3',
      ]);
    });

    it('filters by one key or a list of keys', async () => {
      const range = { from: T0, to: T0 + 10 * MINUTE };

      expect((await store.query('prices', { ...range, key: 'b' })).map((p) => p.key)).toEqual(
        Array(10).fill('b'),
      );
      const both = await store.query('prices', { ...range, key: ['a', 'c'] });
      expect(new Set(both.map((p) => p.key))).toEqual(new Set(['a', 'c']));
      expect(both).toHaveLength(20);
      expect(await store.query('prices', { ...range, key: [] })).toEqual([]);
    });

    it('returns the earliest points up to a limit, and only the fields asked for', async () => {
      const points = await store.query('prices', {
        from: T0,
        to: T0 + 10 * MINUTE,
        limit: 4,
        fields: ['count'],
      });

      expect(points.map((p) => `${p.key}@${(p.start - T0) / MINUTE}`)).toEqual(['a@0', 'b@0', 'c@0', 'a@1']);
      expect(points[1].values).toEqual({ count: 3 });
    });

    it('re-buckets by step: a hand-checked sum', async () => {
      const points = await store.query('prices', {
        from: T0,
        to: T0 + 10 * MINUTE,
        step: 5 * MINUTE,
        agg: 'sum',
        key: 'a',
      });

      // Key a's counts are (7i mod 11) for i = 0…9: 0 7 3 10 6 | 2 9 5 1 8.
      expect(points).toEqual([
        { key: 'a', start: T0, end: T0 + 5 * MINUTE, values: { count: 26, price: 502.5 } },
        { key: 'a', start: T0 + 5 * MINUTE, end: T0 + 10 * MINUTE, values: { count: 25, price: 508.75 } },
      ]);
    });

    it.each(AGGREGATIONS)('re-buckets by step with %s as the plain computation does', async (agg) => {
      for (const step of [MINUTE, 3 * MINUTE, 4 * MINUTE, 60 * MINUTE]) {
        const points = await store.query('prices', { from: T0, to: T0 + 10 * MINUTE, step, agg });
        expectPointsClose(points, bucketReference(results, step, agg));
      }
    });

    it('aligns buckets to multiples of the step, whatever the range', async () => {
      const points = await store.query('prices', {
        from: T0 + 4 * MINUTE,
        to: T0 + 8 * MINUTE,
        step: 3 * MINUTE,
        agg: 'count',
        key: 'a',
      });

      expect(points.map((p) => [(p.start - T0) / MINUTE, (p.end - T0) / MINUTE, p.values.count])).toEqual([
        [3, 6, 2],
        [6, 9, 2],
      ]);
    });

    it('counts points, not fields, against the limit of a bucketed query, and keeps only asked fields', async () => {
      const points = await store.query('prices', {
        from: T0,
        to: T0 + 10 * MINUTE,
        step: 5 * MINUTE,
        agg: 'max',
        limit: 4,
        fields: ['price'],
      });

      expect(points.map((p) => `${p.key}@${(p.start - T0) / MINUTE}`)).toEqual(['a@0', 'b@0', 'c@0', 'a@5']);
      expect(points[0].values).toEqual({ price: 101 });
    });

    it('floors buckets of windows before 1970 too', async () => {
      await store.upsert('before-epoch', [
        { key: 'x', start: -2 * MINUTE, end: -MINUTE, n: 1 },
        { key: 'x', start: -MINUTE, end: 0, n: 2 },
        { key: 'x', start: 0, end: MINUTE, n: 4 },
      ]);

      const points = await store.query('before-epoch', { from: -10 * MINUTE, to: MINUTE, step: 2 * MINUTE });

      expect(points).toEqual([
        { key: 'x', start: -2 * MINUTE, end: 0, values: { n: 1.5 } },
        { key: 'x', start: 0, end: 2 * MINUTE, values: { n: 4 } },
      ]);
    });

    it('refuses options it cannot honour', async () => {
      const range = { from: T0, to: T0 + MINUTE };
      const bad = [
        { from: T0 + MINUTE, to: T0 },
        { from: Number.NaN, to: T0 },
        { ...range, step: 0 },
        { ...range, step: 1.5 },
        { ...range, agg: 'sum' as const },
        { ...range, step: MINUTE, agg: 'median' as never },
        { ...range, limit: 0 },
      ];
      for (const options of bad) {
        await expect(store.query('prices', options)).rejects.toMatchObject({ code: 'TRB_STORE_BAD_QUERY' });
      }
    });
  });

  describe('series and keys', () => {
    it('lists each series with its keys, rows and window span, and a series’ keys sorted', async () => {
      const odd = 'it\'s "odd"; DROP TABLE x; --';
      await store.upsert('inventory', [
        { key: 'b', start: T0, end: T0 + MINUTE, n: 1 },
        { key: 'a', start: T0 + MINUTE, end: T0 + 2 * MINUTE, n: 1 },
        { key: 'a', start: T0 + 5 * MINUTE, end: T0 + 7 * MINUTE, n: 1 },
      ]);
      await store.upsert(odd, [{ key: odd, start: T0, end: T0 + MINUTE, n: 1 }]);

      const series = await store.listSeries();

      expect(series.find((s) => s.name === 'inventory')).toEqual({
        name: 'inventory',
        keys: 2,
        rows: 3,
        firstStart: T0,
        lastStart: T0 + 5 * MINUTE,
        lastEnd: T0 + 7 * MINUTE,
      });
      expect(series.map((s) => s.name)).toEqual([...series.map((s) => s.name)].sort());
      expect(await store.keys('inventory')).toEqual(['a', 'b']);
      expect(await store.keys(odd)).toEqual([odd]);
      expect(await store.keys('no-such-series')).toEqual([]);
    });

    it('answers the newest window of each key, of the keys asked for, by key', async () => {
      await store.upsert('latest', [
        { key: 'b', start: T0, end: T0 + MINUTE, n: 1 },
        { key: 'b', start: T0 + 2 * MINUTE, end: T0 + 3 * MINUTE, n: 2 },
        { key: 'a', start: T0 + MINUTE, end: T0 + 2 * MINUTE, n: 3 },
        { key: 'c', start: T0 + 5 * MINUTE, end: T0 + 6 * MINUTE, n: 4 },
        { key: 'c', start: T0 + 4 * MINUTE, end: T0 + 5 * MINUTE, n: 5 },
      ]);

      expect(await store.latest('latest')).toEqual([
        { key: 'a', start: T0 + MINUTE, end: T0 + 2 * MINUTE, values: { n: 3 } },
        { key: 'b', start: T0 + 2 * MINUTE, end: T0 + 3 * MINUTE, values: { n: 2 } },
        { key: 'c', start: T0 + 5 * MINUTE, end: T0 + 6 * MINUTE, values: { n: 4 } },
      ]);
      expect((await store.latest('latest', ['c', 'b', 'z'])).map((p) => p.values.n)).toEqual([2, 4]);
      expect(await store.latest('no-such-series')).toEqual([]);
    });
  });

  describe('retention', () => {
    const now = T0 + 100 * MINUTE;
    const windowsEnding = (...ends: number[]) =>
      ends.map((end) => ({ key: 'k', start: now - end * MINUTE - MINUTE, end: now - end * MINUTE, n: 1 }));

    it('deletes the windows of one series that ended before now − max age', async () => {
      // Windows that ended 30, 10 and 5 minutes before now; the max age is 10 minutes.
      await store.upsert('retained', windowsEnding(30, 10, 5));
      await store.upsert('untouched', windowsEnding(30));

      const deleted = await store.applyRetention({ series: 'retained', maxAgeMs: 10 * MINUTE, now });

      expect(deleted).toBe(1);
      const left = await store.query('retained', { from: 0, to: now });
      expect(left.map((p) => (now - p.end) / MINUTE)).toEqual([10, 5]);
      expect(await store.keys('untouched')).toEqual(['k']);
    });

    it('deletes old windows of every series when no series is named', async () => {
      await store.upsert('global-a', windowsEnding(50, 1));
      await store.upsert('global-b', windowsEnding(60));
      const before = await totalRows(store);
      const cutoff = now - 20 * MINUTE;

      const deleted = await store.applyRetention({ maxAgeMs: 20 * MINUTE, now });

      expect(deleted).toBeGreaterThanOrEqual(2);
      expect(await totalRows(store)).toBe(before - deleted);
      expect(await store.keys('global-b')).toEqual([]);
      expect(await store.query('global-a', { from: 0, to: now })).toHaveLength(1);
      for (const s of await store.listSeries()) {
        const old = await store.query(s.name, { from: -1e12, to: cutoff });
        expect(
          old.filter((p) => p.end < cutoff),
          s.name,
        ).toEqual([]);
      }
    });

    it('refuses a negative max age', async () => {
      await expect(store.applyRetention({ maxAgeMs: -1 })).rejects.toMatchObject({
        code: 'TRB_STORE_BAD_QUERY',
      });
    });
  });
});

describe.each(databases)('opening a series store on %s', (_name, database) => {
  let db: TestDatabase;
  let opened = false;

  beforeAll(() => {
    db = database();
  });

  afterAll(async () => {
    if (opened) await db.cleanup();
  });

  it('creates its schema once: opening again on the same database migrates nothing', async () => {
    const backend = await db.open();
    opened = true;
    const first = await SeriesStore.open(backend, { schema: db.schema });
    await first.upsert('kept', [{ key: 'a', start: 0, end: 1, n: 1 }]);
    backend.sent.length = 0;

    const second = await SeriesStore.open(backend, { schema: db.schema });

    expect(backend.sent.some((s) => s.text.startsWith('CREATE TABLE "'))).toBe(false);
    expect(await second.keys('kept')).toEqual(['a']);
    const { rows } = await backend.query(
      `SELECT version FROM "${db.schema}".schema_migrations ORDER BY version`,
    );
    // Every migration applied, each once.
    expect(rows).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => ({ version: i + 1 })));

    // A newer Tributary has been here: this one must not touch the tables.
    await backend.query(`INSERT INTO "${db.schema}".schema_migrations (version) VALUES (999)`);
    await expect(SeriesStore.open(backend, { schema: db.schema })).rejects.toMatchObject({
      code: 'TRB_STORE_SCHEMA_VERSION',
    });
  });

  it('refuses a schema name that is not a plain identifier, and work after close()', async () => {
    await expect(SeriesStore.open(await db.open(), { schema: 'bad"name' })).rejects.toMatchObject({
      code: 'TRB_STORE_BAD_CONFIG',
    });

    const store = await SeriesStore.open(await db.open(), { schema: `${db.schema}_closed` });
    await store.close();
    await store.close();

    await expect(store.keys('kept')).rejects.toMatchObject({ code: 'TRB_STORE_CLOSED' });
  });
});
