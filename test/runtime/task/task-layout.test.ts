/**
 * A pipeline keeps its positions and keyed state per task: one task `all`, or one per
 * partition. When its tasks are laid out otherwise than when it checkpointed — `partitioned:
 * true` added to or taken off its key_by, a source topic grown — a task would start from the
 * beginning with no state over the other layout's rows. It refuses instead, saying what
 * changed and the way out; a task of the same layout that has not checkpointed yet still
 * starts afresh.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type EmbeddedLog, openEmbeddedLog } from '../../../src/connectors/log/index.js';
import { localLogAccess } from '../../../src/connectors/log/local-access.js';
import { compile, count, pipeline, tumbling } from '../../../src/engine/index.js';
import { keyGroupCount, keyGroupOf } from '../../../src/engine/state/key-groups.js';
import { systemClock } from '../../../src/engine/time/clock.js';
import { TributaryError } from '../../../src/errors.js';
import { LocalHost } from '../../../src/runtime/host/local-host.js';
import { PipelineTask } from '../../../src/runtime/task/pipeline-task.js';
import { checkLayout } from '../../../src/runtime/task/task-layout.js';
import type { TaskReport } from '../../../src/runtime/task/task-report.js';
import { DEFAULT_TASK_OPTIONS } from '../../../src/runtime/task/task-spec.js';
import { CheckpointStore, type SavedTask } from '../../../src/store/checkpoint-store.js';
import { openSeriesStore, type SeriesStore } from '../../../src/store/index.js';
import { encodeV1 } from '../../engine/job/format-v1.js';

interface Click {
  readonly user: string;
  readonly ts: number;
}

/** Clicks per user and 10 s; its topic is partitioned by user when `partitioned`. */
const perUser = (partitioned: boolean) =>
  pipeline('per-user')
    .source<Click>('clicks', { time: (c) => c.ts })
    .keyBy((c) => c.user, { partitioned })
    .window(tumbling('10s'), { name: 'per-user' })
    .aggregate({ clicks: count() })
    .sink('per-user')
    .build();

