import type { Handlers } from '../../threads/rpc.js';
import type { TaskHost } from '../host/task-host.js';

/**
 * The main thread's side of `RemoteHost`: each call served by the main thread's host. Reads
 * are not among them: a worker asks where records are (`log.locate`) and reads the files.
 */
export const hostHandlers = (host: TaskHost): Handlers => ({
  'log.partitions': (topic: string) => host.log.partitions(topic),
  'log.locate': (topic: string, partition: number, offset: number) =>
    host.log.locate(topic, partition, offset),
  'log.waitForData': (positions, timeoutMs) => host.log.waitForData(positions, timeoutMs),
  'log.append': (topic, records) => host.log.append(topic, records),
  'checkpoint.load': (pipeline, task, groups, owner) => host.loadCheckpoint(pipeline, task, groups, owner),
  'checkpoint.loadGroups': (pipeline, groups) => host.loadGroups(pipeline, groups),
  'checkpoint.write': (write) => host.writeCheckpoint(write),
  'checkpoint.loadLegacy': (pipeline) => host.loadLegacyCheckpoint(pipeline),
  'series.write': (writes) => host.writeSeries(writes),
  observe: (observations) => host.observe(observations),
  report: (report) => host.report(report),
  'offsets.commit': (group, positions) => host.commitOffsets(group, positions),
});
