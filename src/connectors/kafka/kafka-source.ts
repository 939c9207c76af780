import { type ClusterMetadata, Consumer, FetchIsolationLevels, protocolErrors } from '@platformatic/kafka';
import { sleep } from '../../abortable.js';
import { TributaryError } from '../../errors.js';
import type { Logger } from '../../observability/logger.js';
import {
  type PartitionLag,
  type PartitionOffset,
  type PartitionStart,
  partitionId,
  type RecordBatch,
  type Source,
  setPaused,
  splitBatch,
  type TopicPartition,
} from '../source.js';
import { clientOptions, describeCluster, type KafkaClusterSpec } from './cluster.js';
import { recordColumns } from './fetch-columns.js';
import { fetchPartitions } from './fetch-request.js';
import { OFFSET_OUT_OF_RANGE } from './fetch-response.js';

/** How a pipeline task reads one Kafka topic: plain data, it crosses to worker threads. */
export interface KafkaSourceSpec {
  readonly cluster: KafkaClusterSpec;
  readonly topic: string;
  /** The consumer group whose committed offsets report the pipeline's progress to Kafka's tools. */
  readonly group: string;
  /** Where a partition without a checkpointed position starts. */
  readonly start: 'earliest' | 'latest';
}

export interface KafkaSourceOptions {
  /** Who is asking, in the client id the broker sees (`<pipeline>.<task>`); default the source's name. */
  readonly role?: string;
  /** Hears of checkpointed positions: the process's member of the group commits them (`GroupMember.commit`). */
  readonly acknowledged?: (positions: readonly PartitionOffset[]) => void;
  readonly logger?: Logger;
}

/** Fetch sizes as Kafka's own consumer defaults them (`max.partition.fetch.bytes`, `fetch.max.bytes`). */
const PARTITION_MAX_BYTES = 1024 * 1024;
const FETCH_MAX_BYTES = 50 * 1024 * 1024;
/** How long the broker holds a fetch open while a partition has nothing new. */
const FETCH_MAX_WAIT_MS = 500;
/** Records fetched ahead per partition before fetching pauses until the task reads them. */
export const MAX_QUEUED_RECORDS = 20_000;

interface Assigned {
  readonly topic: string;
  readonly partition: number;
  /** The next offset `read` hands out; undefined until the start offset is looked up. */
  position: number | undefined;
  /** The next offset to fetch. */
  fetchOffset: number | undefined;
  readonly queue: RecordBatch[];
  queued: number;
  paused: boolean;
  /** The last stable offset (read committed) as last fetched: where the partition ends for us. */
  end: number;
  logStart: number;
  /** Where a partition without a position starts: the source's `start`, or earliest after its position was lost. */
  startAt: 'earliest' | 'latest';
}

/**
 * A Kafka topic as a pipeline's source. Positions are the task's (its checkpoint holds
 * them); the consumer group only hears of them through `acknowledge`, for lag in Kafka's
 * own tools. Fetching runs ahead in the background — one request per partition leader,
 * read committed, so output of aborted transactions is never seen — and `read` hands out
 * what arrived, partitions in turn.
 */
export class KafkaSource implements Source {
  readonly topics: readonly string[];
  private readonly consumer: Consumer;
  private readonly assigned = new Map<string, Assigned>();
  private cursor = 0;
  private closed = false;
  private fetching: Promise<void> | undefined;
  /** Wakes the fetch loop (an assignment, a resume, a read that made room) and waiters for records. */
  private wake: (() => void) | undefined;
  /** Resolved when a fetch queues records: every waiter shares it. */
  private arrival: { promise: Promise<void>; resolve: () => void } | undefined;
  private failures = 0;
  private readonly logger: Logger | undefined;

  constructor(
    readonly name: string,
    private readonly spec: KafkaSourceSpec,
    private readonly options: KafkaSourceOptions = {},
  ) {
    const role = options.role ?? name;
    this.logger = options.logger;
    this.topics = [spec.topic];
    this.consumer = new Consumer({
      ...clientOptions(spec.cluster, `${role}.source`),
      groupId: spec.group,
      isolationLevel: FetchIsolationLevels.READ_COMMITTED,
    });
  }

  async partitions(): Promise<TopicPartition[]> {
    const metadata = await this.metadata(true);
    const count = metadata.topics.get(this.spec.topic)!.partitionsCount;
    return Array.from({ length: count }, (_, partition) => ({ topic: this.spec.topic, partition }));
  }

  assign(positions: readonly PartitionStart[]): void {
    for (const { topic, partition, offset } of positions) {
      if (topic !== this.spec.topic) {
        throw new TributaryError(
          'TRB_INTERNAL',
          `source "${this.name}" reads topic "${this.spec.topic}" and was assigned a partition of "${topic}"`,
        );
      }
      this.assigned.set(partitionId({ topic, partition }), {
        topic,
        partition,
        position: offset,
        fetchOffset: offset,
        queue: [],
        queued: 0,
        paused: false,
        end: offset ?? 0,
        logStart: 0,
        startAt: this.spec.start,
      });
    }
    this.fetching ??= this.fetchLoop();
    this.wake?.();
  }

