import { Admin } from '@platformatic/kafka';
import type { Logger } from '../../observability/logger.js';
import type { PartitionOffset } from '../source.js';
import { clientOptions, type KafkaClusterSpec } from './cluster.js';

/**
 * A pipeline's progress told to its consumer group, so that Kafka's own tools
 * (`kafka-consumer-groups.sh --describe`) show its lag. Reporting only — the checkpoint
 * holds the positions — so it never holds a checkpoint up: one commit at a time in the
 * background, the newest positions replacing any still waiting.
 */
export class GroupOffsets {
  private admin: Admin | undefined;
  private waiting: readonly PartitionOffset[] | undefined;
  private running: Promise<void> | undefined;
  private failures = 0;

  constructor(
    private readonly cluster: KafkaClusterSpec,
    private readonly group: string,
    private readonly role: string,
    private readonly logger?: Logger,
  ) {}

  report(positions: readonly PartitionOffset[]): void {
    if (positions.length === 0) return;
    this.waiting = positions;
    this.running ??= this.drain();
  }

  async close(): Promise<void> {
    await this.running;
    await this.admin?.close().catch(() => {});
  }

  private async drain(): Promise<void> {
    while (this.waiting) {
      const positions = this.waiting;
      this.waiting = undefined;
      try {
        this.admin ??= new Admin(clientOptions(this.cluster, `${this.role}.offsets`));
        const topics = new Map<string, { partition: number; offset: bigint }[]>();
        for (const { topic, partition, offset } of positions)
          topics.set(topic, [...(topics.get(topic) ?? []), { partition, offset: BigInt(offset) }]);
        await this.admin.alterConsumerGroupOffsets({
          groupId: this.group,
          topics: [...topics].map(([name, partitionOffsets]) => ({ name, partitionOffsets })),
        });
        this.failures = 0;
      } catch (error) {
        // Once per run of failures: a broker away is reported by the fetches already.
        if (this.failures++ === 0)
          this.logger?.warn(
            { group: this.group, error: (error as Error).message },
            "could not commit offsets to the consumer group; Kafka's tools show its lag behind (the checkpoint holds the positions)",
          );
      }
    }
    this.running = undefined;
  }
}
