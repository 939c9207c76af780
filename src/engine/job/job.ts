import type { Batch, Key, Position } from '../batch.js';
import { describeError, TributaryError } from '../errors.js';
import {
  type DeadLetter,
  isWatermarkGenerator,
  type JobOutput,
  LATE_PORT,
  type Operator,
  type OperatorContext,
  type WatermarkGenerator,
} from '../operators/operator.js';
import type { Plan, PlanNode } from '../plan/plan.js';
import { loadTime, type StateChanges, type StateEntry, saveTime } from '../state/keyed-state.js';
import { type Clock, systemClock } from '../time/clock.js';
import { compileNode } from './compile.js';

/** What a source hands the engine: values, and optionally their times, positions and split. */
export interface SourceBatch<T> {
  readonly values: T[];
  /** Event (or ingestion) time per record; default: the clock's time at push. */
  readonly timestamps?: number[];
  readonly positions?: (Position | undefined)[];
  /** The partition these records came from; watermarks are tracked per split. */
  readonly split?: string;
}

/** Operator state, watermarks included, taken at a batch boundary. JSON-safe. */
export interface JobSnapshot {
  readonly version: 2;
  readonly pipeline: string;
  readonly nodes: Record<string, NodeSnapshot>;
}

/** A node's operator-wide state: its watermarks and what its operator keeps besides keyed state. */
export interface NodeMeta {
  watermark: number | string;
  /** Whether the node itself announced idleness downstream. */
  idle: boolean;
  inputs: (number | string)[];
  inputIdle: boolean[];
  meta?: unknown;
  state?: unknown;
}

interface NodeSnapshot extends NodeMeta {
  /** Its keyed state, entry by entry. */
  entries?: StateEntry[];
}

/** Operator-wide state of every node: what an incremental checkpoint writes whole. */
export interface JobMeta {
  readonly version: 2;
  readonly pipeline: string;
  readonly nodes: Record<string, NodeMeta>;
}

/** Per-node counters, for metrics and the pipeline graph. */
export interface NodeStats {
  readonly id: string;
  readonly kind: PlanNode['kind'];
  readonly recordsIn: number;
  readonly recordsOut: number;
  readonly deadLetters: number;
  readonly late: number;
  readonly watermark: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const discard: JobOutput = { sink() {}, deadLetter() {}, late() {} };

interface Edge {
  readonly node: RuntimeNode;
  readonly input: number;
}

/**
 * A node of the running graph. It is the operator's context: emitting pushes the batch
 * into the consumers at once, depth first, so a batch crosses the whole pipeline in one
 * synchronous call.
 */
class RuntimeNode implements OperatorContext {
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
    private readonly job: Job,
    readonly clock: Clock,
  ) {
    this.op = compileNode(plan, { clock, deliver: (sink, batch) => job.output.sink(sink, batch) });
    this.inputWatermarks = plan.inputs.map(() => Number.NEGATIVE_INFINITY);
    this.inputIdle = plan.inputs.map(() => false);
  }

  get operator(): string {
    return this.plan.id;
  }

  receive(batch: Batch<unknown>, input: number): void {
    this.recordsIn += batch.values.length;
    this.op.process(batch, input, this);
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

  /** An input announced a watermark (or went idle): advance on the minimum over active inputs. */
  receiveWatermark(input: number, watermark: number, idle: boolean): void {
    if (watermark > this.inputWatermarks[input]) this.inputWatermarks[input] = watermark;
    this.inputIdle[input] = idle;
    if (isWatermarkGenerator(this.op)) return; // it makes its own
    let combined = Number.POSITIVE_INFINITY;
    let active = 0;
    for (let i = 0; i < this.inputWatermarks.length; i++) {
      if (this.inputIdle[i]) continue;
      active++;
      if (this.inputWatermarks[i] < combined) combined = this.inputWatermarks[i];
    }
    this.announce(active === 0 ? this.watermark : combined, active === 0);
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
    if (this.op.snapshot) saved.state = this.op.snapshot();
    return saved;
  }

  loadMeta(saved: NodeMeta): void {
    this.watermark = loadTime(saved.watermark);
    this.idle = saved.idle;
    this.inputWatermarks = saved.inputs.map(loadTime);
    this.inputIdle = [...saved.inputIdle];
    if (saved.meta !== undefined) this.op.loadMeta?.(saved.meta);
    if (saved.state !== undefined) this.op.restore?.(saved.state);
  }
}

/**
 * A compiled pipeline: push batches in, receive results, dead letters and late records
 * through a `JobOutput`. Pure computation: the caller owns I/O, threads and time.
 *
 * Order within a push: the batch crosses the pipeline; then every watermark generator
 * (sources, event-time assignments), upstream first, announces its new watermark, which
 * fires the windows and timers it closes.
 */
export class Job {
  /** @internal */
  output: JobOutput = discard;
  private readonly nodes: RuntimeNode[];
  private readonly byId = new Map<string, RuntimeNode>();
  private readonly sources = new Map<string, RuntimeNode>();
  private readonly generators: RuntimeNode[];
  private readonly timed: RuntimeNode[];
  private readonly keyedNodes: RuntimeNode[];

