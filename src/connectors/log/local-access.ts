import { sleep } from '../../abortable.js';
import type { PartitionOffset } from '../source.js';
import type { EmbeddedLog } from './embedded-log.js';
import { type LogAccess, READ_MAX_BYTES } from './log-access.js';
import { readLocated } from './partition-span.js';

/**
 * The embedded log as its own process's sources and sinks use it (`LogAccess`), and as the
 * main thread serves it to worker threads. `partitionsFor` gives the partition count a
 * topic gets when a pipeline reads it before anything was appended.
 */
export const localLogAccess = (log: EmbeddedLog, partitionsFor: (topic: string) => number): LogAccess => ({
  async partitions(topic) {
    const count = log.partitions(topic);
    if (count > 0) return count;
    return (await log.createTopic(topic, { partitions: partitionsFor(topic) })).partitions;
  },
  // On the thread that owns the log, files are read on the pool and nothing is kept between
  // reads: the thread serves HTTP and the workers, and a read must not hold it.
  openReader: () => ({
    read: (topic, partition, offset, maxRecords) =>
      readLocated(() => log.locate(topic, partition, offset), { maxRecords, maxBytes: READ_MAX_BYTES }),
    forget() {},
    close() {},
  }),
  locate: async (topic, partition, offset) => log.locate(topic, partition, offset),
  async waitForData(positions, timeoutMs) {
    const done = new AbortController();
    const waits = positions.map((p) =>
      log.waitForData(p.topic, p.partition, p.offset, done.signal).catch(() => undefined),
    );
    await Promise.race([...waits, sleep(timeoutMs, done.signal)]);
    done.abort(); // release the waits that did not win
    return positions.map(
      ({ topic, partition }): PartitionOffset => ({
        topic,
        partition,
        offset: log.endOffset(topic, partition),
      }),
    );
  },
  append: (topic, records) => log.append(topic, records),
});
