import { randomUUID } from 'node:crypto';
import { Admin, consumerGroupHeartbeatV1, offsetCommitV9 } from '@platformatic/kafka';
import { sleep } from '../../abortable.js';
import { TributaryError } from '../../errors.js';
import type { Logger } from '../../observability/logger.js';
import type { PartitionOffset } from '../source.js';
import { clientOptions, describeCluster, type KafkaClusterSpec } from './cluster.js';
import { type CoordinatorConnection, connectCoordinator, protocolErrorIds } from './coordinator.js';

export interface GroupMemberOptions {
  readonly cluster: KafkaClusterSpec;
  readonly group: string;
  /** The topic whose partitions the group shares out among its members. */
  readonly topic: string;
  /** Takes partitions on; resolves once they run here. Never rejects. */
  readonly assign: (partitions: number[]) => Promise<void>;
  /** Gives partitions up; resolves once they are released (checkpointed and stopped). Never rejects. */
  readonly revoke: (partitions: number[]) => Promise<void>;
  /**
   * How long the group waits for this member to release partitions it asked for before it
   * fences it. Default 5 minutes (the Java consumer's `max.poll.interval.ms`).
   */
  readonly rebalanceTimeoutMs?: number;
  readonly logger?: Logger;
}

/** Errors after which the member is out of the group: it gives up everything and joins again. */
const FENCED = new Set(['FENCED_MEMBER_EPOCH', 'UNKNOWN_MEMBER_ID']);
/** The coordinator moved or is loading: find it again. */
const MOVED = new Set(['NOT_COORDINATOR', 'COORDINATOR_NOT_AVAILABLE', 'COORDINATOR_LOAD_IN_PROGRESS']);

/**
 * One process's membership of a pipeline's consumer group, with Kafka's consumer group
 * protocol (KIP-848, Kafka 4.0+): the group coordinator shares the partitions of `topic` out
 * among the members, incrementally — a partition moves only after its previous member told
 * the coordinator it released it, and the others keep running meanwhile.
 *
 * Written on the protocol's heartbeat rather than with a client's consumer because a member
 * must release a partition only once its task has checkpointed: the client's consumer
 * acknowledges a revocation at once, which would let two processes run one partition.
 *
 * The member reads nothing itself: it tells the process which partitions to run (`assign`,
 * `revoke`) and commits the group's offsets for Kafka's tools (`commit`).
 */
export class GroupMember {
  private readonly memberId = randomUUID();
  private epoch = 0;
  private topicId: string | undefined;
  /** Partitions running here, as the coordinator is told. */
  private readonly owned = new Set<number>();
  /** Partitions the coordinator wants here. */
  private target = new Set<number>();
  private reconciling: Promise<void> = Promise.resolve();
  private coordinator: CoordinatorConnection | undefined;
  private intervalMs = 1_000;
  private closing = false;
  private readonly stop = new AbortController();
  private beat: AbortController | undefined;
  /** What runs here changed since the last heartbeat told the coordinator. */
  private changed = false;
  private loop: Promise<void> | undefined;
  private readonly offsets: LatestOnly<readonly PartitionOffset[]>;

  constructor(private readonly options: GroupMemberOptions) {
    this.offsets = new LatestOnly(
      (positions) => this.commitNow(positions),
      (error) =>
        options.logger?.warn(
          { group: options.group, error: (error as Error).message },
          "could not commit offsets to the consumer group; Kafka's tools show its lag behind (the checkpoint holds the positions)",
        ),
    );
  }

  /** The partitions this member runs now. */
  get partitions(): number[] {
    return [...this.owned].sort((a, b) => a - b);
  }

  /** In the group, and given none of the topic's partitions: they all run on other members. */
  get idle(): boolean {
    return this.epoch > 0 && this.target.size === 0 && this.owned.size === 0;
  }

  /** Joins the group; assignments arrive from then on. */
  async start(): Promise<void> {
    const admin = new Admin(clientOptions(this.options.cluster, `group.${this.options.group}`));
    try {
      const metadata = await admin.metadata({ topics: [this.options.topic] });
      this.topicId = metadata.topics.get(this.options.topic)?.id;
    } finally {
      await admin.close().catch(() => {});
    }
    if (!this.topicId) {
      throw new TributaryError(
        'TRB_KAFKA_NO_TOPIC',
        `consumer group "${this.options.group}" reads Kafka topic "${this.options.topic}", which does not exist at ${describeCluster(this.options.cluster)}`,
      );
    }
    this.loop = this.run();
  }

  /** Tells the group the checkpointed positions, for lag in Kafka's tools; the newest replace any still waiting. */
  commit(positions: readonly PartitionOffset[]): void {
    if (positions.length > 0 && !this.closing) this.offsets.offer(positions);
  }

