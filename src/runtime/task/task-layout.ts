import { TributaryError } from '../../errors.js';
import type { SavedTask } from '../../store/checkpoint-store.js';
import { describePartitions, resetAdvice } from './task-meta.js';
import { taskPartition } from './task-spec.js';

/**
 * A pipeline keeps its positions and state per task — one task `all` that reads every
 * partition, or one task per partition — and each task restores only its own checkpoint.
 * So when the tasks are laid out otherwise than when the pipeline checkpointed (its key_by
 * gained or lost `partitioned: true`, a source topic's partition count changed), a task
 * with no checkpoint of its own would read its partitions from the start with no state,
 * while the other layout's state rows stay behind: its first rows collide with theirs, or
 * theirs are applied over its state at the next restore. These checks refuse that start.
 */

/** Where a task stands now: which task of its pipeline, and how many partitions its topics have. */
export interface TaskPlace {
  readonly pipeline: string;
  /** `all`, or a partition number as text. */
  readonly task: string;
  readonly partitions: number;
}

/**
 * Refuses a start whose checkpoints were taken by tasks laid out otherwise than now, or that
 * would start afresh over state rows it finds; returns quietly when the task can restore
 * its own checkpoint or start afresh (a task of the same layout that has not checkpointed yet).
 */
export const checkLayout = (now: TaskPlace, saved: SavedTask): void => {
  const partition = taskPartition(now);
  const others = saved.tasks.filter((task) => task !== now.task);
  const fail = (problem: string, wayBack: string): never => {
    throw new TributaryError(
      'TRB_SNAPSHOT_MISMATCH',
      `pipeline "${now.pipeline}" ${problem}. ${wayBack}, or ${resetAdvice(now.pipeline)}`,
    );
  };
  if (partition === undefined) {
    const partitionTasks = others.filter((task) => task !== 'all');
    if (partitionTasks.length > 0) {
      fail(
        `was checkpointed by one task per partition (${listTasks(partitionTasks)}), but runs now as one task that ` +
          'reads every partition: was `partitioned: true` taken off its key_by, or an operator added that keeps state by another key?',
        'Restore the earlier pipeline',
      );
    }
  } else {
    if (others.includes('all')) {
      fail(
        `was checkpointed by one task that read every partition, but runs now as one task per partition (${describePartitions(now.partitions)}): ` +
          'was `partitioned: true` added to its key_by, or did its topics have one partition then?',
        'Restore the earlier pipeline or partition count',
      );
    }
    const beyond = others.filter((task) => Number(task) >= now.partitions);
    if (beyond.length > 0) {
      fail(
        `was checkpointed by tasks of partitions its topics no longer have (${listTasks(beyond)}); they have ` +
          `${describePartitions(now.partitions)} now: a source topic's partition count changed`,
        'Restore the partition count',
      );
    }
  }
  // The rows of a task's key groups are written with its checkpoint, in one transaction: rows
  // without it were written by tasks that owned those groups under another partition count.
  // With no checkpoint of any task, they are state without the positions it belongs to — the
  // platform never leaves that (a reset deletes both at once), so someone changed the tables
  // or restored part of a backup. Refused rather than cleared: a task that deleted them on
  // start would destroy evidence on a path that otherwise only reads, and `tributary reset`
  // clears them in one command once a person has looked.
  if (saved.task === undefined && saved.groups.length > 0) {
    const groups = new Set(saved.groups.map((row) => row.group)).size;
    fail(
      `has state in ${groups} key group${groups === 1 ? '' : 's'} that task ${now.task} owns, but no checkpoint of task ${now.task}: ` +
        (others.length > 0
          ? `${listTasks(others)} held those keys when its topics had another partition count (they have ${describePartitions(now.partitions)} now)`
          : 'no task of it has a checkpoint, so the state has lost the positions it belongs to'),
      others.length > 0 ? 'Restore the partition count' : 'Restore the task checkpoints that belong to it',
    );
  }
};

/**
 * Refuses a checkpoint of the format before key groups for a pipeline that now runs one task
 * per partition: that format kept one document for a pipeline whose topics had one partition
 * each, so the partition count changed since, and no task of this layout can carry it over.
 */
export const refuseLegacyCheckpoint = (now: TaskPlace): never => {
  throw new TributaryError(
    'TRB_SNAPSHOT_MISMATCH',
    `pipeline "${now.pipeline}" has a checkpoint of the format before key groups, taken when its topics had one ` +
      `partition each; they have ${now.partitions} now, and it runs as one task per partition, which cannot carry it over. ` +
      `Restore the partition count, or ${resetAdvice(now.pipeline)}`,
  );
};

/** Task ids in partition order: `0, 1, 2`. */
const listTasks = (tasks: readonly string[]): string =>
  `task${tasks.length === 1 ? '' : 's'} ${[...tasks].sort((a, b) => Number(a) - Number(b)).join(', ')}`;
