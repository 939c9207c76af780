import type { Key } from '../batch.js';
import { murmur2String, toPositive } from './murmur2.js';

/**
 * Keyed state is split into a fixed number of key groups per pipeline (Flink's max
 * parallelism): a key belongs to group `murmur2(key) mod groups`, the hash of Kafka's
 * default partitioner. The count is a multiple of the source's partition count, so when a
 * topic is partitioned by the same key, partition `p` holds exactly the groups `g` with
 * `g mod partitions = p`: its state moves with it, group by group, and a checkpoint
 * writes only the groups that changed.
 */

/** At least this many groups, so that incremental checkpoints stay fine-grained. */
export const MIN_KEY_GROUPS = 128;

/** The key's bytes as a record key would carry them: a number or boolean as its text. */
export const keyText = (key: Key): string => (typeof key === 'string' ? key : String(key));

export const keyGroupOf = (key: Key, groups: number): number =>
  toPositive(murmur2String(keyText(key))) % groups;

/** The group count for a pipeline reading `partitions` partitions: ≥ 128 and a multiple of them. */
export const keyGroupCount = (partitions: number): number =>
  Math.max(1, partitions) * Math.ceil(MIN_KEY_GROUPS / Math.max(1, partitions));

/** The partition whose records carry the keys of `group`. */
export const partitionOfGroup = (group: number, partitions: number): number => group % partitions;

/** Which groups a set of partitions owns, as a predicate on keys. */
export const ownedKeys = (
  partitions: ReadonlySet<number>,
  partitionCount: number,
  groups: number,
): ((key: Key) => boolean) => {
  if (partitions.size >= partitionCount) return () => true;
  return (key) => partitions.has(partitionOfGroup(keyGroupOf(key, groups), partitionCount));
};
