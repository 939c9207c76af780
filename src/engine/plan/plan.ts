import type { NamedAggregation } from '../aggregators/composite.js';
import type { Key } from '../batch.js';
import type { KeyedProcessFunction } from '../operators/process.js';
import type { WatermarkStrategy } from '../time/watermarks.js';
import type { WindowAssigner } from '../windows/assigners.js';
import type { TimeDomain } from '../windows/window-result.js';

/**
 * A pipeline as plain, frozen data: nodes in creation order (which is a topological order),
 * each naming the outputs it reads. The typed builder and the YAML form both produce it;
 * the engine compiles it into operators. `describe` is the human text of a user function
 * (an expression from YAML, say) for display.
 */
export interface Plan {
  readonly name: string;
  readonly nodes: readonly PlanNode[];
}

/** An edge: output `port` of node `node` (port 0 is the main output; windows put late records on 1). */
export interface PlanInput {
  readonly node: string;
  readonly port: number;
}

interface NodeBase {
  /** Unique within the plan; dead letters, metrics and checkpoints use it. */
  readonly id: string;
  readonly inputs: readonly PlanInput[];
  readonly describe?: string;
}

type Fn<A extends unknown[] = [any], R = unknown> = (...args: A) => R;

export type PlanNode =
  | (NodeBase & {
      readonly kind: 'source';
      /** The name batches are pushed under; the runtime binds it to a connector. */
      readonly source: string;
      readonly config?: Readonly<Record<string, unknown>>;
      readonly watermark: WatermarkStrategy;
    })
  | (NodeBase & { readonly kind: 'map'; readonly fn: Fn })
  | (NodeBase & { readonly kind: 'filter'; readonly fn: Fn<[any], boolean> })
  | (NodeBase & { readonly kind: 'flatMap'; readonly fn: Fn<[any], Iterable<unknown>> })
  | (NodeBase & { readonly kind: 'validate'; readonly fn: Fn<[any], string | boolean | null | undefined> })
  | (NodeBase & { readonly kind: 'eventTime'; readonly fn: Fn; readonly watermark: WatermarkStrategy })
  | (NodeBase & {
      readonly kind: 'keyBy';
      readonly fn: Fn;
      /** The source topics are partitioned by this key already: each partition runs as its own task. */
      readonly partitioned?: true;
    })
  | (NodeBase & {
      readonly kind: 'window';
      readonly assigner: WindowAssigner;
      readonly time: TimeDomain;
      readonly lateness: number;
      readonly aggregation: NamedAggregation;
    })
  | (NodeBase & { readonly kind: 'process'; readonly fn: KeyedProcessFunction<Key, any, any, any> })
  | (NodeBase & { readonly kind: 'union' })
  | (NodeBase & {
      readonly kind: 'branch';
      readonly branches: readonly string[];
      readonly predicates: readonly Fn<[any], boolean>[];
    })
  | (NodeBase & {
      readonly kind: 'dedupe';
      readonly within: number;
      readonly time: TimeDomain;
      readonly fn?: Fn;
    })
  | (NodeBase & {
      readonly kind: 'intervalJoin';
      readonly lower: number;
      readonly upper: number;
      readonly fn: Fn<[any, any, Key]>;
    })
  | (NodeBase & {
      readonly kind: 'sink';
      /** The name outputs are delivered under; the runtime binds it to a connector. */
      readonly sink: string;
      readonly config?: Readonly<Record<string, unknown>>;
    });

export type PlanNodeKind = PlanNode['kind'];

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A node before the builder gives it an id. */
export type PlanNodeDraft = DistributiveOmit<PlanNode, 'id'>;

/** A node before the builder gives it an id and wires its inputs. */
export type PlanNodeSpec = DistributiveOmit<PlanNode, 'id' | 'inputs'>;
