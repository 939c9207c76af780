import type { Sink, SinkCommitment } from '../../connectors/sink.js';
import type { PartitionOffset, Source } from '../../connectors/source.js';
import type { CheckpointWrite } from '../../store/checkpoint-store.js';
import type { GroupedState, TakenState } from './grouped-state.js';

/** The steps of a checkpoint, in order; `onStep` hears of each as it completes. */
export const CHECKPOINT_STEPS = ['flushed', 'prepared', 'written', 'committed', 'acknowledged'] as const;
export type CheckpointStep = (typeof CHECKPOINT_STEPS)[number];

/** Where checkpoints are written: one transaction each. */
export interface CheckpointStorage {
  write(write: CheckpointWrite): Promise<void>;
}

export interface CheckpointSummary {
  readonly id: number;
  readonly at: number;
  readonly durationMs: number;
  /** Bytes of keyed state written (JSON text). */
  readonly stateBytes: number;
  /** Whether every key group was written whole (a compaction). */
  readonly full: boolean;
}

export interface CoordinatorOptions {
  readonly pipeline: string;
  readonly task: string;
  readonly sinks: readonly Sink[];
  readonly sources: readonly Source[];
  readonly state: GroupedState;
  /** The job's operator-wide state, taken at the batch boundary the task stopped at. */
  readonly meta: () => object;
  readonly storage: CheckpointStorage;
  readonly now: () => number;
  /** The id of the last checkpoint written (0 for none). */
  readonly lastId: number;
  /** Hears of each step as it completes; the crash tests stop a task here. */
  readonly onStep?: (step: CheckpointStep, id: number) => void;
}

/**
 * The one place that writes checkpoints, and the order it does it in:
 *
 * 1. **flush** the sinks: at-least-once output (log topics, the console, dead letters) is
 *    written out;
 * 2. **prepare** the sinks: transactional output is pre-committed as part of this checkpoint;
 *    what a sink needs to finish it after a crash (an open Kafka transaction's ids) is kept
 *    with the checkpoint;
 * 3. **write** the checkpoint — operator-wide state, the key groups that changed, the
 *    source positions and the sinks' commitments — in one transaction: from here on a
 *    restart resumes after it, and first finishes what the sinks prepared (`recover`);
 * 4. **commit** the sinks: what they prepared becomes final;
 * 5. **acknowledge** the sources: progress reporting (a Kafka group commit), nothing more.
 *
 * The state and positions are taken first, at the batch boundary the task stopped at; the
 * task reads nothing until the checkpoint is done. A failure before the write aborts the
 * sinks and gives the state changes back, to be written by the next checkpoint. A failure
 * after it leaves a durable checkpoint: sinks that did not commit are committed on the
 * next attempt (`commitPending`), and a restart replays from it.
 */
export class CheckpointCoordinator {
  private lastId: number;
  /** A written checkpoint whose sinks are not all committed yet. */
  private pending: { id: number; positions: PartitionOffset[]; sinks: Sink[] } | undefined;

  constructor(private readonly options: CoordinatorOptions) {
    this.lastId = options.lastId;
  }

  async checkpoint(): Promise<CheckpointSummary> {
    const { options } = this;
    await this.commitPending();
    const id = this.lastId + 1;
    const at = options.now();
    const positions = options.sources.flatMap((source) => source.positions());
    const meta = options.meta();
    const taken: TakenState = options.state.take();
    try {
      for (const sink of options.sinks) await sink.flush();
      options.onStep?.('flushed', id);
      const commitments: Record<string, SinkCommitment> = {};
      for (const sink of options.sinks) {
        const commitment = await sink.prepare({ id });
        if (commitment) commitments[sink.name] = commitment;
      }
      options.onStep?.('prepared', id);
      await options.storage.write({
        task: {
          pipeline: options.pipeline,
          task: options.task,
          id,
          at,
          meta: JSON.stringify(Object.keys(commitments).length > 0 ? { ...meta, sinks: commitments } : meta),
          positions: JSON.stringify(positions),
        },
        groups: taken.rows,
      });
    } catch (error) {
      options.state.giveBack(taken);
      await Promise.allSettled(options.sinks.map((sink) => sink.abort(id)));
      throw error;
    }
    this.lastId = id;
    options.state.committed(taken);
    this.pending = { id, positions, sinks: [...options.sinks] };
    options.onStep?.('written', id);
    await this.commitPending();
    return {
      id,
      at,
      durationMs: options.now() - at,
      stateBytes: taken.bytes,
      full: taken.full,
    };
  }

  /** Commits the sinks of a written checkpoint that did not all commit, then acknowledges it. */
  async commitPending(): Promise<void> {
    const pending = this.pending;
    if (!pending) return;
    while (pending.sinks.length > 0) {
      await pending.sinks[0].commit(pending.id);
      pending.sinks.shift();
    }
    this.options.onStep?.('committed', pending.id);
    this.pending = undefined;
    for (const source of this.options.sources) {
      const own = new Set(source.topics);
      await source.acknowledge(pending.positions.filter((p) => own.has(p.topic)));
    }
    this.options.onStep?.('acknowledged', pending.id);
  }
}
