import { murmur2String, toPositive } from '../../engine/state/murmur2.js';

/**
 * Kafka's default partitioner for keyed records, bit for bit: a key lands in the same
 * partition number here as it would in a Kafka topic with the same partition count, so a
 * pipeline keyed by partition behaves the same on either log (and its key groups, hashed
 * the same way, stay whole within a partition).
 */
export const partitionForKey = (key: string, partitions: number): number =>
  toPositive(murmur2String(key)) % partitions;
