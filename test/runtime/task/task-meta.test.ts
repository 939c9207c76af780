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
  const meta = { format: 2 as const, pipeline: 'clicks-per-user', keyGroups: 128, job };

  it('accepts a checkpoint of the same format and key groups', () => {
    expect(checkMeta(meta, { pipeline: 'clicks-per-user', keyGroups: 128 })).toBe(meta);
  });

  it('refuses another key group count, naming the partition change and `tributary reset`', () => {
    const error = refusal(() => checkMeta(meta, { pipeline: 'clicks-per-user', keyGroups: 256 }));
    expect(error.code).toBe('TRB_SNAPSHOT_MISMATCH');
    expect(error.message).toContain('128 key groups');
    expect(error.message).toContain("a source topic's partition count changed");
    expect(error.message).toContain('tributary reset --config FILE clicks-per-user');
  });

  it('refuses a format it does not read', () => {
    const error = refusal(() =>
      checkMeta({ ...meta, format: 3 as unknown as 2 }, { pipeline: 'clicks-per-user', keyGroups: 128 }),
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