/** Enough users that every partition, and every key group class of 4 partitions, has some. */
const users = Array.from({ length: 24 }, (_, i) => `user-${i}`);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const open = async (partitions: number) => {
  const dir = await mkdtemp(join(tmpdir(), 'tributary-layout-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const log = await openEmbeddedLog({ dir: join(dir, 'log') });
  cleanups.push(() => log.close());
  const store = await openSeriesStore({ backend: 'pglite' });
  cleanups.push(() => store.close());
  await log.createTopic('clicks', { partitions });
  await appendClicks(log, 1_000);
  return { log, store };
};

/** One click of every user, keyed by user so that the log partitions by it. */
const appendClicks = (log: EmbeddedLog, ts: number) =>
  log.append(
    'clicks',
    users.map((user) => ({ key: user, value: Buffer.from(JSON.stringify({ user, ts })) })),
  );

const newTask = (log: EmbeddedLog, store: SeriesStore, task: string, partitioned: boolean) => {
  const reports: TaskReport[] = [];
  const pipelineTask = new PipelineTask({
    spec: {
      pipeline: 'per-user',
      task,
      sources: { clicks: { topic: 'clicks', format: 'json' } },
      sinks: { 'per-user': { type: 'store', series: 'per-user' } },
      options: { ...DEFAULT_TASK_OPTIONS, flushIntervalMs: 10, tickIntervalMs: 10, reportIntervalMs: 10 },
    },
    plan: perUser(partitioned),
    host: new LocalHost({
      log: localLogAccess(log, () => 1),
      store,
      checkpoints: CheckpointStore.on(store),
      stored: () => {},
      observe: () => {},
      report: (report) => reports.push(report),
    }),
    clock: systemClock,
  });
  return { task: pipelineTask, reports };
};

/** Runs a task until it has read all its partitions hold, then stops it (which checkpoints). */
const runTask = async (log: EmbeddedLog, store: SeriesStore, task: string, partitioned: boolean) => {
  const { task: running, reports } = newTask(log, store, task, partitioned);
  await running.start();
  const caughtUp = () => {
    const last = reports.at(-1);
    return last !== undefined && last.recordsIn > 0 && last.lag.every((p) => p.lag === 0);
  };
  for (let i = 0; i < 1_000 && !caughtUp(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  await running.stop();
  return reports.at(-1)!;
};

/** The task's refusal to start. */
const refusalToStart = async (
  log: EmbeddedLog,
  store: SeriesStore,
  task: string,
  partitioned: boolean,
): Promise<TributaryError> => {
  const { task: refused } = newTask(log, store, task, partitioned);
  const error = await refused.start().then(
    () => undefined,
    (e: unknown) => e,
  );
  await refused.stop();
  if (error instanceof TributaryError) return error;
  throw new Error(`expected task ${task} to refuse to start, got ${String(error)}`);
};

const expectResetAdvice = (error: TributaryError) => {
  expect(error.code).toBe('TRB_SNAPSHOT_MISMATCH');
  expect(error.message).toContain('tributary reset --config FILE per-user');
};

describe('a pipeline task whose layout changed', () => {
  it('refuses one task per partition over the checkpoint of one task that read every partition', async () => {
    const { log, store } = await open(2);
    await runTask(log, store, 'all', false);
    // `partitioned: true` added: the pipeline now runs tasks 0 and 1.
    for (const task of ['0', '1']) {
      const error = await refusalToStart(log, store, task, true);
      expectResetAdvice(error);
      expect(error.message).toContain('checkpointed by one task that read every partition');
      expect(error.message).toContain('one task per partition (2 partitions)');
      expect(error.message).toContain('Restore the earlier pipeline or partition count');
    }
    expect(await CheckpointStore.on(store).tasks('per-user')).toEqual(['all']);
  });

  it('refuses one task that reads every partition over the checkpoints of one task per partition', async () => {
    const { log, store } = await open(2);
    await runTask(log, store, '0', true);
    await runTask(log, store, '1', true);
    // `partitioned: true` taken off: the pipeline now runs task `all`.
    const error = await refusalToStart(log, store, 'all', false);
    expectResetAdvice(error);
    expect(error.message).toContain('checkpointed by one task per partition (tasks 0, 1)');
    expect(error.message).toContain('Restore the earlier pipeline');
    expect(await CheckpointStore.on(store).tasks('per-user')).toEqual(['0', '1']);
  });

  it('refuses partition tasks after a topic grew from 2 partitions to 4, which keeps 128 key groups', async () => {
    expect(keyGroupCount(2)).toBe(keyGroupCount(4));
    const { log, store } = await open(2);
    await runTask(log, store, '0', true);
    await runTask(log, store, '1', true);
    // Task 2 of 4 owns groups 2, 6, 10, …, which task 0 of 2 held: the state is there.
    const movedGroups = new Set(users.map((user) => keyGroupOf(user, 128)).filter((g) => g % 4 === 2));
    expect(movedGroups.size).toBeGreaterThan(0);
    await log.createTopic('clicks', { partitions: 4 });

    const kept = await refusalToStart(log, store, '0', true);
    expectResetAdvice(kept);
    expect(kept.message).toContain('taken when its topics had 2 partitions; they have 4 now');

    const moved = await refusalToStart(log, store, '2', true);
    expectResetAdvice(moved);
    expect(moved.message).toContain(
      `state in ${movedGroups.size} key groups that task 2 owns, but no checkpoint of task 2`,
    );
    expect(moved.message).toContain('tasks 0, 1 held those keys when its topics had another partition count');
  });

  it('refuses to start afresh over state rows that no task checkpoint goes with', async () => {
    const { log, store } = await open(1);
    await runTask(log, store, 'all', false);
    // Someone deleted the task checkpoints by hand and left the state.
    const { backend, schema } = store.sql;
    await backend.query(`DELETE FROM "${schema}".task_checkpoints`, []);

    const error = await refusalToStart(log, store, 'all', false);
    expectResetAdvice(error);
    expect(error.message).toContain('no task of it has a checkpoint, so the state has lost the positions');

    // The way out clears both, and the pipeline starts afresh and checkpoints again.
    await CheckpointStore.on(store).reset('per-user');
    const report = await runTask(log, store, 'all', false);
    expect(report.recordsIn).toBe(users.length);
    expect(report.status).toBe('stopped');
    expect(await CheckpointStore.on(store).tasks('per-user')).toEqual(['all']);
  });

  it('refuses partition tasks over a checkpoint of the format before key groups', async () => {
    const { log, store } = await open(2);
    const plan = perUser(false);
    await store.commit({
      checkpoints: {
        'per-user': {
          job: encodeV1(compile(plan).snapshot(), plan),
          offsets: { clicks: 12 },
          at: 1_700_000_000_000,
        },
      },
    });
    const error = await refusalToStart(log, store, '0', true);
    expectResetAdvice(error);
    expect(error.message).toContain('checkpoint of the format before key groups');
    expect(error.message).toContain('they have 2 now, and it runs as one task per partition');
  });

  it('lets a partition task that never checkpointed start afresh beside its siblings of the same layout', async () => {
    const { log, store } = await open(2);
    await runTask(log, store, '0', true);
    // Task 1 crashed before its first checkpoint: it reads its partition from the start.
    const report = await runTask(log, store, '1', true);
    expect(report.status).toBe('stopped');
    expect(report.recordsIn).toBeGreaterThan(0);
    expect(await CheckpointStore.on(store).tasks('per-user')).toEqual(['0', '1']);
  });
});

describe('checkLayout', () => {
  const saved = (tasks: string[], own?: string): SavedTask => ({
    ...(own === undefined
      ? {}
      : { task: { pipeline: 'p', task: own, id: 1, at: 0, meta: '{}', positions: '[]' } }),
    groups: [],
    tasks,
  });
  const place = (task: string, partitions: number) => ({ pipeline: 'p', task, partitions });
  const refusal = (work: () => void): string => {
    try {
      work();
    } catch (error) {
      if (error instanceof TributaryError && error.code === 'TRB_SNAPSHOT_MISMATCH') return error.message;
      throw error;
    }
    throw new Error('expected a refusal');
  };

  it('accepts a pipeline never checkpointed, its own checkpoint, and siblings of the same layout', () => {
    expect(() => checkLayout(place('all', 3), saved([]))).not.toThrow();
    expect(() => checkLayout(place('all', 3), saved(['all'], 'all'))).not.toThrow();
    expect(() => checkLayout(place('2', 4), saved(['0', '1', '3']))).not.toThrow();
    expect(() => checkLayout(place('1', 4), saved(['0', '1', '2', '3'], '1'))).not.toThrow();
  });

  it('refuses tasks of partitions the topics no longer have, even beside a checkpoint of its own', () => {
    const message = refusal(() => checkLayout(place('0', 2), saved(['0', '1', '10', '2'], '0')));
    expect(message).toContain(
      'tasks of partitions its topics no longer have (tasks 2, 10); they have 2 partitions now',
    );
    expect(message).toContain('Restore the partition count, or start the pipeline afresh');
  });

  it('refuses the other layout beside a checkpoint of its own', () => {
    expect(refusal(() => checkLayout(place('all', 2), saved(['0', 'all'], 'all')))).toContain(
      'one task per partition (task 0)',
    );
    expect(refusal(() => checkLayout(place('0', 2), saved(['0', 'all'], '0')))).toContain(
      'one task that read every partition',
    );
  });
});
