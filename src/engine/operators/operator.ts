import type { ErrorInfo } from '../../errors.js';
import type { Batch, Key, Position } from '../batch.js';
import type { KeyedStateAccess } from '../state/keyed-state.js';
import type { Clock } from '../time/clock.js';

/**
 * A compiled operator: pure logic over batches, no I/O. Only `process` is required; the
 * hooks default to doing nothing. Operators emit through their context rather than by
 * returning, so that one call can produce results, late records and dead letters.
 */
export interface Operator {
  /**
   * Whether `process` handles retractions (`Batch.retractions`). Without it the executor
   * dead-letters them before they arrive: an operator that keeps state (windows, joins,
   * process functions, dedupe) cannot take back a record it has folded in.
   */
  readonly takesRetractions?: boolean;
  /** Handles one batch that arrived on input `input` (0 unless the operator joins streams). */
  process(batch: Batch<any>, input: number, ctx: OperatorContext): void;
  /** The operator's input watermark advanced to `watermark`: fire what is now complete. */
  onWatermark?(watermark: number, ctx: OperatorContext): void;
  /** Processing time advanced to `now`: fire processing-time timers. */
  onProcessingTime?(now: number, ctx: OperatorContext): void;
  /** Operator-wide state (how far windows fired, a timer sequence): small, JSON-safe, saved whole. */
  saveMeta?(): unknown;
  loadMeta?(meta: unknown): void;
  /** Per-key state, saved by key group and only where it changed. */
  readonly keyed?: KeyedStateAccess;
}

/** An operator that makes watermarks (a source, or an event-time assignment) rather than forwarding them. */
export interface WatermarkGenerator extends Operator {
  /** The watermark to announce downstream now, and whether every input split is idle. */
  currentWatermark(now: number): { watermark: number; idle: boolean };
  /** Splits to wait for from now on, whether or not they have sent anything (`Job.assign`). */
  assignSplits?(splits: readonly string[]): void;
  /** Splits to forget: they no longer hold the watermark back (`Job.revoke`). */
  revokeSplits?(splits: readonly string[]): void;
  /** The input has ended (`Job.endOfInput`): the watermark is +Infinity from now on. */
  endOfInput?(): void;
}

export const isWatermarkGenerator = (op: Operator): op is WatermarkGenerator =>
  typeof (op as WatermarkGenerator).currentWatermark === 'function';

export interface OperatorContext {
  /** The operator's name in the plan, as dead letters and metrics report it. */
  readonly operator: string;
  readonly clock: Clock;
  /** The operator's current input watermark (the minimum over its active inputs). */
  readonly watermark: number;
  /** Sends a batch downstream on output port `port` (0 is the main output). */
  emit(batch: Batch<unknown>, port?: number): void;
  /** Sends record `index` of `batch` to the dead-letter stream with the error that rejected it. */
  deadLetter(batch: Batch<unknown>, index: number, error: unknown): void;
  /** Reports records that arrived too late; they also flow out of the operator's late port. */
  late(batch: Batch<unknown>): void;
}

/** The late output port of windows and joins. */
export const LATE_PORT = 1;

/** A record that an operator could not handle, with the reason; the pipeline went on without it. */
export interface DeadLetter {
  readonly pipeline: string;
  readonly operator: string;
  readonly error: ErrorInfo;
  /** The record's value as it reached the failing operator. */
  readonly value: unknown;
  readonly timestamp: number;
  readonly key?: Key;
  /** Where the record came from, so that the original input can be found again. */
  readonly position?: Position;
}

/** A record that arrived after its window (plus allowed lateness) had closed. */
export interface LateEvent {
  readonly pipeline: string;
  readonly operator: string;
  readonly value: unknown;
  readonly timestamp: number;
  readonly key?: Key;
  readonly position?: Position;
  /** The operator's watermark when the record arrived. */
  readonly watermark: number;
}

/** Where a running job delivers what it produces. The runtime binds these to real sinks. */
export interface JobOutput {
  sink(name: string, batch: Batch<unknown>): void;
  deadLetter(letter: DeadLetter): void;
  late(event: LateEvent): void;
}
