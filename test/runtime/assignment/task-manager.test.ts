/**
 * A task that cannot start fails alone. Here a pipeline is edited between two runs — its
 * window renamed — so its checkpoint no longer fits: the platform still starts, that
 * pipeline shows status `failed` with the way out, and the other pipeline, which reads the
 * same topic, goes on processing. The same whether the tasks run on the main thread or on
 * worker threads (which build their plans from a module: the fixture mirrors these plans).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { count, pipeline, tumbling } from '../../../src/engine/index.js';
import type { Plan } from '../../../src/engine/plan/plan.js';
import { createLogger } from '../../../src/observability/logger.js';
import { Platform, type PlatformOptions } from '../../../src/runtime/platform.js';
import { CheckpointStore } from '../../../src/store/checkpoint-store.js';
import { openSeriesStore } from '../../../src/store/index.js';
import { DATABASE_URL, postgresServer } from '../../store/backends.js';

const PLANS = fileURLToPath(new URL('../fixtures/renamed-window-plans.mjs', import.meta.url));

interface Click {
  readonly user: string;
  readonly page: string;
  readonly ts: number;
}

const clicksPerUser = (windowName: string) =>
  pipeline('clicks-per-user')
    .source<Click>('clicks', { time: (c) => c.ts })
    .keyBy((c) => c.user)
    .window(tumbling('10s'), { name: windowName })
    .aggregate({ clicks: count() })
    .sink('clicks-per-user')
    .build();

const clicksPerPage = pipeline('clicks-per-page')
  .source<Click>('clicks', { time: (c) => c.ts })
  .keyBy((c) => c.page)
  .window(tumbling('10s'), { name: 'per-page' })
  .aggregate({ clicks: count() })
  .sink('clicks-per-page')
  .build();

/** The fixture's export of each plan this test runs. */
const EXPORTS = new Map<Plan, string>([
  [clicksPerUser('per-user'), 'perUserWindow'],
  [clicksPerUser('by-user'), 'byUserWindow'],
  [clicksPerPage, 'clicksPerPage'],
]);
const planOf = (name: string) => [...EXPORTS.keys()].find((plan) => EXPORTS.get(plan) === name)!;

/** Where the tasks run: the options that put them there, and the members they land on. */
const THREADS: [string, Partial<PlatformOptions>, RegExp][] = [
  ['the main thread', { workers: 0 }, /^main$/],
  [
    'worker threads',
    { workers: 2, recipes: (plan) => ({ kind: 'module', module: PLANS, export: EXPORTS.get(plan) }) },
    /^worker-\d$/,
  ],
];

