import { compatibilityPartitioner, type MessageToProduce, Producer } from '@platformatic/kafka';
import type { Batch } from '../../engine/batch.js';
import { TributaryError } from '../../errors.js';
import type { Format, FormatOptions } from '../../formats/index.js';
import type { Logger } from '../../observability/logger.js';
import type { SinkContext } from '../connector.js';
import type { Guarantee, Sink, SinkCommitment } from '../sink.js';
import { clientOptions, describeCluster, type KafkaClusterSpec } from './cluster.js';
import { protocolErrorIds } from './coordinator.js';
import { commitPrepared, type PreparedTransaction } from './prepared-transaction.js';
import { produceRequests } from './produce-requests.js';
import { refusedTimestamp, type TimestampBounds, timestampBounds } from './timestamp-bounds.js';

/** What a task builds a Kafka sink from: plain data, it crosses to worker threads. */
export interface KafkaSinkSpec {
  readonly type: 'kafka';
  readonly cluster: KafkaClusterSpec;
  readonly topic: string;
  readonly format: Format['name'];
  /** With `format: avro`: the registry, and the schema results are written with. */
  readonly avro?: Required<Pick<FormatOptions, 'registry' | 'writer'>>;
  readonly guarantee: Guarantee;
  /** Partitions of the topic when the platform creates it. */
  readonly partitions: number;
  /**
   * Topic-level configs when the platform creates the topic. Results carry their event time
   * as timestamp, which time retention counts from: results of replayed history need
   * `retention.ms: -1` (or `message.timestamp.type: LogAppendTime`) to outlive the next
   * retention check.
   */
  readonly topicConfigs: Readonly<Record<string, string>>;
  /** How long the broker keeps a transaction open before aborting it: longer than the longest outage a prepared checkpoint must survive. */
  readonly transactionTimeoutMs: number;
}

type Transaction = Awaited<ReturnType<Producer['beginTransaction']>>;

/** Header that marks a record retracting a result sent earlier (a session that merged away). */
export const RETRACTION_HEADER = 'tributary.retraction';

/**
 * Results into a Kafka topic, keyed by the pipeline's key (so a key's results stay in one
 * partition, by Kafka's own partitioner), timestamped with the result's event time.
 *
 * Exactly-once: a transactional producer per task writes each checkpoint interval's output
 * in one transaction, flushed at the checkpoint and committed once the checkpoint is
 * written; the checkpoint records the open transaction (`prepare`), and a restart commits
 * it (`recover`) — the coordinator's two-phase protocol, as Flink's Kafka sink does it.
 * Intervals alternate between two transactional ids, so the transaction a checkpoint
 * records is never the one a later, unrecorded interval opened: on restart that one is
 * aborted by fencing. Consumers reading `read_committed` see each result once.
 *
 * At-least-once: an idempotent producer; what was sent between the last checkpoint and a
 * crash is sent again on replay.
 */
export class KafkaSink implements Sink {
  readonly guarantee: Guarantee;
  private buffer: MessageToProduce[] = [];
  private readonly producers: Producer[];
  /** Per producer, its transactional id (none at-least-once). */
  private readonly ids: (string | undefined)[];
  /** Exactly-once: the producer of the current interval, its transaction, and what was sent in it. */
  private current = 0;
  private transaction: Transaction | undefined;
  private sentInTransaction: MessageToProduce[] = [];
  /**
   * A send in the open transaction failed: which of its messages the transaction holds is
   * unknown, so it must not commit. The checkpoint's `prepare` refuses, the coordinator
   * aborts it, and everything it was to hold is sent again in the next one.
   */
  private broken: Error | undefined;
  /**
   * After an abort the current producer registers again before its next transaction: a new
   * epoch, and sequence numbers from zero. Without it a producer whose sends failed (a
   * broker restarted under it) keeps sequence numbers the broker never saw, and every send
   * is refused.
   */
  private registerAgain = false;
  /**
   * The open transaction was prepared for a checkpoint that may have been written: only the
   * coordinator's abort (the checkpoint was not written) or commit ends it. Closing leaves
   * it open for whoever restores that checkpoint to commit (`recover`).
   */
  private prepared = false;
  private ready: Promise<void> | undefined;
  /** The record timestamps the topic accepts, learned at `open`; undefined: any. */
  private timestamps: TimestampBounds | undefined;

