/**
 * A pipeline task on the main thread's host: it resumes from a checkpoint of the format
 * before key groups (one document in the old checkpoints table) as if it had written it,
 * and its first checkpoint rewrites that state whole, by key group.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type EmbeddedLog, openEmbeddedLog } from '../../../src/connectors/log/index.js';
import { localLogAccess } from '../../../src/connectors/log/local-access.js';
import { compile, count, pipeline, sum, tumbling } from '../../../src/engine/index.js';
import { systemClock } from '../../../src/engine/time/clock.js';
import { LocalHost } from '../../../src/runtime/host/local-host.js';
import { PipelineTask } from '../../../src/runtime/task/pipeline-task.js';
import type { TaskReport } from '../../../src/runtime/task/task-report.js';
import { DEFAULT_TASK_OPTIONS } from '../../../src/runtime/task/task-spec.js';
import { CheckpointStore } from '../../../src/store/checkpoint-store.js';
import { openSeriesStore, type SeriesStore } from '../../../src/store/index.js';
import { encodeV1 } from '../../engine/job/format-v1.js';

const plan = pipeline('spend')
  .source<{ user: string; ts: number; amount: number }>('clicks', { time: (c) => c.ts })
  .keyBy((c) => c.user)
  .window(tumbling('10s'), { name: 'per-user' })
  .aggregate({ clicks: count(), spend: sum((c) => c.amount) })
  .sink('spend')
  .build();

const clicks = [
  { user: 'ann', ts: 1_000, amount: 1 },
  { user: 'bob', ts: 2_000, amount: 2 },
  { user: 'ann', ts: 3_000, amount: 3 },
  // The checkpoint of the earlier format holds the three above; these follow it.
  { user: 'ann', ts: 4_000, amount: 4 },
  { user: 'bob', ts: 25_000, amount: 5 },
];

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const runTask = async (log: EmbeddedLog, store: SeriesStore) => {
  let last: TaskReport | undefined;
  const task = new PipelineTask({
    spec: {
      pipeline: 'spend',
      task: 'all',
      sources: { clicks: { topic: 'clicks', format: 'json' } },
      sinks: { spend: { type: 'store', series: 'spend' } },
      options: { ...DEFAULT_TASK_OPTIONS, flushIntervalMs: 10, tickIntervalMs: 10, reportIntervalMs: 10 },
    },
    plan,
    host: new LocalHost({
      log: localLogAccess(log, () => 1),
      store,
      checkpoints: CheckpointStore.on(store),
      stored: () => {},
      observe: () => {},
      report: (report) => {
        last = report;
      },
    }),
    clock: systemClock,
  });
  await task.start();
  for (let i = 0; i < 1_000 && !(last?.lag.every((p) => p.lag === 0) && last.recordsIn > 0); i++)
    await new Promise((resolve) => setTimeout(resolve, 10));
  await task.stop();
  return last!;
};

describe('a pipeline task', () => {
  it('carries over a checkpoint of the format before key groups, then writes it anew', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tributary-task-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const log = await openEmbeddedLog({ dir: join(dir, 'log') });
    cleanups.push(() => log.close());
    const store = await openSeriesStore({ backend: 'pglite' });
    cleanups.push(() => store.close());
    await log.append(
      'clicks',
      clicks.map((c) => ({ value: Buffer.from(JSON.stringify(c)) })),
    );
    // What the earlier runtime stored after reading the first three records.
    const job = compile(plan);
    job.push('clicks', { values: clicks.slice(0, 3), timestamps: clicks.slice(0, 3).map((c) => c.ts) });
    await store.commit({
      checkpoints: {
        spend: { job: encodeV1(job.snapshot(), plan), offsets: { clicks: 3 }, at: 1_700_000_000_000 },
      },
    });

    const report = await runTask(log, store);
    // Only the two records after the old checkpoint were read; the window holds all of ann's.
    expect(report.recordsIn).toBe(2);
    expect(await store.query('spend', { from: 0, to: 60_000 })).toEqual([
      { key: 'ann', start: 0, end: 10_000, values: { clicks: 3, spend: 8 } },
      { key: 'bob', start: 0, end: 10_000, values: { clicks: 1, spend: 2 } },
    ]);
    // The state is now in task_checkpoints and whole: bob's open window came back from it.
    const saved = await CheckpointStore.on(store).load(
      'spend',
      'all',
      Array.from({ length: 128 }, (_, g) => g),
    );
    expect(JSON.parse(saved.task!.positions)).toEqual([{ topic: 'clicks', partition: 0, offset: 5 }]);
    expect(saved.groups.every((row) => row.full)).toBe(true);
    expect(saved.groups.map((row) => row.data).join()).toContain('"bob"');
  });
});