const dirs: string[] = [];
const platforms: Platform[] = [];
afterEach(async () => {
  for (const platform of platforms.splice(0)) await platform.stop().catch(() => {});
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

const until = async (check: () => boolean | Promise<boolean>, what: string): Promise<void> => {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
};

/** A platform with fast task intervals, its log lines from `level` up kept. */
const startPlatform = async (
  options: Pick<PlatformOptions, 'dataDir' | 'store' | 'pipelines'> & Partial<PlatformOptions>,
  level: string,
) => {
  const logs: Record<string, unknown>[] = [];
  const platform = new Platform({
    sources: { clicks: { type: 'http' } },
    pipelineTasks: {
      checkpointIntervalMs: 100,
      flushIntervalMs: 20,
      tickIntervalMs: 20,
      reportIntervalMs: 20,
    },
    logger: createLogger({ level, destination: { write: (line: string) => logs.push(JSON.parse(line)) } }),
    onError: () => {},
    ...options,
  });
  platforms.push(platform);
  await platform.start();
  return { platform, logs };
};

describe.each(THREADS)('a task that cannot start, on %s', (_where, threads, members) => {
  const start = (dataDir: string, pipelines: Plan[]) =>
    startPlatform({ dataDir, store: { type: 'embedded' }, pipelines, ...threads }, 'error');

  it('fails alone when its checkpoint no longer fits: the others, and the platform, run on', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tributary-cannot-start-'));
    dirs.push(dataDir);
    const first = await start(dataDir, [planOf('perUserWindow'), planOf('clicksPerPage')]);
    await first.platform.ingest('clicks', [
      { value: { user: 'ann', page: '/home', ts: 1_000 } },
      { value: { user: 'bob', page: '/home', ts: 2_000 } },
    ]);
    await until(
      () => first.platform.pipelines().every((p) => p.recordsIn === 2),
      'both pipelines to read the clicks',
    );
    await first.platform.stop(); // both checkpoint their windows' state

    // The window of clicks-per-user is renamed: its checkpoint's operators no longer match.
    const second = await start(dataDir, [planOf('byUserWindow'), planOf('clicksPerPage')]);
    expect(second.platform.ready()).toBe(true);
    for (const member of second.platform.assignment().values()) expect(member).toMatch(members);
    const failed = second.platform.pipeline('clicks-per-user')!;
    expect(failed.status).toBe('failed');
    expect(failed.error).toContain('tributary reset --config FILE clicks-per-user');
    expect(failed.error).toContain('by-user');

    // The other pipeline reads on from its checkpoint: its first window closes with all three clicks.
    await second.platform.ingest('clicks', [
      { value: { user: 'cid', page: '/home', ts: 3_000 } },
      { value: { user: 'cid', page: '/home', ts: 12_000 } },
    ]);
    await until(
      async () => (await second.platform.querySeries('clicks-per-page', { from: 0, to: 60_000 })).length > 0,
      'clicks-per-page to store its first window',
    );
    expect(await second.platform.querySeries('clicks-per-page', { from: 0, to: 60_000 })).toEqual([
      { key: '/home', start: 0, end: 10_000, values: { clicks: 3 } },
    ]);
    await until(
      () => second.platform.pipeline('clicks-per-page')!.recordsIn === 2,
      'the status of clicks-per-page to show the new clicks',
    );
    expect(second.platform.pipeline('clicks-per-page')!.status).toBe('running');
    expect(second.platform.pipeline('clicks-per-user')!.status).toBe('failed');

    // Logged once, at error level, naming the pipeline.
    const errors = second.logs.filter((line) => line.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ pipeline: 'clicks-per-user' });
    expect(errors[0].msg).toContain('tributary reset --config FILE clicks-per-user');

    // It stops with the others, its failure kept.
    await second.platform.stop();
    expect(second.platform.pipeline('clicks-per-user')!.status).toBe('failed');
  });
});

describe('a task fenced by the claim of a run that is gone', () => {
  const database = postgresServer();
  afterAll(() => database.cleanup());

  it("starts again from its checkpoint while its partition is still this process's", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tributary-fenced-'));
    dirs.push(dataDir);
    const { platform, logs } = await startPlatform(
      {
        dataDir,
        store: { type: 'postgres', url: DATABASE_URL, schema: database.schema },
        pipelines: [clicksPerPage],
        workers: 0,
      },
      'warn',
    );
    await platform.ingest('clicks', [
      { value: { user: 'ann', page: '/home', ts: 1_000 } },
      { value: { user: 'bob', page: '/home', ts: 2_000 } },
    ]);
    await until(() => platform.pipeline('clicks-per-page')!.recordsIn === 2, 'the clicks to be read');

    // Another run claims the task — a process that took the partition over and died at once.
    const other = await openSeriesStore({ backend: 'postgres', url: DATABASE_URL, schema: database.schema });
    try {
      const checkpoints = CheckpointStore.on(other);
      await until(async () => (await checkpoints.tasks('clicks-per-page')).length > 0, 'a checkpoint');
      const [task] = await checkpoints.tasks('clicks-per-page');
      await checkpoints.load('clicks-per-page', task, [], 'a-run-that-died');
    } finally {
      await other.close();
    }
    await until(
      () => logs.some((line) => String(line.msg).includes('fenced by another run')),
      'the fenced task to start again',
    );

    // It goes on from its checkpoint: the first window holds the three clicks, none twice.
    await platform.ingest('clicks', [
      { value: { user: 'cid', page: '/home', ts: 3_000 } },
      { value: { user: 'cid', page: '/home', ts: 12_000 } },
    ]);
    await until(
      async () => (await platform.querySeries('clicks-per-page', { from: 0, to: 60_000 })).length > 0,
      'the first window to be stored',
    );
    expect(await platform.querySeries('clicks-per-page', { from: 0, to: 60_000 })).toEqual([
      { key: '/home', start: 0, end: 10_000, values: { clicks: 3 } },
    ]);
    expect(platform.pipeline('clicks-per-page')!.status).toBe('running');
  });
});
