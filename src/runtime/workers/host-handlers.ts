import type { LogRead } from '../../connectors/log/log-access.js';
import { type Handlers, Transfer } from '../../threads/rpc.js';
import type { TaskHost } from '../host/task-host.js';

/**
 * The main thread's side of `RemoteHost`: each call served by the main thread's host. A
 * read's frames move to the worker rather than being copied; they are a buffer of its own
 * (never a slice of Node's shared pool), so moving it detaches nothing else.
 */
export const hostHandlers = (host: TaskHost): Handlers => ({
  'log.partitions': (topic: string) => host.log.partitions(topic),
  'log.read': async (topic: string, partition: number, offset: number, maxRecords: number) => {
    const read: LogRead = await host.log.read(topic, partition, offset, maxRecords);
    return new Transfer(read, [read.frames.buffer as ArrayBuffer]);
  },
  'log.waitForData': (positions, timeoutMs) => host.log.waitForData(positions, timeoutMs),
  'log.append': (topic, records) => host.log.append(topic, records),
  'checkpoint.load': (pipeline, task, groups) => host.loadCheckpoint(pipeline, task, groups),
  'checkpoint.write': (write) => host.writeCheckpoint(write),
  'checkpoint.loadLegacy': (pipeline) => host.loadLegacyCheckpoint(pipeline),
  'series.write': (writes) => host.writeSeries(writes),
  observe: (observations) => host.observe(observations),
  report: (report) => host.report(report),
});
