import type { KafkaDeadLetterSpec } from '../../connectors/kafka/dead-letter-topic.js';
import type { SinkSpec } from '../../connectors/registry.js';
import type { Plan } from '../../engine/plan/plan.js';
import type { TaskOptions, TaskSourceSpec, TaskSpec } from '../task/task-spec.js';
import type { PlanRecipe } from '../workers/plan-recipe.js';
import type { PlannedTask } from './task-manager.js';

/** Operators whose state is per key, and so must see every record of a key. */
const KEYED_STATE = new Set(['window', 'process', 'dedupe', 'intervalJoin']);

/** Whether a plan keeps state per key. */
export const keepsKeyedState = (plan: Plan): boolean => plan.nodes.some((node) => KEYED_STATE.has(node.kind));

/**
 * Whether a pipeline can run as one task per partition. Yes when it keeps no keyed state,
 * or when every key it keeps state by is the key its topics are partitioned by (each
 * key-by `partitioned`, and no dedupe by a key of its own). Otherwise one task reads every
 * partition: keys spread over partitions meet in one place.
 */
export const runsPerPartition = (plan: Plan): boolean => {
  if (!keepsKeyedState(plan)) return true;
  const keyBys = plan.nodes.filter((node) => node.kind === 'keyBy');
  const ownDedupeKey = plan.nodes.some((node) => node.kind === 'dedupe' && node.fn !== undefined);
  return keyBys.length > 0 && keyBys.every((node) => node.partitioned === true) && !ownDedupeKey;
};

export interface PipelineTasksInput {
  readonly plan: Plan;
  readonly recipe?: PlanRecipe;
  /** The partition count of each of the plan's source topics. */
  readonly partitions: number;
  readonly sources: Readonly<Record<string, TaskSourceSpec>>;
  readonly sinks: Readonly<Record<string, SinkSpec>>;
  readonly options: TaskOptions;
  readonly deadLetters?: KafkaDeadLetterSpec;
}

/** The tasks a pipeline runs as: `all`, or one per partition. */
export const planTasks = (input: PipelineTasksInput): PlannedTask[] => {
  const { plan, recipe, partitions, sources, sinks, options, deadLetters } = input;
  const ids =
    partitions > 1 && runsPerPartition(plan)
      ? Array.from({ length: partitions }, (_, p) => String(p))
      : ['all'];
  return ids.map((task) => {
    const spec: TaskSpec = {
      pipeline: plan.name,
      task,
      sources,
      sinks,
      options,
      ...(deadLetters ? { deadLetters } : {}),
    };
    return recipe ? { spec, plan, recipe } : { spec, plan };
  });
};
