import { TributaryError } from '../../errors.js';
import { monotonous, type WatermarkStrategy } from '../time/watermarks.js';
import type { Plan, PlanNode, PlanNodeDraft } from './plan.js';
import { Stream } from './streams.js';

/** An event time: ms since the epoch, a Date, or an ISO-8601 string. */
export type EventTime = number | Date | string;

/** Every operator takes an optional name; it must be unique in the pipeline and defaults to `kind#n`. */
export interface NodeOptions {
  name?: string;
  /** Human text of the user function (the YAML form puts the expression here). */
  describe?: string;
}

export interface SourceOptions<T> extends NodeOptions {
  /** Reads the event time from a record; default: the time the source gives (ingestion time). */
  time?: (value: T) => EventTime;
  /** Default: `monotonous()`. */
  watermark?: WatermarkStrategy;
  /** Connector settings for the runtime; the engine only carries them. */
  config?: Record<string, unknown>;
}

/**
 * Collects the nodes of one pipeline as streams are derived from each other. Streams
 * are immutable handles; the graph only grows, and `build()` freezes it into a plan.
 */
class Graph {
  readonly nodes: PlanNode[] = [];
  private readonly counts = new Map<string, number>();
  readonly ids = new Set<string>();

  constructor(readonly name: string) {}

  add(node: PlanNodeDraft, options: NodeOptions = {}): string {
    const id = options.name ?? this.autoId(node.kind);
    if (this.ids.has(id)) {
      throw new TributaryError(
        'TRB_INVALID_PLAN',
        `pipeline "${this.name}": two operators are named "${id}"; names must be unique`,
      );
    }
    this.ids.add(id);
    const full = { ...node, id } as PlanNode;
    if (options.describe) (full as { describe?: string }).describe = options.describe;
    this.nodes.push(full);
    return id;
  }

  private autoId(kind: string): string {
    let n = this.counts.get(kind) ?? 0;
    let id: string;
    do id = `${kind}#${++n}`;
    while (this.ids.has(id));
    this.counts.set(kind, n);
    return id;
  }
}

/**
 * A pipeline under construction.
 *
 * @example
 * const plan = pipeline('failed-logins')
 *   .source<Login>('logins')
 *   .filter((e) => !e.success)
 *   .keyBy((e) => e.ip)
 *   .window(tumbling('1m'), { time: (e) => e.ts, lateness: '10s' })
 *   .aggregate({ attempts: count() })
 *   .filter((r) => r.attempts > 5)
 *   .sink('brute-force')
 *   .build();
 */
export class Pipeline {
  /** @internal */
  readonly graph: Graph;

  constructor(name: string) {
    if (!name || typeof name !== 'string') {
      throw new TributaryError(
        'TRB_INVALID_PLAN',
        'pipeline: give the pipeline a name, e.g. pipeline("clicks")',
      );
    }
    this.graph = new Graph(name);
  }

  get name(): string {
    return this.graph.name;
  }

  /** A stream of the records pushed under `name`. */
  source<T>(name: string, options: SourceOptions<T> = {}): Stream<T> {
    if (this.graph.nodes.some((n) => n.kind === 'source' && n.source === name)) {
      throw new TributaryError(
        'TRB_INVALID_PLAN',
        `pipeline "${this.name}": source "${name}" is declared twice; declare it once and reuse the stream`,
      );
    }
    const watermark = options.watermark ?? monotonous();
    let id = this.graph.add(
      { kind: 'source', inputs: [], source: name, watermark, config: options.config },
      { name: options.name ?? `source:${name}` },
    );
    if (options.time) {
      id = this.graph.add({
        kind: 'eventTime',
        inputs: [{ node: id, port: 0 }],
        fn: options.time,
        watermark,
      });
    }
    return new Stream<T>(this, { node: id, port: 0 });
  }

  /** Freezes the pipeline into a plan, checking that every stream ends in a sink. */
  build(): Plan {
    const { nodes, name } = this.graph;
    if (!nodes.some((n) => n.kind === 'source')) {
      throw new TributaryError(
        'TRB_INVALID_PLAN',
        `pipeline "${name}": it has no source; start with .source(name)`,
      );
    }
    const consumed = new Set<string>();
    for (const node of nodes) for (const input of node.inputs) consumed.add(`${input.node}:${input.port}`);
    for (const node of nodes) {
      if (node.kind === 'sink') continue;
      // Every branch of a split must lead somewhere too, or its records would vanish.
      const ports = node.kind === 'branch' ? [...node.branches, 'otherwise'] : [undefined];
      ports.forEach((branch, port) => {
        if (consumed.has(`${node.id}:${port}`)) return;
        const stream = branch === undefined ? `"${node.id}"` : `branch "${branch}" of "${node.id}"`;
        throw new TributaryError(
          'TRB_INVALID_PLAN',
          `pipeline "${name}": the stream out of ${stream} goes nowhere; end it with .sink(name)`,
        );
      });
    }
    return freezePlan({ name, nodes: nodes.map((n) => ({ ...n, inputs: [...n.inputs] })) });
  }
}

/** Starts a pipeline. */
export const pipeline = (name: string): Pipeline => new Pipeline(name);

/** Freezes the plan, its nodes and their edges; user functions and their objects stay as given. */
const freezePlan = (plan: Plan): Plan => {
  for (const node of plan.nodes) {
    Object.freeze(node.inputs);
    Object.freeze(node);
  }
  Object.freeze(plan.nodes);
  return Object.freeze(plan);
};
