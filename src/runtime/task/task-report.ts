import type { DeadLetterRecord } from '../../connectors/dead-letter.js';
import type { PartitionLag } from '../../connectors/source.js';
import type { Recovery } from '../../contract/index.js';
import type { NodeStats } from '../../engine/job/job.js';
import type { LateEvent } from '../../engine/operators/operator.js';
import type { TaskSpec } from './task-spec.js';

export type TaskStatus = 'starting' | 'restoring' | 'running' | 'stopping' | 'stopped' | 'failed';

/**
 * What a task tells its host about once a second. Counters are totals since the task
 * started (the host turns their growth into rates and metrics); records come since the
 * last report, a bounded number of them (their counts stay exact).
 */
export interface TaskReport {
  readonly pipeline: string;
  readonly task: string;
  readonly status: TaskStatus;
  readonly error?: string;
  readonly recordsIn: number;
  /** Per sink. */
  readonly recordsOut: Readonly<Record<string, number>>;
  /** Per operator (`decode:<source>` for records that could not be decoded, a sink's name for those it refused). */
  readonly deadLetters: Readonly<Record<string, number>>;
  readonly lateEvents: number;
  readonly operators: readonly NodeStats[];
  /** The slowest watermark among the sinks' inputs; null before there is one. */
  readonly watermark: number | null;
  readonly lag: readonly PartitionLag[];
  readonly lastCheckpoint: {
    readonly at: number;
    readonly durationMs: number;
    readonly stateBytes: number;
  } | null;
  /** While the task restores its last checkpoint: its key groups, and how many are loaded. */
  readonly recovery: Recovery | null;
  /** Processing latency of every batch since the last report, ms. */
  readonly latencies: readonly number[];
  readonly recentDeadLetters: readonly DeadLetterRecord[];
  readonly recentLate: readonly LateEvent[];
}

/** Records a report carries at most, of each kind. */
export const MAX_RECENT_PER_REPORT = 100;

/**
 * The report of a task that could not start (its checkpoint no longer fits, say): failed,
 * with the reason, having read and written nothing. It takes the path of a task that fails
 * while running, so the pipeline's status and the API show it the same way.
 */
export const failedToStart = (
  { pipeline, task }: Pick<TaskSpec, 'pipeline' | 'task'>,
  error: string,
): TaskReport => ({
  pipeline,
  task,
  status: 'failed',
  error,
  recordsIn: 0,
  recordsOut: {},
  deadLetters: {},
  lateEvents: 0,
  operators: [],
  watermark: null,
  lag: [],
  lastCheckpoint: null,
  recovery: null,
  latencies: [],
  recentDeadLetters: [],
  recentLate: [],
});
