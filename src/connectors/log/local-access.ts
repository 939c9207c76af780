import { sleep } from '../../abortable.js';
import type { PartitionOffset } from '../source.js';
import type { EmbeddedLog } from './embedded-log.js';
import type { LogAccess, LogRead } from './log-access.js';

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
  async read(topic, partition, offset, maxRecords): Promise<LogRead> {
    const { frames, count, fromOffset, nextOffset } = await log.readFrames(topic, partition, offset, {
      maxRecords,
    });
    return {
      frames,
      count,
      fromOffset,
      nextOffset,
      startOffset: log.startOffset(topic, partition),
      endOffset: log.endOffset(topic, partition),
    };
  },
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
