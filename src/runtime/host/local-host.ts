import type { Observation } from '../../alerts/model.js';
import type { LogAccess } from '../../connectors/log/log-access.js';
import type { PartitionOffset } from '../../connectors/source.js';
import type { SeriesPoint } from '../../contract/index.js';
import type {
  CheckpointStore,
  CheckpointWrite,
  SavedTask,
  StateGroupRow,
} from '../../store/checkpoint-store.js';
import type { SeriesStore } from '../../store/series-store.js';
import type { SeriesUpsert } from '../../store/types.js';
import type { TaskReport } from '../task/task-report.js';
import type { TaskHost } from './task-host.js';

export interface LocalHostDeps {
  readonly log: LogAccess;
  readonly store: SeriesStore;
  readonly checkpoints: CheckpointStore;
  /** Results were stored: publish them (live updates, alerting). */
  readonly stored: (series: string, points: SeriesPoint[]) => void;
  readonly observe: (observations: readonly Observation[]) => void;
  readonly report: (report: TaskReport) => void;
  /** None: a platform without Kafka pipelines. */
  readonly commitOffsets?: (group: string, positions: readonly PartitionOffset[]) => void;
}

/** The host on the main thread: the log, the store and the platform's listeners themselves. */
export class LocalHost implements TaskHost {
  readonly log: LogAccess;

  constructor(private readonly deps: LocalHostDeps) {
    this.log = deps.log;
  }

  loadCheckpoint(
    pipeline: string,
    task: string,
    groups: readonly number[],
    owner: string,
  ): Promise<SavedTask> {
    return this.deps.checkpoints.load(pipeline, task, groups, owner);
  }

  loadGroups(pipeline: string, groups: readonly number[]): Promise<StateGroupRow[]> {
    return this.deps.checkpoints.loadGroups(pipeline, groups);
  }

  writeCheckpoint(write: CheckpointWrite): Promise<void> {
    return this.deps.checkpoints.write(write);
  }

  loadLegacyCheckpoint(pipeline: string): Promise<unknown> {
    return this.deps.store.loadCheckpoint(pipeline);
  }

  async writeSeries(writes: readonly SeriesUpsert[]): Promise<void> {
    await this.deps.store.commit({ upserts: writes });
    for (const { series, results } of writes) {
      this.deps.stored(
        series,
        results.map(({ key, start, end, ...values }) => ({ key: String(key), start, end, values })),
      );
    }
  }

  observe(observations: readonly Observation[]): void {
    this.deps.observe(observations);
  }

  report(report: TaskReport): void {
    this.deps.report(report);
  }

  commitOffsets(group: string, positions: readonly PartitionOffset[]): void {
    this.deps.commitOffsets?.(group, positions);
  }
}
