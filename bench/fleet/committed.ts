/**
 * When a fleet is through a topic: the moment the pipeline's consumer group has committed,
 * for every partition, the partition's end offset. A worker commits a task's positions
 * after each checkpoint (src/connectors/kafka/group-member.ts), so this is the moment every
 * record was processed and its effects — the windows in the store, the keyed state — were
 * checkpointed: exact, whichever worker ran a partition or how often it moved, and cheap
 * (one OffsetFetch a poll). It lags the last record by at most a checkpoint interval.
 */
import type { Admin } from '@platformatic/kafka';

const POLL_MS = 25;
/**
 * Committed offsets that have not moved for this long mean a stuck fleet, not a slow one:
 * a worker commits after every checkpoint, so a working fleet moves them every interval.
 */
const STALLED_AFTER_MS = 10_000;

/** The fleet stopped moving: some partition's records are not being processed by anyone. */
export class FleetStalledError extends Error {
  readonly code = 'BENCH_FLEET_STALLED';
}

export interface CommittedWatch {
  readonly admin: Admin;
  readonly group: string;
  readonly topic: string;
  /** The end offset of each partition, in partition order: the filled topic's sizes. */
  readonly endOffsets: readonly number[];
  /** Epoch milliseconds after which the fleet is taken as hung, however it moves. */
  readonly deadline: number;
  /** Throws when the run cannot finish (a worker died). */
  readonly check: () => void;
}

/** Records of the topic the group has committed, per partition (0 for a partition it has not). */
export const committedOffsets = async (admin: Admin, group: string, topic: string): Promise<number[]> => {
  const [listed] = await admin.listConsumerGroupOffsets({ groups: [group] });
  const committed: number[] = [];
  for (const partition of listed?.topics.find((t) => t.name === topic)?.partitions ?? [])
    committed[partition.partitionIndex] = Math.max(0, Number(partition.committedOffset));
  return committed;
};

/** The records committed over all partitions, each time the sum was seen to change. */
export interface CommitSeen {
  /** Epoch milliseconds of the answer that showed it. */
  readonly at: number;
  readonly records: number;
}

/**
 * Polls until every partition's committed offset is at its end. Returns when that was seen
 * (epoch milliseconds) and every change of the committed total before it.
 */
export const whenAllCommitted = async (
  watch: CommittedWatch,
): Promise<{ doneAt: number; commits: CommitSeen[] }> => {
  const { admin, group, topic, endOffsets } = watch;
  const commits: CommitSeen[] = [];
  let movedAt = Date.now();
  for (;;) {
    watch.check();
    const committed = await committedOffsets(admin, group, topic);
    const seenAt = Date.now();
    const records = committed.reduce((sum, offset) => sum + (offset ?? 0), 0);
    if (records !== (commits.at(-1)?.records ?? 0)) {
      commits.push({ at: seenAt, records });
      movedAt = seenAt;
    }
    if (endOffsets.every((end, p) => (committed[p] ?? 0) >= end)) return { doneAt: seenAt, commits };
    const stalled = seenAt - movedAt > STALLED_AFTER_MS;
    if (stalled || seenAt > watch.deadline) {
      const behind = endOffsets.map((end, p) => end - (committed[p] ?? 0));
      throw new FleetStalledError(
        `${group}: ${stalled ? `no offset committed for ${STALLED_AFTER_MS / 1000} s` : 'not through at the deadline'}; ` +
          `records behind on ${topic}, per partition: ${behind.join(', ')}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
};
