import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SinkContext } from '../../../src/connectors/connector.js';
import type { LogAccess } from '../../../src/connectors/log/log-access.js';
import { StoreSink } from '../../../src/connectors/store/store-sink.js';
import type { SeriesPoint } from '../../../src/contract/index.js';
import type { Batch } from '../../../src/engine/batch.js';
import { count, type JobOutput, pipeline, session } from '../../../src/engine/index.js';
import {
  type CommitRequest,
  SeriesStore,
  type SeriesUpsert,
  type WriteSummary,
} from '../../../src/store/index.js';
import { PipelineTest } from '../../../src/testing/index.js';
import { runEngine, sessionScenario, windowId } from '../../engine/properties/harness.js';
import { resultOf, simulate } from '../../engine/properties/reference.js';
import { pgliteInMemory, type TestDatabase } from '../../store/backends.js';

/** What a store holds, kept in a map: commits apply their deletes and upserts. */
class MapStore {
  readonly rows = new Map<string, Record<string, unknown>>();
  readonly commits: CommitRequest[] = [];

  async commit(request: CommitRequest): Promise<WriteSummary> {
    this.commits.push(request);
    for (const { results, deletes = [] } of request.upserts ?? []) {
      for (const window of deletes)
        this.rows.delete(windowId(window as { key: string; start: number; end: number }));
      for (const result of results)
        this.rows.set(windowId(result as { key: string; start: number; end: number }), result);
    }
    return { rows: 0, changed: 0 };
  }
}

/** What a task gives a sink: here, writes go straight to `store`, and what was stored is noted as published. */
const storeSink = (
  store: Pick<SeriesStore, 'commit'>,
  published: SeriesPoint[] = [],
  fail?: { next: boolean },
) => {
  const context: SinkContext = {
    pipeline: 'visits',
    task: 'all',
    log: {} as LogAccess,
    async writeSeries(writes: readonly SeriesUpsert[]) {
      if (fail?.next) {
        fail.next = false;
        throw new Error('the store is away');
      }
      await store.commit({ upserts: writes });
      for (const { results } of writes) {
        published.push(
          ...results.map(({ key, start, end, ...values }) => ({ key: String(key), start, end, values })),
        );
      }
    },
    observe: () => {},
    reject: (_sink, _batch, _index, error) => {
      throw error;
    },
  };
  return new StoreSink('visits', 'visits', context);
};

/** A job output that hands the `visits` sink's batches to `sink`. */
const into = (sink: StoreSink): JobOutput => ({
  sink: (_name, batch) => sink.write(batch),
  deadLetter: () => {},
  late: () => {},
});

/** Views per user session (gap 5 s), with 20 s of allowed lateness. */
const visits = () => {
  const p = pipeline('visits');
  p.source<string>('views')
    .keyBy((user) => user)
    .window(session('5s'), { lateness: '20s' })
    .aggregate({ views: count() })
    .sink('visits');
  return new PipelineTest(p);
};
const view = (t: PipelineTest, output: JobOutput, user: string, ts: number) =>
  t.job.push('views', { values: [user], timestamps: [ts] }, output);

