import type { SinkCommitment } from '../../connectors/sink.js';
import type { PartitionOffset } from '../../connectors/source.js';
import type { Job } from '../../engine/job/job.js';
import type { Plan } from '../../engine/plan/plan.js';
import type { Logger } from '../../observability/logger.js';
import { keepsKeyedState } from '../assignment/plan-tasks.js';
import type { GroupedState } from '../checkpoint/grouped-state.js';
import type { TaskHost } from '../host/task-host.js';
import { carryOver, type LegacyCheckpoint } from './legacy-checkpoint.js';
import { checkLayout, refuseLegacyCheckpoint } from './task-layout.js';
import { checkMeta, type TaskMeta, withResetAdvice } from './task-meta.js';
import type { TaskReport } from './task-report.js';

export interface RestoreTarget {
  readonly host: TaskHost;
  readonly plan: Plan;
  /** The task's job, compiled and not yet run. */
  readonly job: Job;
  /** Its keyed state by group: restored here, and told to write everything next after an upgrade. */
  readonly state: GroupedState;
  readonly task: string;
  /** The partition the task reads, or undefined when it reads all of them. */
  readonly partition: number | undefined;
  readonly partitionCount: number;
  readonly keyGroups: number;
  /** The key groups the task owns: their rows are loaded. */
  readonly owned: readonly number[];
  /** This run of the task: it claims the task's checkpoints (`TaskHost.loadCheckpoint`). */
  readonly owner: string;
  /** Called as key groups of a checkpoint are loaded: how many of the `owned` so far. */
  readonly progress?: (restored: number) => void;
  readonly logger?: Logger;
}

export interface Restored {
  /** Where the task's sources resume; empty for a task that starts afresh. */
  readonly positions: PartitionOffset[];
  readonly lastCheckpoint: TaskReport['lastCheckpoint'];
  /** The id of the task's last checkpoint, 0 if it has none: the next one counts on from it. */
  readonly lastId: number;
  /** By sink name: output the last checkpoint prepared, for the sinks to finish (`Sink.recover`). */
  readonly commitments: Readonly<Record<string, SinkCommitment>>;
}

const AFRESH: Restored = { positions: [], lastCheckpoint: null, lastId: 0, commitments: {} };

/**
 * Key groups loaded per request: a restore loads and applies its state a part at a time, so
 * its progress shows (and no single answer holds a whole task's state).
 */
export const GROUPS_PER_LOAD = 16;

/**
 * A task's start from its last checkpoint: the checkpoint refused when it belongs to another
 * layout or no longer fits the pipeline (the error says what changed and the way out), a
 * checkpoint of the format before key groups carried over, or nothing (a fresh start).
 */
export const restoreTask = async (target: RestoreTarget): Promise<Restored> => {
  const { host, plan, job, state, task, partition, partitionCount, keyGroups, owned, logger } = target;
  const first = owned.slice(0, GROUPS_PER_LOAD);
  let saved = await host.loadCheckpoint(plan.name, task, first, target.owner);
  // No checkpoint of the task: any row in its groups is state without positions, refused whole.
  if (!saved.task && owned.length > first.length)
    saved = {
      ...saved,
      groups: [...saved.groups, ...(await host.loadGroups(plan.name, owned.slice(first.length)))],
    };
  const place = { pipeline: plan.name, task, partitions: partitionCount };
  checkLayout(place, saved);
  if (saved.task) {
    const meta = checkMeta(JSON.parse(saved.task.meta) as TaskMeta, {
      ...place,
      keyGroups,
      keyedByPartition: partition !== undefined && keepsKeyedState(plan),
    });
    try {
      job.loadMeta(meta.job);
      state.restore(saved.groups);
      target.progress?.(first.length);
      for (let from = first.length; from < owned.length; from += GROUPS_PER_LOAD) {
        const groups = owned.slice(from, from + GROUPS_PER_LOAD);
        state.restore(await host.loadGroups(plan.name, groups));
        target.progress?.(from + groups.length);
      }
    } catch (error) {
      throw withResetAdvice(error, plan.name);
    }
    const positions = JSON.parse(saved.task.positions) as PartitionOffset[];
    logger?.info(
      { task, positions, checkpointAt: new Date(saved.task.at).toISOString() },
      'restored from checkpoint',
    );
    return {
      positions,
      lastCheckpoint: { at: saved.task.at, durationMs: 0, stateBytes: 0 },
      lastId: saved.task.id,
      commitments: meta.sinks ?? {},
    };
  }
  if (partition === undefined) {
    const legacy = (await host.loadLegacyCheckpoint(plan.name)) as LegacyCheckpoint | undefined;
    if (legacy === undefined) return AFRESH;
    let positions: PartitionOffset[];
    try {
      positions = carryOver(job, plan, legacy);
    } catch (error) {
      throw withResetAdvice(error, plan.name);
    }
    state.writeAllNext();
    logger?.info(
      { positions },
      'restored from a checkpoint of the format before key groups; the next checkpoint rewrites it',
    );
    return {
      positions,
      lastCheckpoint: { at: legacy.at, durationMs: 0, stateBytes: 0 },
      lastId: 0,
      commitments: {},
    };
  }
  // Once a task of this layout has checkpointed, the old document is history, not a refusal.
  if (saved.tasks.length === 0 && (await host.loadLegacyCheckpoint(plan.name)) !== undefined)
    refuseLegacyCheckpoint(place);
  return AFRESH;
};
