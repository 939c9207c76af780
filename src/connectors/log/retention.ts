/**
 * How long each partition of a topic keeps its records. Both limits apply; leave one out to
 * not limit by it. Only whole closed segments are deleted, oldest first, so `startOffset`
 * moves forward and offsets stay dense; the active segment is never deleted, so a partition
 * can exceed `maxBytes` by up to one segment.
 */
export interface RetentionPolicy {
  /**
   * Delete the oldest closed segments while the partition is larger than this many bytes.
   * Per partition, like Kafka's `retention.bytes`: a topic of N partitions keeps up to N times this.
   */
  readonly maxBytes?: number;
  /** Delete a closed segment once its newest record's timestamp is older than this. */
  readonly maxAgeMs?: number;
}

/** What retention needs to know about a closed segment. */
export interface SegmentStats {
  readonly bytes: number;
  /** The newest record timestamp in the segment (-Infinity when it has none). */
  readonly maxTimestamp: number;
}

/**
 * How many of the oldest closed segments the policy deletes. `closed` is oldest first;
 * `activeBytes` counts toward the size but is never deleted. It stops at the first segment
 * that both limits keep, so a segment with a future timestamp shields younger ones from age
 * (not from size): deleting past it would leave a hole in the offsets.
 */
export const expiredSegmentCount = (
  closed: readonly SegmentStats[],
  activeBytes: number,
  policy: RetentionPolicy,
  now: number,
): number => {
  let total = activeBytes;
  for (const segment of closed) total += segment.bytes;
  const maxBytes = policy.maxBytes ?? Number.POSITIVE_INFINITY;
  const oldestKept = now - (policy.maxAgeMs ?? Number.POSITIVE_INFINITY);
  let count = 0;
  for (const segment of closed) {
    const tooBig = total > maxBytes;
    const tooOld = segment.maxTimestamp < oldestKept;
    if (!tooBig && !tooOld) break;
    total -= segment.bytes;
    count++;
  }
  return count;
};
