import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CheckpointStore,
  type StateGroupRow,
  type TaskCheckpointRow,
} from '../../src/store/checkpoint-store.js';
import { SeriesStore } from '../../src/store/index.js';
import { databases, type RecordingBackend, type TestDatabase } from './backends.js';

const task = (id: number, overrides: Partial<TaskCheckpointRow> = {}): TaskCheckpointRow => ({
  pipeline: 'clicks',
  task: 'all',
  id,
  at: 1_700_000_000_000 + id,
  meta: JSON.stringify({ id }),
  positions: JSON.stringify([{ topic: 'clicks', partition: 0, offset: id * 10 }]),
  ...overrides,
});

const row = (group: number, seq: number, full: boolean, data: unknown = { seq }): StateGroupRow => ({
  group,
  seq,
  full,
  data: JSON.stringify(data),
});

describe.each(databases)('checkpoint store on %s', (_name, database) => {
  let db: TestDatabase;
  let backend: RecordingBackend;
  let series: SeriesStore;
  let store: CheckpointStore;

  beforeAll(async () => {
    db = database();
    backend = await db.open();
    series = await SeriesStore.open(backend, { schema: db.schema });
    store = CheckpointStore.on(series);
  });

  afterAll(async () => {
    await series?.close();
    if (backend) await db.cleanup();
  });

  it('has nothing for a task that never checkpointed', async () => {
    expect(await store.load('clicks', 'all', [0, 1, 2])).toEqual({ task: undefined, groups: [], tasks: [] });
  });

  it('keeps the latest task row and the rows of the groups asked for, each group from its full row on', async () => {
    await store.write({ task: task(1), groups: [row(0, 1, true), row(1, 1, true), row(2, 1, true)] });
    await store.write({ task: task(2), groups: [row(1, 2, false)] });
    await store.write({ task: task(3), groups: [row(1, 3, false), row(2, 2, false)] });

    const saved = await store.load('clicks', 'all', [1, 2]);
    expect(saved.task).toEqual(task(3));
    expect(saved.groups.map((r) => [r.group, r.seq, r.full])).toEqual([
      [1, 1, true],
      [1, 2, false],
      [1, 3, false],
      [2, 1, true],
      [2, 2, false],
    ]);
  });

  it('deletes the rows a full row replaces, in the same commit', async () => {
    await store.write({ task: task(4), groups: [row(1, 4, true, { compacted: true }), row(2, 3, false)] });
    const saved = await store.load('clicks', 'all', [0, 1, 2]);
    expect(saved.groups.map((r) => [r.group, r.seq, r.full])).toEqual([
      [0, 1, true],
      [1, 4, true],
      [2, 1, true],
      [2, 2, false],
      [2, 3, false],
    ]);
    expect(JSON.parse(saved.groups[1].data)).toEqual({ compacted: true });
  });

  it('writes a checkpoint whole or not at all', async () => {
    // The second row repeats a (group, seq) that exists: the statement fails, the commit rolls back.
    await expect(
      store.write({ task: task(5), groups: [row(0, 2, false), row(2, 3, false)] }),
    ).rejects.toThrow(/checkpoint 5 of "clicks"/);
    const saved = await store.load('clicks', 'all', [0]);
    expect(saved.task?.id).toBe(4);
    expect(saved.groups.map((r) => r.seq)).toEqual([1]);
  });

  it('keeps the tasks of a pipeline apart, and forgets a pipeline on reset', async () => {
    await store.write({ task: task(1, { task: '0' }), groups: [] });
    await store.write({ task: task(1, { task: '1' }), groups: [] });
    expect(await store.tasks('clicks')).toEqual(['0', '1', 'all']);
    await store.reset('clicks');
    expect(await store.tasks('clicks')).toEqual([]);
    expect((await store.load('clicks', 'all', [0, 1, 2])).groups).toEqual([]);
  });

  it("refuses the checkpoint of a run of a task after another run claimed it, and keeps the claimer's", async () => {
    const moved = (id: number) => task(id, { pipeline: 'moved', task: '3' });
    await store.load('moved', '3', [], 'first-run');
    await store.write({ task: moved(1), groups: [], owner: 'first-run' });
    // The task's partition moved: a run on another process claims it, loading checkpoint 1.
    expect((await store.load('moved', '3', [], 'second-run')).task?.id).toBe(1);
    await expect(
      store.write({ task: moved(2), groups: [row(9, 1, true)], owner: 'first-run' }),
    ).rejects.toMatchObject({
      code: 'TRB_CHECKPOINT_FENCED',
      message: expect.stringMatching(/checkpoint 2 of "moved" task 3 was not written: another run/),
    });
    await store.write({ task: moved(2), groups: [], owner: 'second-run' });
    const saved = await store.load('moved', '3', [9], 'third-run');
    expect(saved.task).toEqual(moved(2));
    expect(saved.groups).toEqual([]);
    await store.reset('moved');
    // After a reset no run holds the task: the next one to load claims it.
    await store.write({ task: moved(1), groups: [], owner: 'after-reset' });
  });

  it('tells a task which tasks of its pipeline have a checkpoint, with its own meta only', async () => {
    await store.write({ task: task(7, { pipeline: 'laid-out', task: '0' }), groups: [] });
    await store.write({ task: task(8, { pipeline: 'laid-out', task: '1' }), groups: [] });
    const own = await store.load('laid-out', '1', []);
    expect(own.tasks).toEqual(['0', '1']);
    expect(own.task).toEqual(task(8, { pipeline: 'laid-out', task: '1' }));
    // A task with no checkpoint of its own still learns of its siblings'.
    const fresh = await store.load('laid-out', '2', []);
    expect(fresh).toEqual({ task: undefined, groups: [], tasks: ['0', '1'] });
  });

  it('splits a checkpoint of many groups into several inserts, in one transaction', async () => {
    const groups = Array.from({ length: 2_500 }, (_, g) => row(g, 1, true));
    backend.sent.length = 0;
    await store.write({ task: task(1, { pipeline: 'wide' }), groups });
    const inserts = backend.sent.filter(
      (s) => s.text.includes('state_groups') && s.text.startsWith('INSERT'),
    );
    expect(inserts.length).toBe(3);
    expect(inserts.every((s) => s.inTransaction)).toBe(true);
    expect((await store.load('wide', 'all', [0, 2_499])).groups.map((r) => r.group)).toEqual([0, 2_499]);
  });
});