  constructor(
    readonly plan: Plan,
    private readonly clock: Clock = systemClock,
  ) {
    this.nodes = plan.nodes.map((node) => new RuntimeNode(node, this, clock));
    for (const node of this.nodes) this.byId.set(node.plan.id, node);
    for (const node of this.nodes) {
      node.plan.inputs.forEach((input, index) => {
        const producer = this.byId.get(input.node);
        if (!producer) {
          throw new TributaryError(
            'TRB_INVALID_PLAN',
            `plan "${plan.name}": "${node.plan.id}" reads from unknown node "${input.node}"`,
          );
        }
        (producer.outputs[input.port] ??= []).push({ node, input: index });
      });
      if (node.plan.kind === 'source') this.sources.set(node.plan.source, node);
    }
    this.generators = this.nodes.filter((n) => isWatermarkGenerator(n.op));
    this.timed = this.nodes.filter((n) => n.op.onProcessingTime);
    this.keyedNodes = this.nodes.filter((n) => n.op.keyed);
  }

  /** Names of the sources batches can be pushed to. */
  get sourceNames(): string[] {
    return [...this.sources.keys()];
  }

  /** Runs one batch from `source` through the pipeline. */
  push(source: string, batch: SourceBatch<unknown>, output: JobOutput = discard): void {
    const node = this.sources.get(source);
    if (!node) {
      throw new TributaryError(
        'TRB_UNKNOWN_SOURCE',
        `pipeline "${this.plan.name}" has no source "${source}"; its sources are ${this.sourceNames.map((s) => `"${s}"`).join(', ')}`,
      );
    }
    this.output = output;
    try {
      const timestamps = batch.timestamps ?? new Array(batch.values.length).fill(this.clock.now());
      const split = batch.split === undefined ? source : `${source}/${batch.split}`;
      node.receive({ values: batch.values, timestamps, positions: batch.positions, split }, 0);
      this.announceWatermarks();
    } finally {
      this.output = discard;
    }
  }

  /**
   * Lets processing time act: processing-time windows and timers fire, and silent splits
   * turn idle. The runtime calls it periodically; tests call it after moving their clock.
   */
  tick(output: JobOutput = discard): void {
    this.output = output;
    try {
      const now = this.clock.now();
      for (const node of this.timed) node.op.onProcessingTime!(now, node);
      this.announceWatermarks();
    } finally {
      this.output = discard;
    }
  }

  /** The whole state: every node's meta and every keyed entry. */
  snapshot(): JobSnapshot {
    const nodes: Record<string, NodeSnapshot> = {};
    for (const node of this.nodes) {
      const saved: NodeSnapshot = node.saveMeta();
      if (node.op.keyed) saved.entries = node.op.keyed.entries();
      nodes[node.plan.id] = saved;
    }
    return { version: 2, pipeline: this.plan.name, nodes };
  }

  /** Takes back a snapshot of the same pipeline (operators matched by name) into a fresh job. */
  restore(snapshot: JobSnapshot): void {
    this.checkFits(snapshot.version, snapshot.pipeline, Object.keys(snapshot.nodes));
    for (const node of this.nodes) {
      const saved = snapshot.nodes[node.plan.id];
      node.loadMeta(saved);
      if (saved.entries) node.op.keyed?.load(saved.entries);
    }
  }