  revoke(partitions: readonly TopicPartition[]): void {
    for (const partition of partitions) this.assigned.delete(partitionId(partition));
  }

  async read(maxRecords: number): Promise<RecordBatch | undefined> {
    const list = [...this.assigned.values()];
    for (let n = 0; n < list.length; n++) {
      const at = list[(this.cursor + n) % list.length];
      if (at.paused || at.queue.length === 0) continue;
      let batch = at.queue.shift()!;
      // A fetch brings up to a megabyte a partition: the task takes it a batch at a time.
      if (batch.count > maxRecords) {
        const [head, rest] = splitBatch(batch, Math.max(1, maxRecords));
        at.queue.unshift(rest);
        batch = head;
      }
      at.queued -= batch.count;
      at.position = batch.nextOffset;
      this.cursor = (this.cursor + n + 1) % list.length;
      this.wake?.();
      return batch;
    }
    return undefined;
  }

  async waitForRecords(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.ready() || timeoutMs <= 0 || signal?.aborted) return;
    if (!this.arrival) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      this.arrival = { promise, resolve };
    }
    await Promise.race([this.arrival.promise, sleep(timeoutMs, signal)]);
  }

  positions(): PartitionOffset[] {
    return [...this.assigned.values()].flatMap(({ topic, partition, position }) =>
      position === undefined ? [] : [{ topic, partition, offset: position }],
    );
  }

  lag(): PartitionLag[] {
    return [...this.assigned.values()].map(({ topic, partition, position, end, logStart }) => {
      const at = position ?? end;
      return { topic, partition, position: at, end, lag: Math.max(0, end - Math.max(at, logStart)) };
    });
  }

  /**
   * Records fetched and not read yet, over the partitions: at most `MAX_QUEUED_RECORDS` a
   * partition and one fetch (a megabyte) more, whatever the backlog — the rest waits in Kafka.
   */
  fetchedAhead(): number {
    let queued = 0;
    for (const at of this.assigned.values()) queued += at.queued;
    return queued;
  }

  pause(partitions: readonly TopicPartition[]): void {
    setPaused(this.assigned, partitions, true);
  }

  resume(partitions: readonly TopicPartition[]): void {
    setPaused(this.assigned, partitions, false);
    this.wake?.();
  }

  /** Tells the consumer group the checkpointed positions, for lag in Kafka's tools; the checkpoint stays the truth. */
  async acknowledge(positions: readonly PartitionOffset[]): Promise<void> {
    this.options.acknowledged?.(positions);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.assigned.clear();
    this.wake?.();
    await this.fetching?.catch(() => {});
    await this.consumer.close(true).catch(() => {});
  }

  private ready(): boolean {
    for (const at of this.assigned.values()) if (!at.paused && at.queue.length > 0) return true;
    return false;
  }

  private async metadata(force = false): Promise<ClusterMetadata> {
    const { topic, cluster } = this.spec;
    try {
      const metadata = await this.consumer.metadata({ topics: [topic], forceUpdate: force });
      if (metadata.topics.has(topic)) return metadata;
    } catch (error) {
      if (!isUnknownTopic(error)) {
        throw new TributaryError(
          'TRB_KAFKA_UNAVAILABLE',
          `source "${this.name}": cannot reach Kafka at ${describeCluster(cluster)}: ${(error as Error).message}`,
          { cause: error },
        );
      }
    }
    throw new TributaryError(
      'TRB_KAFKA_NO_TOPIC',
      `source "${this.name}": Kafka topic "${topic}" does not exist on ${describeCluster(cluster)}; create it (kafka-topics.sh --create --topic ${topic} --partitions N) or fix sources.${this.name}.topic`,
    );
  }

  /** Fetches ahead for every assigned partition with room, until closed; errors back off and retry. */
  private async fetchLoop(): Promise<void> {
    while (!this.closed) {
      const wanted = [...this.assigned.values()].filter((at) => !at.paused && at.queued < MAX_QUEUED_RECORDS);
      if (wanted.length === 0) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        this.wake = undefined;
        continue;
      }
      try {
        await this.resolveStarts(wanted);
        const metadata = await this.metadata();
        const byLeader = new Map<number, Assigned[]>();
        for (const at of wanted) {
          const leader = metadata.topics.get(at.topic)!.partitions[at.partition].leader;
          byLeader.set(leader, [...(byLeader.get(leader) ?? []), at]);
        }
        const topicId = metadata.topics.get(this.spec.topic)!.id;
        await Promise.all(
          [...byLeader].map(([node, partitions]) => this.fetchFrom(metadata, node, topicId, partitions)),
        );
        this.failures = 0;
      } catch (error) {
        if (this.closed) return;
        this.failures++;
        this.consumer.clearMetadata();
        // The first failures are the usual ones of a leader moving; a broker that stays away is worth a line.
        if (this.failures === 3 || this.failures % 50 === 0)
          this.logger?.warn(
            { source: this.name, failures: this.failures, error: (error as Error).message },
            'fetching from Kafka fails; retrying',
          );
        await sleep(Math.min(5_000, 100 * 2 ** Math.min(this.failures, 6)));
      }
    }
  }

  /** Looks up where partitions without a position start (`start: earliest` or `latest`). */
  private async resolveStarts(wanted: Assigned[]): Promise<void> {
    for (const startAt of ['earliest', 'latest'] as const) {
      const unresolved = wanted.filter((at) => at.fetchOffset === undefined && at.startAt === startAt);
      if (unresolved.length === 0) continue;
      const offsets = await this.consumer.listOffsets({
        topics: [this.spec.topic],
        partitions: { [this.spec.topic]: unresolved.map((at) => at.partition) },
        // Kafka's special timestamps: -2 the log start, -1 the end.
        timestamp: startAt === 'earliest' ? -2n : -1n,
      });
      const found = offsets.get(this.spec.topic) ?? [];
      for (const at of unresolved) {
        const offset = Number(found[at.partition] ?? 0n);
        at.fetchOffset = offset;
        at.position ??= offset;
        at.end = Math.max(at.end, offset);
      }
    }
  }

  /**
   * One fetch from a partition leader, its records read into columns straight from the
   * response's bytes (fetch-columns.ts). A partition's error leaves the others' records good:
   * an offset out of range moves that partition to its earliest; other errors (a leader that
   * moved) fail the round once its good records are queued, so the loop refreshes the
   * metadata and backs off.
   */
  private async fetchFrom(
    metadata: ClusterMetadata,
    node: number,
    topicId: string,
    partitions: Assigned[],
  ): Promise<void> {
    const broker = metadata.brokers.get(node);
    if (!broker) throw new Error(`broker ${node} is not in the cluster's metadata`);
    const response = await fetchPartitions(
      this.consumer,
      broker,
      topicId,
      partitions.map((at) => ({ partition: at.partition, fetchOffset: at.fetchOffset! })),
      { maxWaitMs: FETCH_MAX_WAIT_MS, maxBytes: FETCH_MAX_BYTES, partitionMaxBytes: PARTITION_MAX_BYTES },
    );
    const failed: string[] = [];
    if (response.errorCode !== 0) failed.push(errorName(response.errorCode));
    for (const fetched of response.partitions) {
      const at = partitions.find((p) => p.partition === fetched.partition);
      // Revoked while the fetch was out: its records are not for this task any more.
      if (!at || this.assigned.get(partitionId(at)) !== at) continue;
      if (fetched.errorCode === OFFSET_OUT_OF_RANGE) this.outOfRange(at);
      else if (fetched.errorCode !== 0) failed.push(`${at.partition}: ${errorName(fetched.errorCode)}`);
      else {
        const batch = fetched.records
          ? recordColumns(
              at.topic,
              at.partition,
              at.fetchOffset!,
              fetched.records,
              fetched.abortedTransactions,
              true,
            )
          : undefined;
        this.received(
          at,
          fetched.lastStableOffset >= 0 ? fetched.lastStableOffset : fetched.highWatermark,
          fetched.logStartOffset,
          batch,
        );
      }
    }
    if (failed.length > 0) {
      throw new TributaryError(
        'TRB_KAFKA_FAILED',
        `source "${this.name}": fetching topic "${this.spec.topic}" from broker ${node} failed (${failed.join(', ')})`,
      );
    }
  }

  /** What a fetch brought for an assigned partition: where it ends now, and its records past the fetch offset. */
  private received(at: Assigned, end: number, logStart: number, batch: RecordBatch | undefined): void {
    at.end = end;
    at.logStart = logStart;
    if (!batch || batch.nextOffset === at.fetchOffset) return;
    at.fetchOffset = batch.nextOffset;
    at.queue.push(batch);
    at.queued += batch.count;
    this.arrival?.resolve();
    this.arrival = undefined;
  }

  /**
   * The position is gone from the partition (retention deleted it) or not there yet: go on
   * from the first record still there, and say so — the records in between are lost to this
   * pipeline.
   */
  private outOfRange(at: Assigned): void {
    this.logger?.warn(
      { source: this.name, topic: at.topic, partition: at.partition, offset: at.fetchOffset },
      'the position is no longer in the Kafka partition (retention?); continuing from the earliest offset',
    );
    at.fetchOffset = undefined;
    at.position = undefined;
    at.startAt = 'earliest';
    at.queue.length = 0;
    at.queued = 0;
  }
}

/** Kafka's name for an error code, for messages. */
const errorName = (code: number): string =>
  Object.values(protocolErrors).find((e) => e.code === code)?.id ?? `error code ${code}`;

const isUnknownTopic = (error: unknown): boolean =>
  /UNKNOWN_TOPIC|unknown topic|does not host this topic/i.test(
    `${(error as Error)?.message} ${JSON.stringify((error as { errors?: unknown }).errors ?? '')}`,
  );
