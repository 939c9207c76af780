import type { JobMeta } from '../../engine/job/job.js';
import { partitionOfGroup } from '../../engine/state/key-groups.js';
import { TributaryError } from '../../errors.js';

/** What a task checkpoint holds besides its keyed state and positions. */
export interface TaskMeta {
  /** The snapshot format: 2 since key groups. */
  readonly format: 2;
  readonly pipeline: string;
  readonly keyGroups: number;
  readonly job: JobMeta;
}

/** The key groups a task owns: all of them, or those of its partition. */
export const ownedGroups = (
  keyGroups: number,
  partitions: number,
  partition: number | undefined,
): number[] => {
  const all = Array.from({ length: keyGroups }, (_, g) => g);
  return partition === undefined ? all : all.filter((g) => partitionOfGroup(g, partitions) === partition);
};

/** The way out when a checkpoint does not fit: rebuild the state from what the log still holds. */
const resetAdvice = (pipeline: string): string =>
  `start the pipeline afresh with \`tributary reset --config FILE ${pipeline}\` (its state is rebuilt from what the log still holds)`;

/**
 * A checkpoint the engine refused (operators added, removed or renamed) with the way out the
 * engine cannot know of; other errors as they are.
 */
export const withResetAdvice = (error: unknown, pipeline: string): unknown =>
  error instanceof TributaryError && error.code === 'TRB_SNAPSHOT_MISMATCH'
    ? new TributaryError('TRB_SNAPSHOT_MISMATCH', `${error.message} Or ${resetAdvice(pipeline)}.`, {
        cause: error,
      })
    : error;

/** The saved meta, if it fits the task as it runs now; otherwise an error that says what changed and the way out. */
export const checkMeta = (
  meta: TaskMeta,
  now: { readonly pipeline: string; readonly keyGroups: number },
): TaskMeta => {
  if (meta.format !== 2) {
    throw new TributaryError(
      'TRB_SNAPSHOT_MISMATCH',
      `the checkpoint of pipeline "${now.pipeline}" has format ${String(meta.format)}, which this Tributary does not read; ` +
        `upgrade Tributary, or ${resetAdvice(now.pipeline)}`,
    );
  }
  if (meta.keyGroups !== now.keyGroups) {
    throw new TributaryError(
      'TRB_SNAPSHOT_MISMATCH',
      `the checkpoint of pipeline "${now.pipeline}" splits its state into ${meta.keyGroups} key groups, but with the ` +
        `partitions its topics have now it needs ${now.keyGroups}: a source topic's partition count changed. ` +
        `Restore the partition count, or ${resetAdvice(now.pipeline)}`,
    );
  }
  return meta;
};