  /** Every node's operator-wide state, for an incremental checkpoint. */
  saveMeta(): JobMeta {
    const nodes: Record<string, NodeMeta> = {};
    for (const node of this.nodes) nodes[node.plan.id] = node.saveMeta();
    return { version: 2, pipeline: this.plan.name, nodes };
  }

  /** Restores operator-wide state; keyed entries follow with `loadEntries`. */
  loadMeta(meta: JobMeta): void {
    this.checkFits(meta.version, meta.pipeline, Object.keys(meta.nodes));
    for (const node of this.nodes) node.loadMeta(meta.nodes[node.plan.id]);
  }

  /** Keyed state changed since the last call, per node with keyed state. */
  takeChanges(): Map<string, StateChanges> {
    const changes = new Map<string, StateChanges>();
    for (const node of this.keyedNodes) changes.set(node.plan.id, node.op.keyed!.takeChanges());
    return changes;
  }

  /** The checkpoint holding `changes` was not written: they count as changed again. */
  returnChanges(changes: ReadonlyMap<string, StateChanges>): void {
    for (const [id, change] of changes) this.byId.get(id)?.op.keyed?.returnChanges(change);
  }

  /** Every keyed entry of the keys `include` selects, per node. */
  entries(include?: (key: Key) => boolean): Map<string, StateEntry[]> {
    const entries = new Map<string, StateEntry[]>();
    for (const node of this.keyedNodes) entries.set(node.plan.id, node.op.keyed!.entries(include));
    return entries;
  }

  /** Adds restored keyed entries, per node; after `loadMeta`. */
  loadEntries(entries: ReadonlyMap<string, readonly StateEntry[]>): void {
    for (const [id, list] of entries) {
      const keyed = this.byId.get(id)?.op.keyed;
      if (!keyed) throw this.mismatch(`keyed state for "${id}", which holds none now`);
      keyed.load(list);
    }
  }

  /** Forgets the keys `include` selects in every operator (their partition moved away). */
  dropKeys(include: (key: Key) => boolean): void {
    for (const node of this.keyedNodes) node.op.keyed!.drop(include);
  }

  private checkFits(version: number, pipeline: string, ids: readonly string[]): void {
    if (version !== 2) {
      throw new TributaryError(
        'TRB_SNAPSHOT_MISMATCH',
        `checkpoint format ${version} of "${pipeline}" is not supported (expected 2)`,
      );
    }
    const missing = this.nodes.filter((n) => !ids.includes(n.plan.id)).map((n) => n.plan.id);
    const unknown = ids.filter((id) => !this.byId.has(id));
    if (missing.length > 0 || unknown.length > 0) {
      throw this.mismatch(
        [
          missing.length ? `operators not in the checkpoint: ${missing.join(', ')}` : '',
          unknown.length ? `operators no longer in the pipeline: ${unknown.join(', ')}` : '',
        ]
          .filter(Boolean)
          .join('; '),
        pipeline,
      );
    }
  }

  private mismatch(problem: string, pipeline = this.plan.name): TributaryError {
    return new TributaryError(
      'TRB_SNAPSHOT_MISMATCH',
      `checkpoint of "${pipeline}" does not fit pipeline "${this.plan.name}": ${problem}. ` +
        'Give stateful operators stable names ({ name }) so that checkpoints survive pipeline edits.',
    );
  }

  /** Counters and watermark of every operator. */
  stats(): NodeStats[] {
    return this.nodes.map((n) => ({
      id: n.plan.id,
      kind: n.plan.kind,
      recordsIn: n.recordsIn,
      recordsOut: n.recordsOut,
      deadLetters: n.deadLetters,
      late: n.lateRecords,
      watermark: n.watermark,
    }));
  }

  private announceWatermarks(): void {
    const now = this.clock.now();
    for (const node of this.generators) {
      const { watermark, idle } = (node.op as WatermarkGenerator).currentWatermark(now);
      node.announce(watermark, idle);
    }
  }
}

/** Compiles a plan into a job with fresh state. */
export const compile = (plan: Plan, options: { clock?: Clock } = {}): Job => new Job(plan, options.clock);
