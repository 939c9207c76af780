import type { Registry } from 'prom-client';
import type { AlertingDocument } from '../alerts/schema.js';
import type { RedisSettings } from '../config/settings.js';
import type { KafkaClusterSpec } from '../connectors/kafka/cluster.js';
import type { KafkaAppender } from '../connectors/kafka/kafka-appender.js';
import type { SinkSpec } from '../connectors/registry.js';
import type {
  AlertingApi,
  IngestEvent,
  IngestResult,
  PipelineStatus,
  PlatformApi,
  PlatformStats,
  SeriesInfo,
  SeriesLatest,
  SeriesPoint,
  SeriesQuery,
  StatsHistory,
  StoredRecord,
} from '../contract/index.js';
import type { Plan } from '../engine/plan/plan.js';
import { type Clock, systemClock } from '../engine/time/clock.js';
import { describeError, TributaryError } from '../errors.js';
import { intakeMessage } from '../live/fleet-message.js';
import { LatestCache, latestOfSeries } from '../live/latest-cache.js';
import { RedisFanout } from '../live/redis-fanout.js';
import type { Logger } from '../observability/logger.js';
import { DEFAULT_SCHEMA, openSeriesStore } from '../store/index.js';
import type { SeriesStore } from '../store/series-store.js';
import { FleetAlerting } from './fleet-alerting.js';
import { Intake, type SourceSpec } from './intake.js';
import { prepareKafkaTopics } from './kafka-topics.js';
import type { LatencyTracker } from './latency-tracker.js';
import { LiveUpdates } from './live-updates.js';
import type { PlatformMetrics } from './metrics.js';
import { sinkSpecsOf, storeSeriesOf } from './pipeline-sinks.js';
import { FleetBoard } from './status/fleet-board.js';
import { platformStats, publishStatus, statusParts } from './status/platform-stats.js';
import type { ProgressBoard } from './status/progress-board.js';
import type { StatsRecorder } from './status/stats-history.js';
import { checkIngestStream, intakeSources } from './streams.js';

export interface ApiNodeOptions {
  /** The PostgreSQL store the workers write their results to. */
  readonly store: { readonly url: string; readonly schema?: string };
  /** The sources of the configuration: HTTP ingest appends to the Kafka topic of each name. */
  readonly sources: Readonly<Record<string, SourceSpec>>;
  /** The cluster intake appends to (`log: { type: kafka }`); none: the configuration has no intake sources. */
  readonly intakeOnKafka?: KafkaClusterSpec;
  /** Partitions of the topic of a source intake appends to, when this node creates it. */
  readonly partitionsFor: (topic: string) => number;
  readonly sinks?: Readonly<Record<string, SinkSpec>>;
  /** The pipelines the workers run: their statuses are built from the workers' reports. */
  readonly pipelines: readonly Plan[];
  readonly redis: RedisSettings;
  /** The `alerts:` section: evaluated by one API node of the deployment at a time (fleet-alerting.ts). */
  readonly alerts?: AlertingDocument;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

/**
 * An API node of a deployment (`tributary api`): serving only, and stateless. HTTP ingest
 * produces to Kafka; stored results come from PostgreSQL; pipeline statuses, rates and
 * latency are built from the workers' task reports, received through Redis, and live
 * updates (`series:<name>`, `alerts`) arrive the same way — so any number of API nodes
 * behind a load balancer show the same numbers, none from their own memory of work done
 * elsewhere. `stats` and `pipeline:<name>` are published here once a second from that.
 * With an `alerts:` section, one API node of the deployment evaluates the rules
 * (fleet-alerting.ts) and the others ask it.
 */
export class ApiNode implements PlatformApi {
  readonly metrics: Registry;
  private readonly instruments: PlatformMetrics;
  private readonly clock: Clock;
  private readonly updates = new LiveUpdates();
  private readonly latency: LatencyTracker;
  private readonly progress: ProgressBoard;
  private readonly recorder: StatsRecorder;
  private readonly fleet: FleetBoard;
  private readonly fanout: RedisFanout;
  /** Read before the store: the workers write the latest result of each key to it. */
  private readonly latest: LatestCache;
  private appender: KafkaAppender | undefined;
  private intake: Intake | undefined;
  private store: SeriesStore | undefined;
  private alertingState: FleetAlerting | undefined;
  private sampler: NodeJS.Timeout | undefined;
  private started = 0;
  private isReady = false;

  constructor(private readonly options: ApiNodeOptions) {
    this.clock = options.clock ?? systemClock;
    const now = () => this.clock.now();
    ({
      latency: this.latency,
      instruments: this.instruments,
      progress: this.progress,
      recorder: this.recorder,
    } = statusParts(now));
    this.metrics = this.instruments.registry;
    for (const plan of options.pipelines)
      this.progress.add(plan, Object.keys(sinkSpecsOf(plan, options.sinks)));
    this.fleet = new FleetBoard(this.progress, now);
    this.fanout = new RedisFanout(
      options.redis,
      {
        live: (channel, update) => {
          this.updates.publish(channel, update);
          if (channel.startsWith('series:'))
            this.alertingState?.observeSeries(channel.slice('series:'.length), update as SeriesPoint[]);
        },
        fleet: (message) => {
          this.fleet.receive(message);
          this.alertingState?.receive(message);
        },
      },
      options.logger,
    );
    this.latest = new LatestCache(this.fanout.client, options.redis, now);
  }

