/**
 * The raw rate of `@platformatic/kafka`, the client Tributary reads Kafka with: its
 * Consumer's `consume()` stream from the earliest offset, with a group of its own, no
 * autocommit, and nothing done with a record but counting it. What a pipeline in Node can
 * read at best; the rest of its time is its own.
 *
 * The clock starts when `consume()` resolves, which it does once the group join has assigned
 * the partitions (`joinMs` before it); the start offsets and every fetch are on the clock.
 * `firstRecordMs` is from then to the first record: the library's default of 50 MB per
 * partition (`maxBytesPerPartition`; the Java client's is 1 MiB) decodes a first fetch of
 * most of a topic before its first record comes out, so timing from the first record would
 * leave out most of the work. Hence the fetch sizes as an option.
 *
 * In this process: its memory is the benchmark's too, so no RSS is reported.
 */
import { Consumer, type MessagesStreamModeValue } from '@platformatic/kafka';
import type { Contender } from './contender.js';
import { freshGroupId } from './groups.js';

/** With no record for this long, the topic holds fewer records than asked for. */
const IDLE_MS = 30_000;
const EARLIEST: MessagesStreamModeValue = 'earliest';

export interface FetchSizes {
  /** Bytes of one fetch response in all. */
  readonly maxBytes?: number;
  /** Bytes of one partition in a fetch response. */
  readonly maxBytesPerPartition?: number;
}

/** The contender: the consumer with `fetchSizes` over the library's defaults. */
export const clientConsume =
  (fetchSizes: FetchSizes = {}): Contender =>
  async (topic, brokers, events) => {
    const consumer = new Consumer({
      groupId: freshGroupId('client'),
      clientId: 'tributary-bench-client-consume',
      bootstrapBrokers: brokers.split(','),
      ...fetchSizes,
    });
    try {
      const created = performance.now();
      const stream = await consumer.consume({ topics: [topic], mode: EARLIEST, autocommit: false });
      const assigned = performance.now();
      let first = 0;
      let last = 0;
      let idle: NodeJS.Timeout | undefined;
      try {
        await new Promise<void>((resolve, reject) => {
          let count = 0;
          idle = setInterval(() => {
            if (performance.now() - (last || assigned) > IDLE_MS)
              reject(new Error(`${topic}: only ${count} of ${events} records read`));
          }, 1_000);
          stream.on('data', () => {
            last = performance.now();
            if (count === 0) first = last;
            if (++count === events) resolve();
          });
          stream.once('error', reject);
        });
      } finally {
        clearInterval(idle);
        await stream.close();
      }
      return {
        eventsPerSec: events / ((last - assigned) / 1000),
        details: { joinMs: assigned - created, firstRecordMs: first - assigned },
      };
    } finally {
      await consumer.close(true);
    }
  };