  constructor(
    readonly name: string,
    private readonly spec: KafkaSinkSpec,
    private readonly format: Format,
    private readonly context: SinkContext,
    /** `pipeline.task`: transactional ids are stable per task, so a restarted task fences its old self. */
    private readonly task: string,
    private readonly logger?: Logger,
  ) {
    this.guarantee = spec.guarantee;
    const transactional = spec.guarantee === 'exactly-once';
    this.ids = transactional ? [0, 1].map((n) => `tributary.${task}.${name}.${n}`) : [undefined];
    this.producers = this.ids.map((transactionalId) => this.newProducer(transactionalId));
  }

  private newProducer(transactionalId: string | undefined): Producer {
    return new Producer({
      ...clientOptions(this.spec.cluster, `${this.task}.sink.${this.name}`),
      idempotent: true,
      // Kafka's Java partitioner: a key lands where Kafka's own clients and Kafka Streams put it.
      partitioner: compatibilityPartitioner,
      // The producer's timeout is also the transaction timeout it asks the broker for.
      ...(transactionalId ? { transactionalId, timeout: this.spec.transactionTimeoutMs } : {}),
    });
  }

  /**
   * A new client in place of one that failed outside a prepared transaction: the client keeps
   * a transaction it failed to begin (then refuses every next one as "already active") and
   * may keep stale connections (seen after a broker restart: every request failed until the
   * process restarted). The new one registers its transactional id before its first
   * transaction, which aborts whatever the old one left open.
   */
  private renew(index = this.current): void {
    const old = this.producers[index];
    this.producers[index] = this.newProducer(this.ids[index]);
    if (index === this.current) this.registerAgain = this.guarantee === 'exactly-once';
    old.close(true).catch(() => {});
  }

  get pending(): number {
    return this.buffer.length;
  }

  /** The format's waiting before the first encode (an Avro writer registers its schema); the topic's timestamp bounds. */
  async open(): Promise<void> {
    await this.format.prepare?.();
    try {
      this.timestamps = await timestampBounds(this.spec.cluster, this.spec.topic);
    } catch (error) {
      this.logger?.warn(
        { sink: this.name, topic: this.spec.topic, error: (error as Error).message },
        "could not read the topic's timestamp limits; results are sent unchecked, and one outside them fails its send",
      );
    }
  }

