import { TributaryError } from '../../errors.js';
import { batchOf, type Key, type Position } from '../batch.js';
import { isWatermarkGenerator, type JobOutput, type WatermarkGenerator } from '../operators/operator.js';
import type { Plan, PlanNode } from '../plan/plan.js';
import type { StateChanges, StateEntry } from '../state/keyed-state.js';
import { type Clock, systemClock } from '../time/clock.js';
import type { PartitionScope } from './compile.js';
import { type NodeMeta, RuntimeNode } from './runtime-node.js';
import { type JobSnapshotV1, upgradeSnapshot } from './snapshot-upgrade.js';

/** What a source hands the engine: values, and optionally their times, positions and split. */
export interface SourceBatch<T> {
  readonly values: T[];
  /** Event (or ingestion) time per record; default: the clock's time at push. */
  readonly timestamps?: number[];
  readonly positions?: (Position | undefined)[];
  /** The partition these records came from; watermarks are tracked per split. */
  readonly split?: string;
}

/** Every node's operator-wide state: what an incremental checkpoint writes whole. */
export interface JobMeta {
  readonly version: 2;
  readonly pipeline: string;
  readonly nodes: Record<string, NodeMeta>;
  /** Set once `endOfInput` was called: the job takes no more input. */
  readonly ended?: true;
}

/** The whole state, watermarks included, taken at a batch boundary: each node's meta and keyed entries. JSON-safe. */
export interface JobSnapshot extends JobMeta {
  readonly nodes: Record<string, NodeMeta & { entries?: StateEntry[] }>;
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

const discard: JobOutput = { sink() {}, deadLetter() {}, late() {} };

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
  private ended = false;

  constructor(
    readonly plan: Plan,
    private readonly clock: Clock = systemClock,
    partition?: PartitionScope,
  ) {
    this.nodes = plan.nodes.map((node) => new RuntimeNode(node, this, clock, partition));
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
    const node = this.source(source);
    if (this.ended) {
      throw new TributaryError(
        'TRB_INPUT_ENDED',
        `pipeline "${this.plan.name}": a batch was pushed to source "${source}" after endOfInput(), which fired every event-time window for good; push all input before ending it, or compile a new job`,
      );
    }
    this.output = output;
    try {
      const timestamps = batch.timestamps ?? new Array(batch.values.length).fill(this.clock.now());
      const split = splitId(source, batch.split);
      node.receive(batchOf(batch.values, timestamps, undefined, batch.positions, split, undefined), 0);
      this.announceWatermarks();
    } finally {
      this.output = discard;
    }
  }

  /**
   * Ends a bounded input: the watermark of every source and event-time assignment moves to
   * +Infinity (Flink's final `Watermark.MAX_WATERMARK`), so every event-time window, session
   * and event-time timer fires now, into `output`. Processing-time windows and timers do
   * not: they belong to the clock, not to the input, and fire as `tick` sees the clock pass
   * them, as before. Pushing afterwards is an error (`TRB_INPUT_ENDED`); calling it again
   * does nothing.
   *
   * @example
   * for (const batch of batches) job.push('orders', batch, output);
   * job.endOfInput(output); // the last windows close
   */
  endOfInput(output: JobOutput = discard): void {
    if (this.ended) return;
    this.ended = true;
    this.output = output;
    try {
      // Upstream first, as at every batch boundary: results of a window reach a downstream
      // event-time assignment before its own final watermark does.
      for (const node of this.generators) {
        (node.op as WatermarkGenerator).endOfInput?.();
        node.announce(Number.POSITIVE_INFINITY, false);
      }
    } finally {
      this.output = discard;
    }
  }

  /**
   * Declares the splits (partitions) of `source` that this job reads: the strings its
   * batches carry as `SourceBatch.split`. An assigned split holds the watermark back even
   * before it sends anything, until idleness marks it idle (Flink's assigned splits);
   * without `assign`, a split exists from its first batch on. Every event-time operator
   * the source's records reach with their split learns of it. Takes effect at the next
   * push or tick; checkpoints keep it.
   *
   * @example
   * job.assign('orders', ['0', '1', '2']); // the partitions this consumer was given
   */
  assign(source: string, splits: readonly string[]): void {
    const ids = splits.map((split) => splitId(source, split));
    for (const node of this.splitTrackers(source)) (node.op as WatermarkGenerator).assignSplits?.(ids);
  }

  /**
   * Forgets splits of `source` (partitions taken away from this job): they no longer hold
   * the watermark back, from the next push or tick on.
   */
  revoke(source: string, splits: readonly string[]): void {
    const ids = splits.map((split) => splitId(source, split));
    for (const node of this.splitTrackers(source)) (node.op as WatermarkGenerator).revokeSplits?.(ids);
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
    const meta = this.saveMeta();
    const nodes: JobSnapshot['nodes'] = {};
    for (const node of this.nodes) {
      const saved: JobSnapshot['nodes'][string] = meta.nodes[node.plan.id];
      if (node.op.keyed) saved.entries = node.op.keyed.entries();
      nodes[node.plan.id] = saved;
    }
    return { ...meta, nodes };
  }

