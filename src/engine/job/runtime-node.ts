import { describeError, TributaryError } from '../../errors.js';
import { type Batch, BatchBuilder } from '../batch.js';
import {
  type DeadLetter,
  isWatermarkGenerator,
  type JobOutput,
  LATE_PORT,
  type Operator,
  type OperatorContext,
} from '../operators/operator.js';
import type { Plan, PlanNode } from '../plan/plan.js';
import { loadTime, saveTime } from '../state/keyed-state.js';
import type { Clock } from '../time/clock.js';
import { compileNode, type PartitionScope } from './compile.js';

/** What a node needs of the job it runs in: the plan's name, and where output goes now. */
export interface NodeOwner {
  readonly plan: Plan;
  readonly output: JobOutput;
}

/** A node's operator-wide state in a checkpoint: its watermarks and what its operator keeps besides keyed state. */
export interface NodeMeta {
  watermark: number | string;
  /** Whether the node itself announced idleness downstream. */
  idle: boolean;
  inputs: (number | string)[];
  inputIdle: boolean[];
  meta?: unknown;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface Edge {
  readonly node: RuntimeNode;
  readonly input: number;
}

/**
 * A node of the running graph. It is the operator's context: emitting pushes the batch
 * into the consumers at once, depth first, so a batch crosses the whole pipeline in one
 * synchronous call.
 */
export class RuntimeNode implements OperatorContext {
  readonly op: Operator;
  /** Consumers per output port. */
  readonly outputs: Edge[][] = [];
  watermark = Number.NEGATIVE_INFINITY;
  idle = false;
  inputWatermarks: number[];
  inputIdle: boolean[];
  recordsIn = 0;
  recordsOut = 0;
  deadLetters = 0;
  lateRecords = 0;

  constructor(
    readonly plan: PlanNode,
    private readonly job: NodeOwner,
    readonly clock: Clock,
    partition?: PartitionScope,
  ) {
    this.op = compileNode(plan, {
      clock,
      deliver: (sink, batch) => job.output.sink(sink, batch),
      partition,
    });
    this.inputWatermarks = plan.inputs.map(() => Number.NEGATIVE_INFINITY);
    this.inputIdle = plan.inputs.map(() => false);
  }

  get operator(): string {
    return this.plan.id;
  }

  receive(batch: Batch<unknown>, input: number): void {
    this.recordsIn += batch.values.length;
    if (batch.retractions !== undefined && !this.op.takesRetractions) {
      this.op.process(this.withoutRetractions(batch), input, this);
    } else {
      this.op.process(batch, input, this);
    }
  }

  /** The batch with its retractions dead-lettered, for an operator that cannot take them. */
  private withoutRetractions(batch: Batch<unknown>): Batch<unknown> {
    const retractions = batch.retractions!;
    let kept: BatchBuilder<unknown> | undefined;
    for (let i = 0; i < retractions.length; i++) {
      if (!retractions[i]) {
        kept?.addFrom(batch.values[i], batch, i);
        continue;
      }
      if (!kept) {
        kept = new BatchBuilder(batch.keys !== undefined, batch.positions !== undefined);
        for (let j = 0; j < i; j++) kept.addFrom(batch.values[j], batch, j);
      }
      const what = STATEFUL_KINDS[this.plan.kind] ?? `"${this.plan.kind}"`;
      this.deadLetter(
        batch,
        i,
        new TributaryError(
          'TRB_RETRACTION_UNSUPPORTED',
          `${this.plan.id}: this record retracts a result emitted earlier (a session that merged or moved), and ${what} keeps state it cannot take a record back out of; the retraction is dead-lettered. Compute from the records before the session window, or send session results to a sink that applies retractions (a store series)`,
        ),
      );
    }
    return kept ? kept.build(batch.split) : batch;
  }

  emit(batch: Batch<unknown>, port = 0): void {
    const n = batch.values.length;
    if (n === 0) return;
    if (port === 0) this.recordsOut += n;
    const consumers = this.outputs[port];
    if (!consumers) return;
    for (let c = 0; c < consumers.length; c++) consumers[c].node.receive(batch, consumers[c].input);
  }

  deadLetter(batch: Batch<unknown>, index: number, error: unknown): void {
    this.deadLetters++;
    const letter: Mutable<DeadLetter> = {
      pipeline: this.job.plan.name,
      operator: this.plan.id,
      error: describeError(error),
      value: batch.values[index],
      timestamp: batch.timestamps[index],
    };
    if (batch.keys) letter.key = batch.keys[index];
    const position = batch.positions?.[index];
    if (position) letter.position = position;
    this.job.output.deadLetter(letter);
  }

  late(batch: Batch<unknown>): void {
    const { values, timestamps, keys, positions } = batch;
    this.lateRecords += values.length;
    for (let i = 0; i < values.length; i++) {
      this.job.output.late({
        pipeline: this.job.plan.name,
        operator: this.plan.id,
        value: values[i],
        timestamp: timestamps[i],
        key: keys?.[i],
        position: positions?.[i],
        watermark: this.watermark,
      });
    }
    this.emit(batch, LATE_PORT);
  }

  /**
   * An input announced a watermark (or went idle): advance on the minimum over active
   * inputs — over the idle ones that announced any when all are idle.
   */
  receiveWatermark(input: number, watermark: number, idle: boolean): void {
    if (watermark > this.inputWatermarks[input]) this.inputWatermarks[input] = watermark;
    this.inputIdle[input] = idle;
    if (isWatermarkGenerator(this.op)) return; // it makes its own
    let combined = Number.POSITIVE_INFINITY;
    let silent = Number.POSITIVE_INFINITY;
    let active = 0;
    for (let i = 0; i < this.inputWatermarks.length; i++) {
      const input = this.inputWatermarks[i];
      if (this.inputIdle[i]) {
        if (input > Number.NEGATIVE_INFINITY && input < silent) silent = input;
        continue;
      }
      active++;
      if (input < combined) combined = input;
    }
    // All idle: what they reached still stands (the rule of EventTimeOperator's splits).
    if (active === 0) combined = Number.isFinite(silent) ? silent : this.watermark;
    this.announce(combined, active === 0);
  }

  /** Moves this node's watermark forward (never back), fires what closed, and tells the consumers. */
  announce(watermark: number, idle: boolean): void {
    const advanced = watermark > this.watermark;
    if (!advanced && idle === this.idle) return;
    this.idle = idle;
    if (advanced) {
      this.watermark = watermark;
      this.op.onWatermark?.(watermark, this);
    }
    for (const consumers of this.outputs) {
      for (const edge of consumers) edge.node.receiveWatermark(edge.input, this.watermark, this.idle);
    }
  }

  saveMeta(): NodeMeta {
    const saved: NodeMeta = {
      watermark: saveTime(this.watermark),
      idle: this.idle,
      inputs: this.inputWatermarks.map(saveTime),
      inputIdle: [...this.inputIdle],
    };
    if (this.op.saveMeta) saved.meta = this.op.saveMeta();
    return saved;
  }

  loadMeta(saved: NodeMeta): void {
    this.watermark = loadTime(saved.watermark);
    this.idle = saved.idle;
    this.inputWatermarks = saved.inputs.map(loadTime);
    this.inputIdle = [...saved.inputIdle];
    if (saved.meta !== undefined) this.op.loadMeta?.(saved.meta);
  }
}

/** How messages name the operators that keep state. */
const STATEFUL_KINDS: Partial<Record<PlanNode['kind'], string>> = {
  window: 'a window',
  process: 'a process function',
  intervalJoin: 'an interval join',
  dedupe: 'dedupe',
};