  write(batch: Batch<unknown>): void {
    const { values, timestamps, keys, retractions } = batch;
    const now = Date.now();
    for (let i = 0; i < values.length; i++) {
      const refused = this.timestamps && refusedTimestamp(this.timestamps, timestamps[i], now);
      if (refused) {
        this.context.reject(this.name, batch, i, refused);
        continue;
      }
      let value: Uint8Array;
      try {
        value = this.format.encode(values[i]);
      } catch (error) {
        this.context.reject(this.name, batch, i, error);
        continue;
      }
      const key = keys?.[i];
      this.buffer.push({
        topic: this.spec.topic,
        value: Buffer.from(value.buffer, value.byteOffset, value.byteLength),
        timestamp: BigInt(Math.round(timestamps[i])),
        ...(key === undefined ? {} : { key: Buffer.from(String(key)) }),
        ...(retractions?.[i]
          ? { headers: new Map([[Buffer.from(RETRACTION_HEADER), Buffer.from('true')]]) }
          : {}),
      });
    }
  }

  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const messages = this.buffer;
    this.buffer = [];
    try {
      await this.send(messages);
    } catch (error) {
      const failure = this.failed(error);
      if (this.transaction) this.broken = failure;
      else this.buffer = messages.concat(this.buffer);
      throw failure;
    }
  }

  async prepare(): Promise<SinkCommitment | undefined> {
    if (this.broken) throw this.broken;
    await this.flush();
    const producer = this.producers[this.current];
    if (!this.transaction || producer.producerId === undefined) return undefined;
    const prepared: PreparedTransaction = {
      transactionalId: this.transaction.id,
      producerId: producer.producerId.toString(),
      producerEpoch: producer.producerEpoch!,
    };
    this.prepared = true;
    return prepared;
  }

  async commit(): Promise<void> {
    if (!this.transaction) return;
    try {
      await this.transaction.commit();
    } catch (error) {
      throw this.failed(error);
    }
    this.transaction = undefined;
    this.prepared = false;
    this.sentInTransaction = [];
    this.current = 1 - this.current;
  }

  /** The checkpoint was not written: abort what this interval sent, and send it again in the next. */
  async abort(): Promise<void> {
    if (!this.transaction) return;
    const sent = this.sentInTransaction;
    this.sentInTransaction = [];
    const transaction = this.transaction;
    this.transaction = undefined;
    this.prepared = false;
    this.broken = undefined;
    this.buffer = sent.concat(this.buffer);
    this.registerAgain = true;
    await transaction.abort().catch(async (error: unknown) => {
      this.logger?.warn(
        { sink: this.name, error: (error as Error).message },
        'aborting the Kafka transaction failed; the broker aborts it when the producer registers again',
      );
      await transaction.cancel().catch(() => {});
      this.renew();
    });
  }

  async recover(commitment: SinkCommitment): Promise<void> {
    await commitPrepared(this.spec.cluster, commitment as unknown as PreparedTransaction, this.logger);
  }

  async close(): Promise<void> {
    // A prepared transaction may belong to a written checkpoint whose commit failed: aborting
    // it here would lose that checkpoint's output, which the next owner commits instead.
    if (this.transaction && !this.prepared) await this.abort();
    for (const producer of this.producers) await producer.close(true).catch(() => {});
  }

  private async send(messages: MessageToProduce[]): Promise<void> {
    if (this.guarantee === 'at-least-once') {
      try {
        for (const request of produceRequests(messages)) await this.producers[0].send({ messages: request });
      } catch (error) {
        this.renew();
        throw error;
      }
      return;
    }
    await this.initialize();
    if (!this.transaction) {
      try {
        if (this.registerAgain) {
          await register(this.producers[this.current]);
          this.registerAgain = false;
        }
        this.transaction = await this.producers[this.current].beginTransaction();
      } catch (error) {
        this.renew();
        throw error;
      }
    }
    // Kept until the commit: an aborted checkpoint sends them again.
    for (const message of messages) this.sentInTransaction.push(message);
    for (const request of produceRequests(messages)) await this.transaction.send({ messages: request });
  }

  /**
   * Registers both transactional ids with the broker before the first transaction: that
   * fences an older instance of this task and aborts whatever it left open — after
   * `recover` committed what the restored checkpoint recorded.
   */
  private initialize(): Promise<void> {
    this.ready ??= (async () => {
      for (const producer of this.producers) await register(producer);
    })().catch((error: unknown) => {
      // The cluster was away at the first send: the next one starts over with new clients.
      this.ready = undefined;
      for (let i = 0; i < this.producers.length; i++) this.renew(i);
      throw error;
    });
    return this.ready;
  }

  private failed(error: unknown): Error {
    if (error instanceof TributaryError) return error;
    const ids = protocolErrorIds(error);
    if (
      ids.some(
        (id) =>
          id === 'PRODUCER_FENCED' ||
          id === 'INVALID_PRODUCER_EPOCH' ||
          id === 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
      )
    )
      return new TributaryError(
        'TRB_KAFKA_FENCED',
        `sink "${this.name}": another instance of task ${this.task} took over its Kafka transactions (${ids.join(', ')}); this one stops writing`,
        { cause: error },
      );
    return new TributaryError(
      'TRB_KAFKA_FAILED',
      `sink "${this.name}": writing to Kafka topic "${this.spec.topic}" at ${describeCluster(this.spec.cluster)} failed: ${(error as Error).message}${ids.length ? ` (${ids.join(', ')})` : ''}`,
      { cause: error },
    );
  }
}

/**
 * Registers a transactional producer with the broker (InitProducerId): a new epoch, which
 * fences older instances and aborts what they left open. The first transaction of a
 * producer registers its id; cancelled, it sends nothing. Producer id and epoch -1 ask for
 * a fresh registration (the client would otherwise send 0/0, which the broker refuses as
 * fenced once the id was used before).
 */
const register = async (producer: Producer): Promise<void> => {
  await (await producer.beginTransaction({ producerId: -1n, producerEpoch: -1 })).cancel();
};