  /**
   * Takes back a snapshot of the same pipeline (operators matched by name) into a fresh job.
   * A checkpoint written before keyed state was kept by key group is upgraded first.
   */
  restore(saved: JobSnapshot | JobSnapshotV1): void {
    const snapshot = upgradeSnapshot(saved, this.plan);
    this.loadMeta(snapshot);
    for (const node of this.nodes) {
      const entries = snapshot.nodes[node.plan.id].entries;
      if (entries) node.op.keyed?.load(entries);
    }
  }

  /** Every node's operator-wide state, for an incremental checkpoint. */
  saveMeta(): JobMeta {
    const nodes: Record<string, NodeMeta> = {};
    for (const node of this.nodes) nodes[node.plan.id] = node.saveMeta();
    return this.ended
      ? { version: 2, pipeline: this.plan.name, nodes, ended: true }
      : { version: 2, pipeline: this.plan.name, nodes };
  }

  /** Restores operator-wide state; keyed entries follow with `loadEntries`. */
  loadMeta(meta: JobMeta): void {
    this.checkFits(meta);
    for (const node of this.nodes) node.loadMeta(meta.nodes[node.plan.id]);
    this.ended = meta.ended === true;
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

  private checkFits({ version, pipeline, nodes }: JobMeta): void {
    if (version !== 2) {
      throw new TributaryError(
        'TRB_SNAPSHOT_MISMATCH',
        `checkpoint format ${version} of "${pipeline}" is not supported (expected 2)`,
      );
    }
    // Whole operator state in meta would be dropped without a word: `restore` upgrades it.
    const whole = Object.keys(nodes).filter((id) => 'state' in nodes[id]);
    if (whole.length > 0) {
      throw new TributaryError(
        'TRB_SNAPSHOT_MISMATCH',
        `checkpoint of "${pipeline}" holds the whole state of ${whole.join(', ')} as checkpoints before key groups did; restore it with Job.restore, which upgrades it`,
      );
    }
    const ids = Object.keys(nodes);
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
        'A checkpoint fits only a pipeline with the same operators: undo the edit, or give operators ' +
        'stable names ({ name }) so that later edits keep them (names made up for unnamed operators ' +
        'shift when steps are added or removed).',
    );
  }

  private source(name: string): RuntimeNode {
    const node = this.sources.get(name);
    if (!node) {
      throw new TributaryError(
        'TRB_UNKNOWN_SOURCE',
        `pipeline "${this.plan.name}" has no source "${name}"; its sources are ${this.sourceNames.map((s) => `"${s}"`).join(', ')}`,
      );
    }
    return node;
  }

  /**
   * The watermark generators that `source`'s records reach with their split still on the
   * batch: through operators that pass records on, not through windows, joins or process
   * functions, whose outputs are results of their own.
   */
  private splitTrackers(source: string): RuntimeNode[] {
    const found: RuntimeNode[] = [];
    const seen = new Set<RuntimeNode>();
    const visit = (node: RuntimeNode): void => {
      if (seen.has(node)) return;
      seen.add(node);
      if (isWatermarkGenerator(node.op)) found.push(node);
      const ports = SPLIT_KEEPING_PORTS[node.plan.kind] ?? node.outputs.keys();
      for (const port of ports) for (const edge of node.outputs[port] ?? []) visit(edge.node);
    };
    visit(this.source(source));
    return found;
  }

  private announceWatermarks(): void {
    const now = this.clock.now();
    for (const node of this.generators) {
      const { watermark, idle } = (node.op as WatermarkGenerator).currentWatermark(now);
      node.announce(watermark, idle);
    }
  }
}

/** The split id the engine tracks for records of `source` pushed with `split`. */
const splitId = (source: string, split: string | undefined): string =>
  split === undefined ? source : `${source}/${split}`;

/**
 * Output ports that keep the split of the incoming batch, for the kinds where not all of
 * them do: stateful operators emit results (and late records) of their own. Others pass
 * records on, on every port.
 */
const SPLIT_KEEPING_PORTS: Partial<Record<PlanNode['kind'], number[]>> = {
  window: [],
  process: [],
  intervalJoin: [],
  sink: [],
  dedupe: [0],
};

/**
 * Compiles a plan into a job with fresh state. `partition`: the one partition of its
 * source topics the job reads, which `partitioned` key-bys check keys against.
 */
export const compile = (plan: Plan, options: { clock?: Clock; partition?: PartitionScope } = {}): Job =>
  new Job(plan, options.clock, options.partition);
