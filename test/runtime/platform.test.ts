import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { count, pipeline, sum, tumbling } from '../../src/engine/index.js';
import { createLogger } from '../../src/observability/logger.js';
import { Platform, type PlatformOptions } from '../../src/runtime/platform.js';

interface Click {
  user: string;
  ts: number;
  amount: number;
}

const clicksPerUser = () =>
  pipeline('clicks-per-user')
    .source<Click>('clicks', { time: (c) => c.ts })
    .keyBy((c) => c.user)
    .window(tumbling('10s'))
    .aggregate({ clicks: count(), spend: sum((c) => c.amount) })
    .sink('clicks-per-user')
    .build();

const dirs: string[] = [];
const platforms: Platform[] = [];

/**
 * The same platform over the embedded store and over PostgreSQL. On PostgreSQL each data
 * directory gets a schema of its own, so that tests do not see each other's results.
 */
const schemas = new Map<string, string>();
const schemaFor = (dataDir: string): string => {
  if (!schemas.has(dataDir)) schemas.set(dataDir, `tributary_test_${process.pid}_${schemas.size}`);
  return schemas.get(dataDir)!;
};
const POSTGRES_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const STORES: [string, (dataDir: string) => PlatformOptions['store']][] = [
  ['the embedded store', () => ({ type: 'embedded' })],
  ['PostgreSQL', (dataDir) => ({ type: 'postgres', url: POSTGRES_URL, schema: schemaFor(dataDir) })],
];
let storeOf: (dataDir: string) => PlatformOptions['store'] = STORES[0][1];

const startPlatform = async (dataDir?: string, overrides: Partial<PlatformOptions> = {}) => {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'tributary-platform-')));
  if (!dataDir) dirs.push(dir);
  const platform = new Platform({
    dataDir: dir,
    store: storeOf(dir),
    sources: { clicks: { type: 'http' } },
    pipelines: [clicksPerUser()],
    pipelineTasks: {
      checkpointIntervalMs: 100,
      flushIntervalMs: 20,
      tickIntervalMs: 20,
      reportIntervalMs: 20,
    },
    onError: () => {},
    ...overrides,
  });
  platforms.push(platform);
  await platform.start();
  return { platform, dir };
};

