import type { PartitionOffset } from '../../connectors/source.js';
import type { Job } from '../../engine/job/job.js';
import { type JobSnapshotV1, upgradeSnapshot } from '../../engine/job/snapshot-upgrade.js';
import type { Plan } from '../../engine/plan/plan.js';
import type { EventTimeMeta } from '../../engine/time/event-time.js';

/** What a pipeline's checkpoint held before key groups: one document in the store's `checkpoints` table. */
export interface LegacyCheckpoint {
  readonly job: JobSnapshotV1;
  /** The next offset per topic: each topic had one partition. */
  readonly offsets: Readonly<Record<string, number>>;
  readonly at: number;
}

/**
 * Restores a checkpoint of the format before key groups into a fresh job and returns the
 * positions to resume from. The earlier runtime read each topic as one split named after
 * its source; that is partition 0 of the topic now, so the splits are renamed to match.
 */
export const carryOver = (job: Job, plan: Plan, legacy: LegacyCheckpoint): PartitionOffset[] => {
  const snapshot = upgradeSnapshot(legacy.job, plan);
  const sources = new Set(plan.nodes.flatMap((n) => (n.kind === 'source' ? [n.source] : [])));
  for (const node of plan.nodes) {
    const saved = snapshot.nodes[node.id];
    if ((node.kind !== 'source' && node.kind !== 'eventTime') || saved?.meta === undefined) continue;
    const meta = saved.meta as EventTimeMeta;
    saved.meta = {
      ...meta,
      splits: meta.splits.map(([split, ...rest]) => [sources.has(split) ? `${split}/0` : split, ...rest]),
    } satisfies EventTimeMeta;
  }
  job.restore(snapshot);
  return Object.entries(legacy.offsets).map(([topic, offset]) => ({ topic, partition: 0, offset }));
};