describe('a store sink', () => {
  // event time   1s      6s   8s       13s        20s
  // user a       [1s ... 6s)  [8s .... 13s)       x(20s) fires both; they are stored
  // late x(5s) merges them: [1s,13s); the two stored rows are retracted, so deleted
  it('deletes the rows of a retracted session in the commit that stores the merged one', async () => {
    const store = new MapStore();
    const published: SeriesPoint[] = [];
    const sink = storeSink(store, published);
    const t = visits();
    const output = into(sink);
    view(t, output, 'a', 1_000);
    view(t, output, 'a', 8_000);
    view(t, output, 'a', 20_000);
    await sink.flush();
    expect([...store.rows.keys()]).toEqual(['a|1000|6000', 'a|8000|13000']);

    view(t, output, 'a', 5_000);
    expect(sink.pending).toBe(3);
    await sink.flush();
    expect([...store.rows.values()]).toEqual([{ key: 'a', start: 1_000, end: 13_000, views: 3 }]);
    expect(store.commits[1].upserts?.[0].deletes).toEqual([
      { key: 'a', start: 1_000, end: 6_000, views: 1 },
      { key: 'a', start: 8_000, end: 13_000, views: 1 },
    ]);
    // Live updates carry results only: a deleted row leaves with the next query.
    expect(published.map((p) => [p.start, p.end])).toEqual([
      [1_000, 6_000],
      [8_000, 13_000],
      [1_000, 13_000],
    ]);
  });

  it('keeps the last operation per window between flushes, and through a failed write', async () => {
    const store = new MapStore();
    const fail = { next: true };
    const sink = storeSink(store, [], fail);
    const row = (views: number) => ({ key: 'a', start: 0, end: 10, views });
    const batch = (rows: object[], retractions: boolean[]): Batch<unknown> => ({
      values: rows,
      timestamps: rows.map(() => 9),
      retractions,
    });
    sink.write(batch([row(1), row(1), row(2)], [false, true, false]));
    sink.write(batch([row(3), { ...row(5), key: 'b' }, { ...row(5), key: 'b' }], [false, false, true]));
    expect(sink.pending).toBe(2);
    await expect(sink.flush()).rejects.toThrow('the store is away');
    // The failed write gave everything back, unless the window changed meanwhile.
    expect(sink.pending).toBe(2);
    sink.write(batch([{ ...row(6), key: 'b' }], [false]));
    await sink.flush();
    expect(store.commits).toHaveLength(1);
    expect(Object.fromEntries(store.rows)).toEqual({ 'a|0|10': row(3), 'b|0|10': { ...row(6), key: 'b' } });
  });

  it('holds what a session pipeline computes from the whole input, however flushes fall', async () => {
    await fc.assert(
      fc.asyncProperty(
        sessionScenario('allowed'),
        fc.array(fc.boolean(), { minLength: 50, maxLength: 50 }),
        async (scenario, flushes) => {
          const store = new MapStore();
          const sink = storeSink(store);
          // What the engine emitted for each batch it was pushed, with a flush after some.
          const perBatch = runEngine(scenario).changes;
          for (let b = 0; b < perBatch.length; b++) {
            const batch = perBatch[b];
            sink.write({
              values: batch.map((c) => c.value),
              timestamps: batch.map((c) => c.timestamp),
              retractions: batch.map((c) => c.kind === '-'),
            });
            if (flushes[b % flushes.length]) await sink.flush();
          }
          await sink.flush();
          const ref = simulate(
            scenario.batches,
            scenario.assigner,
            scenario.maxOutOfOrderness,
            scenario.lateness,
          );
          const watermark = ref.watermarks[ref.watermarks.length - 1];
          const expected = new Map(
            ref.windows.filter((w) => w.end - 1 <= watermark).map((w) => [windowId(w), resultOf(w)]),
          );
          expect(store.rows).toEqual(expected);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('a store sink into the store on PGlite', () => {
  let db: TestDatabase;
  let store: SeriesStore;

  // Opening PGlite takes seconds on a busy machine.
  beforeAll(async () => {
    db = pgliteInMemory();
    store = await SeriesStore.open(await db.open(), { schema: db.schema });
  }, 60_000);

  afterAll(async () => {
    await store?.close();
  });

  it('leaves the merged session alone in the series', async () => {
    const sink = storeSink(store);
    const t = visits();
    const output = into(sink);
    for (const [user, ts] of [
      ['a', 1_000],
      ['a', 8_000],
      ['b', 2_000],
      ['a', 20_000],
    ] as const) {
      view(t, output, user, ts);
    }
    await sink.flush();
    view(t, output, 'a', 5_000);
    await sink.flush();
    expect(await store.query('visits', { from: 0, to: 60_000 })).toEqual([
      { key: 'a', start: 1_000, end: 13_000, values: { views: 3 } },
      { key: 'b', start: 2_000, end: 7_000, values: { views: 1 } },
    ]);
  });
});
