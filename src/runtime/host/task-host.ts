import type { Observation } from '../../alerts/model.js';
import type { LogAccess } from '../../connectors/log/log-access.js';
import type { PartitionOffset } from '../../connectors/source.js';
import type { CheckpointWrite, SavedTask, StateGroupRow } from '../../store/checkpoint-store.js';
import type { SeriesUpsert } from '../../store/types.js';
import type { TaskReport } from '../task/task-report.js';

/**
 * What a pipeline task needs from the process that hosts it. The same calls whether the
 * task runs on the main thread or on a worker thread, where each becomes a message to the
 * main thread, which owns the embedded log, the store, live updates and alerting.
 */
export interface TaskHost {
  readonly log: LogAccess;
  /**
   * The task's last checkpoint, the state rows of the key groups it owns, and which tasks of
   * the pipeline have checkpoints; the task claimed for the run `owner` first (`CheckpointStore.load`).
   */
  loadCheckpoint(
    pipeline: string,
    task: string,
    groups: readonly number[],
    owner: string,
  ): Promise<SavedTask>;
  /** The state rows of more of the task's key groups: a restore loads them a part at a time. */
  loadGroups(pipeline: string, groups: readonly number[]): Promise<StateGroupRow[]>;
  writeCheckpoint(write: CheckpointWrite): Promise<void>;
  /** A pipeline's checkpoint of the format before key groups (one whole document), if it has one. */
  loadLegacyCheckpoint(pipeline: string): Promise<unknown>;
  /** Results into store series; once stored, the host publishes them live and to alerting. */
  writeSeries(writes: readonly SeriesUpsert[]): Promise<void>;
  /** Observations for the alert engine (what pattern rules emit). */
  observe(observations: readonly Observation[]): void;
  /** The task's progress, about once a second: counters, watermark, lag, checkpoints. */
  report(report: TaskReport): void;
  /**
   * Checkpointed positions of Kafka partitions, for the consumer group `group` to show as its
   * offsets (lag in Kafka's tools): the process's member of the group commits them.
   */
  commitOffsets(group: string, positions: readonly PartitionOffset[]): void;
}