  /** Releases every partition (their tasks checkpoint and stop), then leaves the group. */
  async close(): Promise<void> {
    if (this.closing) return this.loop;
    this.closing = true;
    this.setTarget([]);
    await this.reconciling;
    this.stop.abort();
    this.beat?.abort();
    await this.loop;
    await this.offsets.drained();
    await this.leave();
    await this.coordinator?.close();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stop.signal.aborted) {
      try {
        await this.heartbeat();
        failures = 0;
      } catch (error) {
        if (this.stop.signal.aborted) return;
        const codes = protocolErrorIds(error);
        if (codes.some((code) => FENCED.has(code))) {
          await this.rejoin(codes);
          continue;
        }
        if (codes.length === 0 || codes.some((code) => MOVED.has(code))) {
          await this.coordinator?.close();
          this.coordinator = undefined;
        }
        if (failures++ % 10 === 0) {
          this.options.logger?.warn(
            { group: this.options.group, failures, error: (error as Error).message, codes },
            'the consumer group heartbeat failed; retrying (the partitions running here go on)',
          );
        }
        await sleep(Math.min(5_000, 250 * 2 ** Math.min(failures, 5)), this.stop.signal);
        continue;
      }
      await this.nextBeat();
    }
  }

  private async heartbeat(): Promise<void> {
    this.coordinator ??= await connectCoordinator(
      this.options.cluster,
      `group.${this.options.group}`,
      'group',
      this.options.group,
    );
    this.changed = false;
    const response = await consumerGroupHeartbeatV1.api.async(
      this.coordinator.connection,
      this.options.group,
      this.memberId,
      this.epoch,
      null,
      null,
      this.options.rebalanceTimeoutMs ?? 300_000,
      [this.options.topic],
      null,
      null,
      // Empty, not a topic with no partitions, when joining: the coordinator refuses that.
      this.owned.size === 0 ? [] : [{ topicId: this.topicId!, partitions: this.partitions }],
    );
    this.epoch = response.memberEpoch;
    if (response.heartbeatIntervalMs > 0) this.intervalMs = response.heartbeatIntervalMs;
    if (response.assignment && !this.closing) {
      const mine = response.assignment.topicPartitions.find((tp) => tp.topicId === this.topicId);
      this.setTarget(mine?.partitions ?? []);
    }
  }

  /** Out of the group (a missed session, a stale epoch): everything here stops, then it joins afresh. */
  private async rejoin(codes: string[]): Promise<void> {
    this.options.logger?.warn(
      { group: this.options.group, codes, partitions: this.partitions },
      'the consumer group fenced this member (its session lapsed); its partitions stop here and it joins again',
    );
    this.setTarget([]);
    await this.reconciling;
    this.epoch = 0;
  }

  /** Runs what the coordinator wants: releases first, then takes on, one change at a time. */
  private setTarget(partitions: readonly number[]): void {
    this.target = new Set(partitions);
    this.reconciling = this.reconciling.then(() => this.reconcile());
  }

  private async reconcile(): Promise<void> {
    const released = [...this.owned].filter((p) => !this.target.has(p)).sort((a, b) => a - b);
    if (released.length > 0) {
      await this.options.revoke(released);
      for (const p of released) this.owned.delete(p);
      this.beatNow(); // tell the coordinator now: another member waits for them
    }
    const taken = [...this.target].filter((p) => !this.owned.has(p)).sort((a, b) => a - b);
    if (taken.length > 0 && !this.closing) {
      // Owned from the moment their tasks start: starting takes seconds, and a heartbeat
      // meanwhile that left them out would tell the coordinator they are free, so that it
      // gave them to a member joining then while they still start here.
      for (const p of taken) this.owned.add(p);
      try {
        await this.options.assign(taken);
      } catch (error) {
        for (const p of taken) this.owned.delete(p);
        throw error;
      }
      this.beatNow();
    }
  }

  private beatNow(): void {
    this.changed = true;
    this.beat?.abort();
  }

  /** Waits a heartbeat interval, or less when a reconciliation changed what runs here. */
  private async nextBeat(): Promise<void> {
    if (this.changed) return;
    this.beat = new AbortController();
    await sleep(this.intervalMs, AbortSignal.any([this.beat.signal, this.stop.signal]));
  }

  private async leave(): Promise<void> {
    if (!this.coordinator || this.epoch <= 0) return;
    await consumerGroupHeartbeatV1.api
      .async(
        this.coordinator.connection,
        this.options.group,
        this.memberId,
        -1,
        null,
        null,
        0,
        [],
        null,
        null,
        [],
      )
      .catch(() => {});
  }

  private async commitNow(positions: readonly PartitionOffset[]): Promise<void> {
    if (!this.coordinator || this.epoch <= 0) return;
    const topics = new Map<
      string,
      { partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number }[]
    >();
    for (const { topic, partition, offset } of positions) {
      const list = topics.get(topic) ?? [];
      list.push({ partitionIndex: partition, committedOffset: BigInt(offset), committedLeaderEpoch: -1 });
      topics.set(topic, list);
    }
    await offsetCommitV9.api.async(
      this.coordinator.connection,
      this.options.group,
      this.epoch,
      this.memberId,
      null,
      [...topics].map(([name, partitions]) => ({ name, partitions })),
    );
  }
}

/**
 * Runs `work` on the newest value offered, one at a time: a value offered while one runs
 * replaces any still waiting. A failure is reported once per run of failures.
 */
class LatestOnly<T> {
  private waiting: T | undefined;
  private running: Promise<void> | undefined;
  private failures = 0;

  constructor(
    private readonly work: (value: T) => Promise<void>,
    private readonly failed: (error: unknown) => void,
  ) {}

  offer(value: T): void {
    this.waiting = value;
    this.running ??= this.drain();
  }

  async drained(): Promise<void> {
    await this.running;
  }

  private async drain(): Promise<void> {
    while (this.waiting !== undefined) {
      const value = this.waiting;
      this.waiting = undefined;
      try {
        await this.work(value);
        this.failures = 0;
      } catch (error) {
        if (this.failures++ === 0) this.failed(error);
      }
    }
    this.running = undefined;
  }
}
