import { TributaryError } from '../../errors.js';
import type { Batch } from '../batch.js';
import { DedupeOperator } from '../operators/dedupe.js';
import { IntervalJoinOperator } from '../operators/interval-join.js';
import type { Operator } from '../operators/operator.js';
import { ProcessOperator } from '../operators/process.js';
import {
  branchOperator,
  filterOperator,
  flatMapOperator,
  keyByOperator,
  mapOperator,
  sinkOperator,
  unionOperator,
  validateOperator,
} from '../operators/stateless.js';
import type { PlanNode } from '../plan/plan.js';
import type { Clock } from '../time/clock.js';
import { EventTimeOperator } from '../time/event-time.js';
import { FixedWindowOperator } from '../windows/fixed-windows.js';
import { SessionWindowOperator } from '../windows/session-windows.js';

export interface CompileContext {
  readonly clock: Clock;
  /** Where sink nodes deliver. */
  readonly deliver: (sink: string, batch: Batch<unknown>) => void;
  /** The one partition this job reads, for `partitioned` key-bys to check their keys against. */
  readonly partition?: PartitionScope;
}

/** A job that reads partition `partition` of `partitions`, in every source topic. */
export interface PartitionScope {
  readonly partition: number;
  readonly partitions: number;
}

/** Builds the operator for one plan node. Each call returns fresh state. */
export const compileNode = (node: PlanNode, context: CompileContext): Operator => {
  switch (node.kind) {
    case 'source':
      return new EventTimeOperator(node.watermark, context.clock);
    case 'eventTime':
      return new EventTimeOperator(node.watermark, context.clock, node.fn);
    case 'map':
      return mapOperator(node.fn);
    case 'filter':
      return filterOperator(node.fn);
    case 'flatMap':
      return flatMapOperator(node.fn);
    case 'validate':
      return validateOperator(node.fn);
    case 'keyBy':
      return keyByOperator(node.fn, node.partitioned ? context.partition : undefined);
    case 'union':
      return unionOperator();
    case 'branch':
      return branchOperator(node.predicates);
    case 'window': {
      const { assigner, aggregation, lateness, time } = node;
      return assigner.kind === 'session'
        ? new SessionWindowOperator(assigner, aggregation.aggregator, lateness, time)
        : new FixedWindowOperator(assigner, aggregation.aggregator, lateness, time);
    }
    case 'process':
      return new ProcessOperator(node.fn);
    case 'dedupe':
      return new DedupeOperator(node.within, node.time, node.fn);
    case 'intervalJoin':
      return new IntervalJoinOperator(node.lower, node.upper, node.fn);
    case 'sink':
      return sinkOperator(node.sink, context.deliver);
    default: {
      const unknown: never = node;
      throw new TributaryError('TRB_INVALID_PLAN', `plan: unknown node kind "${(unknown as PlanNode).kind}"`);
    }
  }
};
