/**
 * A checkpoint that no longer fits its pipeline is refused with what changed and the way
 * out: the earlier shape back, or `tributary reset`.
 */
import { describe, expect, it } from 'vitest';
import { compile, count, pipeline, tumbling } from '../../../src/engine/index.js';
import { TributaryError } from '../../../src/errors.js';
import { checkMeta, ownedGroups, withResetAdvice } from '../../../src/runtime/task/task-meta.js';

const perUser = (windowName: string) =>
  pipeline('clicks-per-user')
    .source<{ user: string; ts: number }>('clicks', { time: (c) => c.ts })
    .keyBy((c) => c.user)
    .window(tumbling('10s'), { name: windowName })
    .aggregate({ clicks: count() })
    .sink('out')
    .build();

const refusal = (work: () => unknown): TributaryError => {
  try {
    work();
  } catch (error) {
    if (error instanceof TributaryError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('task meta', () => {
  const job = compile(perUser('per-user')).saveMeta();
  const meta = { format: 2 as const, pipeline: 'clicks-per-user', keyGroups: 128, partitions: 2, job };
  const now = { pipeline: 'clicks-per-user', keyGroups: 128, partitions: 2, keyedByPartition: true };

  it('accepts a checkpoint of the same format and key groups', () => {
    expect(checkMeta(meta, { ...now, keyGroups: 128 })).toBe(meta);
  });

  it('refuses another key group count, naming the partition change and `tributary reset`', () => {
    const error = refusal(() => checkMeta(meta, { ...now, keyGroups: 256 }));
    expect(error.code).toBe('TRB_SNAPSHOT_MISMATCH');
    expect(error.message).toContain('128 key groups');
    expect(error.message).toContain("a source topic's partition count changed");
    expect(error.message).toContain('tributary reset --config FILE clicks-per-user');
  });

  it('refuses a partition task of a keyed pipeline whose topics have another partition count now', () => {
    // 2 and 4 partitions both make 128 key groups, but group 2 moves from partition 0 to 2.
    const error = refusal(() => checkMeta(meta, { ...now, partitions: 4 }));
    expect(error.code).toBe('TRB_SNAPSHOT_MISMATCH');
    expect(error.message).toContain('taken when its topics had 2 partitions; they have 4 now');
    expect(error.message).toContain('Restore the partition count, or start the pipeline afresh');
    expect(error.message).toContain('tributary reset --config FILE clicks-per-user');
  });

  it('accepts another partition count where keys cannot move away from their state, or when it is unknown', () => {
    // One task reading every partition, or a stateless partition task.
    expect(checkMeta(meta, { ...now, partitions: 4, keyedByPartition: false })).toBe(meta);
    // A checkpoint that did not record it proves nothing.
    const { partitions: _, ...unrecorded } = meta;
    expect(checkMeta(unrecorded, { ...now, partitions: 4 })).toBe(unrecorded);
  });

  it('refuses a format it does not read', () => {
    const error = refusal(() =>
      checkMeta({ ...meta, format: 3 as unknown as 2 }, { ...now, keyGroups: 128 }),
    );
    expect(error.message).toContain('has format 3');
    expect(error.message).toContain('tributary reset --config FILE clicks-per-user');
  });

  it("adds the way out to the engine's refusal of renamed operators, and leaves other errors alone", () => {
    const renamed = compile(perUser('by-user'));
    const error = refusal(() => renamed.loadMeta(job));
    const advised = withResetAdvice(error, 'clicks-per-user') as TributaryError;
    expect(advised.code).toBe('TRB_SNAPSHOT_MISMATCH');
    expect(advised.message).toContain(error.message);
    expect(advised.message).toContain('tributary reset --config FILE clicks-per-user');
    const other = new Error('disk full');
    expect(withResetAdvice(other, 'clicks-per-user')).toBe(other);
  });

  it('gives a partition task the key groups of its partition, and an unpartitioned task all', () => {
    expect(ownedGroups(8, 1, undefined)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const byPartition = [0, 1, 2, 3].map((p) => ownedGroups(8, 4, p));
    expect(byPartition.flat().sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });
});