  /** This process, as the others of the deployment see it (`host/pid`). */
  get node(): string {
    return this.fanout.node;
  }

  async start(): Promise<void> {
    const { options } = this;
    this.started = this.clock.now();
    await this.fanout.start();
    this.store = await openSeriesStore({
      backend: 'postgres',
      url: options.store.url,
      schema: options.store.schema,
    });
    if (options.alerts) {
      this.alertingState = new FleetAlerting({
        document: options.alerts,
        store: this.store,
        database: { url: options.store.url, schema: options.store.schema ?? DEFAULT_SCHEMA },
        registry: this.metrics,
        clock: this.clock,
        logger: options.logger,
        node: this.fanout.node,
        tell: (message) => this.fanout.tell(message),
        publish: (event) => {
          this.updates.publish('alerts', event);
          this.fanout.publish('alerts', event);
        },
        onError: (error) =>
          options.logger?.error({ error: describeError(error) }, `alerting: ${describeError(error).message}`),
      });
      await this.alertingState.start();
    }
    const cluster = options.intakeOnKafka;
    const streams = this.streams();
    if (cluster) {
      const topics = streams.map((topic) => ({ topic, partitions: options.partitionsFor(topic) }));
      const counts = await prepareKafkaTopics({ cluster, topics }, {}, {});
      for (const { topic, partitions } of topics) counts.set(topic, counts.get(topic) ?? partitions);
      const { KafkaAppender } = await import('../connectors/kafka/kafka-appender.js');
      this.appender = new KafkaAppender(cluster, (topic) => counts.get(topic));
      this.intake = new Intake(this.appender, options.sources, this.instruments, this.clock);
    } else if (streams.length > 0) {
      throw new TributaryError(
        'TRB_CONFIG_INVALID',
        `the API node appends intake to Kafka: sources ${streams.join(', ')} need log: { type: kafka }`,
      );
    }
    this.sampler = setInterval(() => this.sample(), 1_000);
    this.isReady = true;
  }

  async stop(): Promise<void> {
    this.isReady = false;
    clearInterval(this.sampler);
    await this.alertingState?.stop();
    await this.appender?.close();
    await this.fanout.close();
    await this.store?.close();
  }

  ready(): boolean {
    return this.isReady;
  }

  statsHistory(): StatsHistory {
    return this.recorder.history();
  }

  stats(): PlatformStats {
    return platformStats({
      eventsInPerSec: this.fleet.eventsInPerSec(),
      activeSources: this.fleet.activeSources(),
      pipelines: this.pipelines(),
      latency: this.latency,
      uptimeSec: Math.round((this.clock.now() - this.started) / 1000),
    });
  }

  pipelines(): PipelineStatus[] {
    return this.progress.all().map((p) => p.describe());
  }

  pipeline(name: string): PipelineStatus | undefined {
    return this.progress.get(name)?.describe();
  }

  deadLetters(pipeline: string, limit: number): StoredRecord[] {
    return this.progress.get(pipeline)?.recentDeadLetters.latest(limit) ?? [];
  }

  lateEvents(pipeline: string, limit: number): StoredRecord[] {
    return this.progress.get(pipeline)?.recentLate.latest(limit) ?? [];
  }

  streams(): string[] {
    return intakeSources(this.options.sources);
  }

  ingest(stream: string, events: readonly IngestEvent[]): Promise<IngestResult> {
    checkIngestStream(this.options.sources, stream);
    if (!this.intake) throw notStarted();
    return this.intake.ingest(stream, events);
  }

  querySeries(name: string, query: SeriesQuery): Promise<SeriesPoint[]> {
    if (!this.store) throw notStarted();
    return this.store.query(name, query);
  }

  listSeries(): Promise<SeriesInfo[]> {
    if (!this.store) throw notStarted();
    return this.store.listSeries();
  }

  declaredSeries(): readonly string[] {
    return storeSeriesOf(this.options.pipelines, this.options.sinks);
  }

  latestOfSeries(name: string, keys?: readonly string[]): Promise<Omit<SeriesLatest, 'name'>> {
    if (!this.store) throw notStarted();
    return latestOfSeries(this.latest, this.store, name, keys);
  }

  subscribe(channel: string, listener: (update: unknown) => void): () => void {
    return this.updates.subscribe(channel, listener);
  }

  /** The engine where this node evaluates the rules; otherwise the node that does, asked through Redis. */
  alerting(): AlertingApi | undefined {
    return this.alertingState?.api();
  }

  /** Once a second: silent processes forgotten, this node's intake told, `stats` and `pipeline:<name>` published. */
  private sample(): void {
    this.fleet.prune();
    this.fanout.tell(intakeMessage(this.fanout.node, this.intake));
    publishStatus(this.updates, this.progress.all(), () => this.stats(), this.recorder, this.clock.now());
  }
}

const notStarted = () =>
  new TributaryError('TRB_NOT_STARTED', 'the API node is not started; call start() first');