afterEach(async () => {
  for (const platform of platforms.splice(0)) await platform.stop().catch(() => {});
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** Polls until `check` returns a value (results arrive asynchronously, through the log and the store). */
const eventually = async <T>(
  check: () => Promise<T | undefined> | T | undefined,
  what: string,
): Promise<T> => {
  for (let attempt = 0; attempt < 200; attempt++) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
};

describe.each(STORES)('the embedded platform on %s', (_name, store) => {
  beforeAll(() => {
    storeOf = store;
  });
  afterAll(async () => {
    if (schemas.size === 0 || store('').type !== 'postgres') return;
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    for (const schema of schemas.values()) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });

  it('ingests events, aggregates them per window and stores the results', async () => {
    const { platform } = await startPlatform();
    expect(platform.ready()).toBe(true);
    const ingested = await platform.ingest('clicks', [
      { value: { user: 'ann', ts: 1_000, amount: 5 } },
      { value: { user: 'bob', ts: 2_000, amount: 7 } },
      { value: { user: 'ann', ts: 3_000, amount: 1 } },
      { value: { user: 'ann', ts: 12_000, amount: 2 } },
    ]);
    expect(ingested).toEqual({
      accepted: 4,
      firstOffset: 0,
      lastOffset: 3,
      partitions: [{ partition: 0, firstOffset: 0, lastOffset: 3 }],
    });

    const points = await eventually(async () => {
      const found = await platform.querySeries('clicks-per-user', { from: 0, to: 60_000 });
      return found.length === 2 ? found : undefined;
    }, 'the first window to be stored');
    expect(points).toEqual([
      { key: 'ann', start: 0, end: 10_000, values: { clicks: 2, spend: 6 } },
      { key: 'bob', start: 0, end: 10_000, values: { clicks: 1, spend: 7 } },
    ]);

    // Status comes from the tasks' reports, a moment behind the results.
    const status = await eventually(() => {
      const found = platform.pipeline('clicks-per-user')!;
      return found.recordsIn === 4 && found.watermark === 11_999 ? found : undefined;
    }, 'the status to show the records read');
    expect(status).toMatchObject({
      status: 'running',
      sources: ['clicks'],
      recordsIn: 4,
      lag: 0,
      watermark: 11_999,
    });
    expect(status.operators.map((o) => o.id)).toEqual([
      'source:clicks',
      'eventTime#1',
      'keyBy#1',
      'window#1',
      'sink:clicks-per-user',
    ]);
    expect(platform.stats().activeSources).toBe(1);
    // Its stats of each second are kept, for a page that opens later.
    const { samples } = await eventually(() => {
      const history = platform.statsHistory();
      return history.samples.length >= 2 ? history : undefined;
    }, 'two seconds of stats history');
    expect(samples[1].at - samples[0].at).toBeGreaterThanOrEqual(900);
    expect(Object.keys(samples[0]).sort()).toEqual(['at', ...Object.keys(platform.stats())].sort());
  });

  it('dead-letters what it cannot process and keeps going', async () => {
    const { platform } = await startPlatform();
    await platform.ingest('clicks', [
      { value: { user: 'ann', ts: 'yesterday', amount: 5 } },
      { value: { user: 'ann', ts: 1_000, amount: 'five' } },
      { value: { user: 'ann', ts: 2_000, amount: 3 } },
      { value: { user: 'ann', ts: 20_000, amount: 1 } },
    ]);
    const points = await eventually(async () => {
      const found = await platform.querySeries('clicks-per-user', { from: 0, to: 60_000 });
      return found.length > 0 ? found : undefined;
    }, 'results');
    expect(points).toEqual([{ key: 'ann', start: 0, end: 10_000, values: { clicks: 1, spend: 3 } }]);
    const letters = await eventually(() => {
      const found = platform.deadLetters('clicks-per-user', 10);
      return found.length === 2 ? found : undefined;
    }, 'the dead letters to be reported');
    expect(letters.map((l) => [l.operator, l.position])).toEqual([
      ['eventTime#1', { topic: 'clicks', partition: 0, offset: 0 }],
      ['window#1', { topic: 'clicks', partition: 0, offset: 1 }],
    ]);
    expect(letters[0].error?.message).toContain('event time is "yesterday"');
    expect(platform.stats().deadLettered).toBe(2);
  });

  it('logs the first dead letter of an operator, and not each of a burst after it', async () => {
    const lines: { level: string; msg: string; operator?: string }[] = [];
    const logger = createLogger({
      level: 'warn',
      destination: { write: (line: string) => lines.push(JSON.parse(line)) },
    });
    // On the main thread: its log lines come to this logger.
    const { platform } = await startPlatform(undefined, { workers: 0, logger });
    await platform.ingest(
      'clicks',
      Array.from({ length: 50 }, () => ({ value: { user: 'ann', ts: 'yesterday', amount: 1 } })),
    );
    await eventually(() => (platform.stats().deadLettered === 50 ? true : undefined), 'the dead letters');
    const logged = lines.filter((l) => l.msg.startsWith('a record was dead-lettered'));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 'warn', operator: 'eventTime#1' });
    expect(logged[0].msg).toContain('event time is "yesterday"');
  });

  it('resumes from its checkpoint after a restart without counting anything twice', async () => {
    const first = await startPlatform();
    await first.platform.ingest('clicks', [
      { value: { user: 'ann', ts: 1_000, amount: 1 } },
      { value: { user: 'ann', ts: 2_000, amount: 1 } },
    ]);
    await eventually(
      () => (first.platform.pipeline('clicks-per-user')!.recordsIn === 2 ? true : undefined),
      'records read',
    );
    await first.platform.stop();

    const second = await startPlatform(first.dir);
    await second.platform.ingest('clicks', [
      { value: { user: 'ann', ts: 3_000, amount: 1 } },
      { value: { user: 'ann', ts: 15_000, amount: 1 } },
    ]);
    const points = await eventually(async () => {
      const found = await second.platform.querySeries('clicks-per-user', { from: 0, to: 60_000 });
      return found.length > 0 ? found : undefined;
    }, 'results after restart');
    expect(points).toEqual([{ key: 'ann', start: 0, end: 10_000, values: { clicks: 3, spend: 3 } }]);
    // Only the two new records were read: the first two came back as checkpointed state.
    await eventually(
      () => (second.platform.pipeline('clicks-per-user')!.recordsIn === 2 ? true : undefined),
      'the status to show the records read',
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(second.platform.pipeline('clicks-per-user')!.recordsIn).toBe(2);
  });

  it('publishes stored results live on the series channel', async () => {
    const { platform } = await startPlatform();
    const updates: unknown[] = [];
    platform.subscribe('series:clicks-per-user', (points) => updates.push(points));
    await platform.ingest('clicks', [
      { value: { user: 'ann', ts: 1_000, amount: 1 } },
      { value: { user: 'ann', ts: 11_000, amount: 1 } },
    ]);
    await eventually(() => (updates.length > 0 ? true : undefined), 'a live update');
    expect(updates[0]).toEqual([{ key: 'ann', start: 0, end: 10_000, values: { clicks: 1, spend: 1 } }]);
  });
});

describe('ingest into a topic of several partitions', () => {
  it("answers each partition's range, and one range only when all went to one partition", async () => {
    const { platform } = await startPlatform(undefined, { log: { partitions: 2 }, pipelines: [] });
    // Kafka's partitioner puts "a" in partition 0 and "abc" in 1 of 2 (see the log's partitioner test).
    expect(
      await platform.ingest('clicks', [
        { value: { n: 1 }, key: 'abc' },
        { value: { n: 2 }, key: 'a' },
        { value: { n: 3 }, key: 'abc' },
      ]),
    ).toEqual({
      accepted: 3,
      partitions: [
        { partition: 0, firstOffset: 0, lastOffset: 0 },
        { partition: 1, firstOffset: 0, lastOffset: 1 },
      ],
    });
    expect(await platform.ingest('clicks', [{ value: { n: 4 }, key: 'abc' }])).toEqual({
      accepted: 1,
      firstOffset: 2,
      lastOffset: 2,
      partitions: [{ partition: 1, firstOffset: 2, lastOffset: 2 }],
    });
  });
});
