import { partitionForKey } from './partitioner.js';
import type { AppendRecord } from './record-format.js';
import { badPartition } from './validate-batch.js';

/** Round-robin position of a topic; shared by its appends so consecutive batches keep rotating. */
export interface RoundRobin {
  next: number;
}

/**
 * Splits a validated batch by partition, keeping each partition's records in batch order:
 * `record.partition` when given; else Kafka's key hash when the record has a key; else the
 * next partition round-robin, one record at a time. Returns one array per partition, empty
 * for the partitions the batch does not touch.
 */
export const placeRecords = (
  records: readonly AppendRecord[],
  partitions: number,
  topic: string,
  roundRobin: RoundRobin,
): AppendRecord[][] => {
  const parts: AppendRecord[][] = Array.from({ length: partitions }, () => []);
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    let partition: number;
    if (record.partition !== undefined) {
      partition = record.partition;
      // Checked again: a topic created while this batch waited may have fewer partitions than configured.
      if (partition >= partitions) throw badPartition(i, partition, topic, partitions);
    } else if (record.key !== undefined) {
      partition = partitionForKey(record.key, partitions);
    } else {
      partition = roundRobin.next++ % partitions;
    }
    parts[partition].push(record);
  }
  return parts;
};
