import type { Batch } from '../engine/batch.js';
import type { SeriesUpsert } from '../store/types.js';

/**
 * What a sink promises after a crash and replay from the last checkpoint:
 * - `exactly-once`: every result is in the sink's destination once — committed with the
 *   checkpoint in one transaction, or written by a deterministic key so that a replay
 *   overwrites it with the same value;
 * - `at-least-once`: nothing is lost, but what was written after the last checkpoint is
 *   written again on replay.
 */
export type Guarantee = 'exactly-once' | 'at-least-once';

/**
 * The checkpoint a sink prepares for. When the checkpoint is written to the result store,
 * `store` stages writes that commit in the checkpoint's own database transaction: they are
 * stored together with the state and positions they came from, or not at all. Staged writes
 * are data, not callbacks, because the transaction may run on another thread.
 */
export interface CheckpointContext {
  /** Increases with every checkpoint of a task. */
  readonly id: number;
  readonly store?: { stage(write: SeriesUpsert): void };
}

/**
 * A pipeline's output. The coordinator drives it around every checkpoint, in this order:
 * `flush` (write what is buffered) → `prepare` (make everything written so far part of the
 * checkpoint) → the checkpoint is written → `commit` (it is durable: make the prepared output
 * final) — or `abort` when the checkpoint failed before it was written.
 *
 * `write` is called synchronously from inside the engine's push and only buffers; the task
 * awaits `flush` when `pending` grows past its bound, which is how a slow sink pauses its
 * sources.
 */
export interface Sink {
  /** The sink's name in the pipeline. */
  readonly name: string;
  readonly guarantee: Guarantee;
  /** Records buffered and not yet flushed or staged. */
  readonly pending: number;
  /** What must be ready before the first `write` (a writer schema registered); awaited once, after `recover`. */
  open?(): Promise<void>;
  write(batch: Batch<unknown>): void;
  /** Writes what is buffered where at-least-once output goes (a topic, the console). */
  flush(): Promise<void>;
  /**
   * Returns what the checkpoint must record to finish the prepared output after a crash (a
   * Kafka transaction's ids), or nothing. The checkpoint keeps it; a restart from that
   * checkpoint hands it to `recover`.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: most sinks prepare nothing and return nothing
  prepare(checkpoint: CheckpointContext): Promise<SinkCommitment | void>;
  commit(checkpoint: number): Promise<void>;
  /** The checkpoint was not written: take back what was staged for it, to be staged again. */
  abort(checkpoint: number): Promise<void>;
  /**
   * The task restarts from a checkpoint whose `prepare` returned `commitment`: make that
   * output final (it may be already), before anything new is written.
   */
  recover?(commitment: SinkCommitment): Promise<void>;
  close(): Promise<void>;
}

/** What a sink asks a checkpoint to keep for it: plain JSON. */
export type SinkCommitment = Readonly<Record<string, unknown>>;
