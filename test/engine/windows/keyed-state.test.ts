/**
 * What a tumbling window tells incremental checkpoints: the entries `[key, start, [order,
 * accumulator]]` that changed since the last checkpoint, each once, as they are now, around
 * the edits a partition move makes (`dropKeys`, `loadEntries`) and a checkpoint that failed
 * (`returnChanges`).
 */
import { describe, expect, it } from 'vitest';
import { count, pipeline, tumbling } from '../../../src/engine/index.js';
import { compile, type Job } from '../../../src/engine/job/job.js';
import type { StateEntry } from '../../../src/engine/state/keyed-state.js';
import { MemorySink } from '../../../src/testing/index.js';

interface Click {
  user: string;
  ts: number;
}

const plan = pipeline('clicks')
  .source<Click>('clicks', { time: (c) => c.ts })
  .keyBy((c) => c.user)
  .window(tumbling(10), { name: 'per-user' })
  .aggregate({ clicks: count() })
  .sink('counts')
  .build();

/** One batch: each user clicks at the given time. */
const push = (job: Job, clicks: [user: string, ts: number][], sink = new MemorySink()): MemorySink => {
  job.push(
    'clicks',
    { values: clicks.map(([user, ts]) => ({ user, ts })), timestamps: clicks.map(([, ts]) => ts) },
    sink,
  );
  return sink;
};

/** The window's entries set since the last call. */
const changed = (job: Job): StateEntry[] => {
  const { set, deleted } = job.takeChanges().get('per-user')!;
  expect(deleted).toEqual([]);
  return set;
};

describe('a tumbling window in incremental checkpoints', () => {
  it('reports each changed key once per checkpoint, with its accumulator as it is then', () => {
    const job = compile(plan);
    push(job, [
      ['a', 1],
      ['b', 2],
    ]);
    expect(changed(job)).toEqual([
      ['a', 0, [0, 1]],
      ['b', 0, [1, 1]],
    ]);

    push(job, [
      ['a', 3],
      ['a', 4],
      ['c', 5],
    ]);
    push(job, [['a', 6]]);
    expect(changed(job)).toEqual([
      ['a', 0, [0, 4]],
      ['c', 0, [2, 1]],
    ]);
    expect(changed(job)).toEqual([]);
  });

  it('a failed checkpoint gives its entries back: the next one writes them again, once each', () => {
    const job = compile(plan);
    push(job, [['a', 1]]);
    changed(job);
    push(job, [
      ['a', 2],
      ['b', 3],
    ]);
    const failed = job.takeChanges();
    push(job, [['a', 4]]);
    job.returnChanges(failed);
    expect(changed(job)).toEqual([
      ['a', 0, [0, 3]],
      ['b', 0, [1, 1]],
    ]);
  });

  it('keys dropped with their partition leave no entry behind; the others stay changed', () => {
    const job = compile(plan);
    push(job, [
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]);
    changed(job);
    push(job, [
      ['a', 4],
      ['c', 5],
    ]);
    job.dropKeys((key) => key === 'a');
    expect(changed(job)).toEqual([['c', 0, [2, 2]]]);

    push(job, [
      ['c', 6],
      ['a', 7],
    ]);
    expect(changed(job)).toEqual([
      ['c', 0, [2, 3]],
      ['a', 0, [3, 1]],
    ]);
    // The window fires in the order keys joined it, a key that came back last.
    const sink = push(job, [['z', 20]]);
    expect(sink.values('counts')).toEqual([
      { key: 'b', start: 0, end: 10, clicks: 1 },
      { key: 'c', start: 0, end: 10, clicks: 3 },
      { key: 'a', start: 0, end: 10, clicks: 1 },
    ]);
  });

  it('an entry loaded over a key it holds replaces it in place, written again only once it changes', () => {
    const job = compile(plan);
    push(job, [
      ['a', 1],
      ['b', 2],
    ]);
    changed(job);
    push(job, [['a', 3]]);
    job.loadEntries(new Map([['per-user', [['a', 0, [7, 40]] as StateEntry]]]));
    expect(changed(job)).toEqual([]);

    push(job, [['a', 4]]);
    job.loadEntries(new Map([['per-user', [['b', 0, [8, 50]] as StateEntry]]]));
    push(job, [['b', 5]]);
    expect(changed(job)).toEqual([
      ['a', 0, [7, 41]],
      ['b', 0, [8, 51]],
    ]);
    const sink = push(job, [['z', 20]]);
    expect(sink.values('counts')).toEqual([
      { key: 'a', start: 0, end: 10, clicks: 41 },
      { key: 'b', start: 0, end: 10, clicks: 51 },
    ]);
  });
});
