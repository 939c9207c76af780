import type { Observation } from '../../alerts/model.js';
import type { LogAccess } from '../../connectors/log/log-access.js';
import type { PartitionSpan } from '../../connectors/log/partition-span.js';
import type { AppendRecord } from '../../connectors/log/record-format.js';
import { SpanReader } from '../../connectors/log/span-reader.js';
import type { AppendResult } from '../../connectors/log/topic.js';
import type { PartitionOffset } from '../../connectors/source.js';
import type { CheckpointWrite, SavedTask, StateGroupRow } from '../../store/checkpoint-store.js';
import type { SeriesUpsert } from '../../store/types.js';
import type { RpcEndpoint } from '../../threads/rpc.js';
import type { TaskHost } from '../host/task-host.js';
import type { TaskReport } from '../task/task-report.js';

/**
 * The host as a task on a worker thread sees it: every call is a message to the main
 * thread, served there by `hostHandlers` over the main thread's own host.
 */
export class RemoteHost implements TaskHost {
  readonly log: LogAccess;

  constructor(private readonly main: RpcEndpoint) {
    this.log = {
      partitions: (topic) => main.call<number>('log.partitions', [topic]),
      // The main thread says where the records are; this thread reads and checks them.
      openReader: () =>
        new SpanReader((topic, partition, offset) => this.log.locate(topic, partition, offset)),
      locate: (topic, partition, offset) =>
        main.call<PartitionSpan>('log.locate', [topic, partition, offset]),
      waitForData: (positions, timeoutMs) =>
        main.call<PartitionOffset[]>('log.waitForData', [positions, timeoutMs]),
      append: (topic, records: readonly AppendRecord[]) =>
        main.call<AppendResult>('log.append', [topic, records]),
    };
  }

  loadCheckpoint(
    pipeline: string,
    task: string,
    groups: readonly number[],
    owner: string,
  ): Promise<SavedTask> {
    return this.main.call('checkpoint.load', [pipeline, task, groups, owner]);
  }

  loadGroups(pipeline: string, groups: readonly number[]): Promise<StateGroupRow[]> {
    return this.main.call('checkpoint.loadGroups', [pipeline, groups]);
  }

  writeCheckpoint(write: CheckpointWrite): Promise<void> {
    return this.main.call('checkpoint.write', [write]);
  }

  loadLegacyCheckpoint(pipeline: string): Promise<unknown> {
    return this.main.call('checkpoint.loadLegacy', [pipeline]);
  }

  writeSeries(writes: readonly SeriesUpsert[]): Promise<void> {
    return this.main.call('series.write', [writes]);
  }

  observe(observations: readonly Observation[]): void {
    this.main.notify('observe', [observations]);
  }

  report(report: TaskReport): void {
    this.main.notify('report', [report]);
  }

  commitOffsets(group: string, positions: readonly PartitionOffset[]): void {
    this.main.notify('offsets.commit', [group, positions]);
  }
}
