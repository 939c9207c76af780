import type { KafkaSourceSettings } from '../../connectors/kafka/connector.js';
import type { GroupMember } from '../../connectors/kafka/group-member.js';
import type { PartitionOffset } from '../../connectors/source.js';
import type { Plan } from '../../engine/plan/plan.js';
import type { Logger } from '../../observability/logger.js';
import type { PlannedTask, TaskManager } from './task-manager.js';

export interface PipelineGroupsDeps {
  readonly manager: () => TaskManager;
  /** A task's partition left this process: its progress is another process's now. */
  readonly forget: (pipeline: string, task: string) => void;
  /** A pipeline's consumer group. */
  readonly groupOf: (pipeline: string) => string;
  readonly logger?: Logger;
}

/**
 * This process's members of the consumer groups of its Kafka pipelines, one per pipeline.
 * A group shares out the partitions of the pipeline's (first) Kafka topic among the
 * processes that run it, and each process runs the tasks of the partitions it holds — the
 * task of partition p, or the pipeline's one task `all` where partition 0 is. A revoked
 * partition's task checkpoints and stops before the group hands the partition on.
 */
export class PipelineGroups {
  private readonly members = new Map<string, GroupMember>();

  constructor(private readonly deps: PipelineGroupsDeps) {}

  async join(plan: Plan, source: KafkaSourceSettings, tasks: readonly PlannedTask[]): Promise<void> {
    const { logger } = this.deps;
    const of = (partitions: readonly number[]) =>
      tasks.filter((t) => partitions.includes(t.spec.task === 'all' ? 0 : Number(t.spec.task)));
    // Loaded here, for a pipeline on Kafka: the client costs a second of start-up.
    const { GroupMember } = await import('../../connectors/kafka/group-member.js');
    const member = new GroupMember({
      cluster: source.cluster,
      group: this.deps.groupOf(plan.name),
      topic: source.topic,
      ...(logger ? { logger: logger.child({ pipeline: plan.name }) } : {}),
      assign: async (partitions) => {
        const assigned = of(partitions);
        logger?.info(
          { pipeline: plan.name, partitions, tasks: assigned.map((t) => t.spec.task) },
          'the consumer group assigned partitions here; their tasks start from their checkpoints',
        );
        await this.deps.manager().run(assigned);
      },
      revoke: async (partitions) => {
        const revoked = of(partitions);
        logger?.info(
          { pipeline: plan.name, partitions, tasks: revoked.map((t) => t.spec.task) },
          'the consumer group revoked partitions; their tasks checkpoint and stop here',
        );
        await this.deps.manager().remove(revoked.map((t) => t.spec));
        for (const t of revoked) this.deps.forget(plan.name, t.spec.task);
      },
    });
    this.members.set(this.deps.groupOf(plan.name), member);
    await member.start();
  }

  /** Whether this process is in the pipeline's group and holds none of its partitions. */
  idle(pipeline: string): boolean {
    return this.members.get(this.deps.groupOf(pipeline))?.idle ?? false;
  }

  /** Checkpointed positions for `group`'s offsets, committed by this process's member of it. */
  commit(group: string, positions: readonly PartitionOffset[]): void {
    this.members.get(group)?.commit(positions);
  }

  /** Each member stops its tasks (they checkpoint), then leaves: their partitions move on only then. */
  async close(): Promise<void> {
    await Promise.all([...this.members.values()].map((member) => member.close()));
    this.members.clear();
  }
}

/** The first `kafka` source a plan reads, if any: its consumer group shares that topic's partitions out. */
export const kafkaSourceOf = (
  plan: Plan,
  sources: Readonly<Record<string, { readonly type: string }>>,
): KafkaSourceSettings | undefined => {
  for (const node of plan.nodes) {
    if (node.kind !== 'source') continue;
    const source = sources[node.source];
    if (source?.type === 'kafka') return source as KafkaSourceSettings;
  }
  return undefined;
};
