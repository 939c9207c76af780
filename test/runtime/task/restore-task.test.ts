/**
 * A task restoring its last checkpoint loads its key groups a part at a time and says how
 * far it got, so a restore of much state shows progress rather than a silent "starting";
 * the state it ends with is the whole of what it checkpointed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedLog, openEmbeddedLog } from '../../../src/connectors/log/index.js';
import { localLogAccess } from '../../../src/connectors/log/local-access.js';
import { count, pipeline, tumbling } from '../../../src/engine/index.js';
import { MIN_KEY_GROUPS } from '../../../src/engine/state/key-groups.js';
import { systemClock } from '../../../src/engine/time/clock.js';
import { LocalHost } from '../../../src/runtime/host/local-host.js';
import { PipelineTask } from '../../../src/runtime/task/pipeline-task.js';
import { GROUPS_PER_LOAD } from '../../../src/runtime/task/restore-task.js';
import type { TaskReport } from '../../../src/runtime/task/task-report.js';
import { DEFAULT_TASK_OPTIONS, type TaskSpec } from '../../../src/runtime/task/task-spec.js';
import { CheckpointStore } from '../../../src/store/checkpoint-store.js';
import { openSeriesStore, type SeriesStore } from '../../../src/store/index.js';

interface Click {
  readonly user: string;
  readonly ts: number;
}

const USERS = 500;
const EVENTS = 3_000;
const HOUR = 3_600_000;
const click = (i: number): Click => ({ user: `u${(i * 13) % USERS}`, ts: i * 10 });

/** Clicks per user and hour: every user's window stays open through the first run, as state. */
const plan = (() => {
  const p = pipeline('per-user-hour');
  p.source<Click>('clicks', { time: (c) => c.ts })
    .keyBy((c) => c.user)
    .window(tumbling('1h'))
    .aggregate({ clicks: count() })
    .sink('per-user');
  return p.build();
})();

const spec: TaskSpec = {
  pipeline: plan.name,
  task: 'all',
  sources: { clicks: { topic: 'clicks', format: 'json' } },
  sinks: { 'per-user': { type: 'store', series: 'per-user' } },
  options: { ...DEFAULT_TASK_OPTIONS, tickIntervalMs: 10, reportIntervalMs: 0 },
};

describe('a task restoring its checkpoint', () => {
  let dir: string;
  let log: EmbeddedLog;
  let store: SeriesStore;

  beforeAll(async () => {
    store = await openSeriesStore({ backend: 'pglite' });
    dir = await mkdtemp(join(tmpdir(), 'tributary-restore-'));
    log = await openEmbeddedLog({ dir: join(dir, 'log') });
  });

  afterAll(async () => {
    await store?.close();
    await log?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const append = (clicks: Click[]) =>
    log.append(
      'clicks',
      clicks.map((c) => ({ value: Buffer.from(JSON.stringify(c)) })),
    );

  /** Starts the task; every report it makes is kept, and every part of the state it loads. */
  const start = async () => {
    const started = begin();
    await started.task.start();
    return started;
  };

  /** Makes the task and its host, but does not start it; `onLoad` hears each load of state. */
  const begin = (onLoad?: () => void) => {
    const reports: TaskReport[] = [];
    const loads: number[][] = [];
    const local = new LocalHost({
      log: localLogAccess(log, () => 1),
      store,
      checkpoints: CheckpointStore.on(store),
      stored: () => {},
      observe: () => {},
      report: (report) => reports.push(report),
    });
    const host = Object.assign(Object.create(local) as LocalHost, {
      loadGroups: (pipeline: string, groups: readonly number[]) => {
        loads.push([...groups]);
        onLoad?.();
        return local.loadGroups(pipeline, groups);
      },
    });
    const task = new PipelineTask({ spec, plan, host, clock: systemClock });
    return { task, reports, loads };
  };

  const readAll = async (reports: TaskReport[], records: number) => {
    await expect.poll(() => reports.at(-1)?.recordsIn ?? 0, { timeout: 30_000 }).toBe(records);
  };

  it('reports n of m key groups restored, then runs on with all of its state', async () => {
    await append(Array.from({ length: EVENTS }, (_, i) => click(i)));
    const first = await start();
    expect(first.reports.some((r) => r.status === 'restoring')).toBe(false); // nothing to restore
    await readAll(first.reports, EVENTS);
    await first.task.stop(); // its last checkpoint holds every user's open window

    const second = await start();
    const restoring = second.reports.filter((r) => r.status === 'restoring');
    const steps = Math.ceil(MIN_KEY_GROUPS / GROUPS_PER_LOAD);
    expect(restoring.map((r) => r.recovery)).toEqual(
      Array.from({ length: steps }, (_, i) => ({
        keyGroups: MIN_KEY_GROUPS,
        restored: Math.min(MIN_KEY_GROUPS, (i + 1) * GROUPS_PER_LOAD),
      })),
    );
    // The first part comes with the checkpoint itself; the others one request each.
    expect(second.loads).toHaveLength(steps - 1);
    expect(second.loads.flat()).toEqual(
      Array.from({ length: MIN_KEY_GROUPS - GROUPS_PER_LOAD }, (_, i) => i + GROUPS_PER_LOAD),
    );

    // One click past the hour closes every window: the counts are those of both runs' input.
    await append([{ user: 'u0', ts: HOUR + 1 }]);
    await readAll(second.reports, 1);
    expect(second.reports.at(-1)).toMatchObject({ status: 'running', recovery: null });
    await expect
      .poll(async () => (await store.query('per-user', { from: 0, to: HOUR })).length, { timeout: 30_000 })
      .toBe(USERS);
    const counts = new Map<string, number>();
    for (let i = 0; i < EVENTS; i++) counts.set(click(i).user, (counts.get(click(i).user) ?? 0) + 1);
    const stored = await store.query('per-user', { from: 0, to: HOUR });
    expect(new Map(stored.map((p) => [p.key, p.values.clicks]))).toEqual(counts);
    await second.task.stop();
  });

  it('stops cleanly when told to during its start, and the next run has all of its state', async () => {
    // As when a partition moves on while its task is still opening: the stop waits for the start.
    const early = begin();
    const started = early.task.start();
    await Promise.all([started, early.task.stop()]);
    expect(early.reports.at(-1)?.status).toBe('stopped');

    // Told to stop while restoring, after it made the first part of its state.
    let stopping: Promise<void> | undefined;
    const late = begin(() => {
      stopping ??= late.task.stop();
    });
    await late.task.start();
    await stopping;
    expect(late.reports.map((r) => r.status)).toContain('restoring');
    expect(late.reports.at(-1)?.status).toBe('stopped');

    // Both stopped runs checkpointed what they had restored: nothing of the first run is lost.
    const next = await start();
    await append([{ user: 'u0', ts: 2 * HOUR + 1 }]);
    await readAll(next.reports, 1);
    await expect
      .poll(
        async () =>
          (await store.query('per-user', { from: HOUR, to: 2 * HOUR })).map((p) => [p.key, p.values.clicks]),
        {
          timeout: 30_000,
        },
      )
      .toEqual([['u0', 1]]);
    await next.task.stop();
  });
});
