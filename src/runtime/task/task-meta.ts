import type { SinkCommitment } from '../../connectors/sink.js';
import type { JobMeta } from '../../engine/job/job.js';
import { partitionOfGroup } from '../../engine/state/key-groups.js';
import { TributaryError } from '../../errors.js';

/** What a task checkpoint holds besides its keyed state and positions. */
export interface TaskMeta {
  /** The snapshot format: 2 since key groups. */
  readonly format: 2;
  readonly pipeline: string;
  readonly keyGroups: number;
  /**
   * The partition count of the source topics when it was taken (the most, across them).
   * Missing in checkpoints written before it was recorded: unknown, never a refusal.
   */
  readonly partitions?: number;
  readonly job: JobMeta;
  /** By sink name: what a sink's `prepare` asked the checkpoint to keep (an open Kafka transaction). */
  readonly sinks?: Readonly<Record<string, SinkCommitment>>;
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
export const resetAdvice = (pipeline: string): string =>
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

/** The task as it runs now, which a saved meta must fit. */
export interface TaskNow {
  readonly pipeline: string;
  readonly keyGroups: number;
  readonly partitions: number;
  /**
   * Whether the task keeps the keyed state of one partition's keys (a partition task of a
   * pipeline with keyed state). Only then does a new partition count break the restore: keys
   * move to other partitions, away from their state. A task that reads every partition
   * keeps every key whatever partition it arrives on, and a stateless one keeps none.
   */
  readonly keyedByPartition: boolean;
}

/** The saved meta, if it fits the task as it runs now; otherwise an error that says what changed and the way out. */
export const checkMeta = (meta: TaskMeta, now: TaskNow): TaskMeta => {
  if (meta.format !== 2) {
    throw new TributaryError(
      'TRB_SNAPSHOT_MISMATCH',
      `the checkpoint of pipeline "${now.pipeline}" has format ${String(meta.format)}, which this Tributary does not read; ` +
        `upgrade Tributary, or ${resetAdvice(now.pipeline)}`,
    );
  }
  const then =
    meta.partitions === undefined ? '' : ` (its topics had ${describePartitions(meta.partitions)} then)`;
  if (meta.keyGroups !== now.keyGroups) {
    throw new TributaryError(
      'TRB_SNAPSHOT_MISMATCH',
      `the checkpoint of pipeline "${now.pipeline}" splits its state into ${meta.keyGroups} key groups${then}, but with the ` +
        `${describePartitions(now.partitions)} its topics have now it needs ${now.keyGroups}: a source topic's partition count changed. ` +
        `Restore the partition count, or ${resetAdvice(now.pipeline)}`,
    );
  }
  if (now.keyedByPartition && meta.partitions !== undefined && meta.partitions !== now.partitions) {
    throw new TributaryError(
      'TRB_SNAPSHOT_MISMATCH',
      `the checkpoint of pipeline "${now.pipeline}" was taken when its topics had ${describePartitions(meta.partitions)}; ` +
        `they have ${now.partitions} now, which sends keys to other partitions than the tasks that hold their state. ` +
        `Restore the partition count, or ${resetAdvice(now.pipeline)}`,
    );
  }
  return meta;
};

/** "1 partition", "4 partitions". */
export const describePartitions = (count: number): string =>
  count === 1 ? '1 partition' : `${count} partitions`;
