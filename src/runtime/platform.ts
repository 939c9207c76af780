import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import type { KafkaSourceSettings } from '../connectors/kafka/connector.js';
import type { KafkaAppender } from '../connectors/kafka/kafka-appender.js';
import { type EmbeddedLog, openEmbeddedLog } from '../connectors/log/embedded-log.js';
import { localLogAccess } from '../connectors/log/local-access.js';
import type { LogAccess } from '../connectors/log/log-access.js';
import type {
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
import { latestOfSeries } from '../live/latest-cache.js';
import { CheckpointStore } from '../store/checkpoint-store.js';
import { openSeriesStore } from '../store/index.js';
import type { SeriesStore } from '../store/series-store.js';
import { PlatformAlerting } from './alerting.js';
import { kafkaSourceOf, PipelineGroups } from './assignment/pipeline-groups.js';
import { planTasks } from './assignment/plan-tasks.js';
import { MAIN, type PlannedTask, TaskManager } from './assignment/task-manager.js';
import { LocalHost } from './host/local-host.js';
import { Intake, type SourceSpec } from './intake.js';
import { intakeAppender, sourcesAsRead } from './kafka-intake.js';
import { kafkaSourceSpec, pipelineGroup, prepareKafkaTopics } from './kafka-topics.js';
import type { LatencyTracker } from './latency-tracker.js';
import { LiveUpdates } from './live-updates.js';
import type { PlatformMetrics } from './metrics.js';
import { patternPlans } from './pattern-plans.js';
import { sinkSpecsOf, storeSeriesOf } from './pipeline-sinks.js';
import type { PlatformOptions } from './platform-options.js';
import { platformStats, publishStatus, statusParts } from './status/platform-stats.js';
import type { ProgressBoard } from './status/progress-board.js';
import type { StatsRecorder } from './status/stats-history.js';
import { checkIngestStream, intakeSources } from './streams.js';
import { DEFAULT_TASK_OPTIONS, type TaskSourceSpec } from './task/task-spec.js';
import { checkTopicPartitions } from './topic-partitions.js';
import { WorkerPool } from './workers/worker-pool.js';

export type { SourceSpec } from './intake.js';
export type { PlatformOptions } from './platform-options.js';

/**
 * Embedded mode in one process: the durable log, the store, the ingestors that feed the
 * log, and every pipeline's tasks — on worker threads, one core each, or on the main thread
 * — reading it. The main thread keeps HTTP, WebSocket and alerting, and serves the log and
 * the store to the workers. Implements what the HTTP server needs.
 *
 * Lifecycle: `start` opens the log and store, starts every task from its last checkpoint,
 * then the ingestors (so nothing queues unread for long). `stop` reverses it: intake stops
 * first, tasks drain and checkpoint, then the store and the log close.
 */
export class Platform implements PlatformApi {
  /** The Prometheus registry (PlatformApi); the instruments in it are `instruments`. */
  readonly metrics: Registry;
  private readonly instruments: PlatformMetrics;
  private readonly clock: Clock;
  private readonly updates = new LiveUpdates();
  private readonly latency: LatencyTracker;
  private readonly progress: ProgressBoard;
  private readonly recorder: StatsRecorder;
  private log: EmbeddedLog | undefined;
  /** Partition counts of the Kafka topics `kafka` sources read. */
  private kafkaTopics = new Map<string, number>();
  /** The sources as pipelines read them: with intake on Kafka, from the topics intake appends to. */
  private readonly readSources: Readonly<Record<string, SourceSpec>>;
  private kafkaIntake: KafkaAppender | undefined;
  private logAccess: LogAccess | undefined;
  private store: SeriesStore | undefined;
  private intake: Intake | undefined;
  private alertingState: PlatformAlerting | undefined;
  private pool: WorkerPool | undefined;
  private manager: TaskManager | undefined;
  private sampler: NodeJS.Timeout | undefined;
  private retention: NodeJS.Timeout | undefined;
  private started = 0;
  private isReady = false;
  /** This process's members of the Kafka pipelines' consumer groups: they decide which tasks run here. */
  private readonly groups: PipelineGroups;
  /** Workers whose crash is being recovered from, and when that is done. */
  private readonly recovering = new Map<string, Promise<void>>();

  constructor(private readonly options: PlatformOptions) {
    this.clock = options.clock ?? systemClock;
    this.readSources = sourcesAsRead(options.sources, options.intakeOnKafka);
    const now = () => this.clock.now();
    ({
      latency: this.latency,
      instruments: this.instruments,
      progress: this.progress,
      recorder: this.recorder,
    } = statusParts(now));
    this.metrics = this.instruments.registry;
    this.groups = new PipelineGroups({
      manager: () => this.requireManager(),
      forget: (pipeline, task) => this.progress.get(pipeline)?.forget(task),
      groupOf: (pipeline) => pipelineGroup(pipeline, options.consumerGroups),
      logger: options.logger,
    });
  }

  async start(): Promise<void> {
    const { options } = this;
    this.started = this.clock.now();
    const log = await openEmbeddedLog({ ...options.log, dir: join(options.dataDir, 'log') });
    this.log = log;
    // A torn tail cut after a crash, or a directory of the format before partitions, is
    // expected rather than a failure: a warning says what happened.
    for (const recovered of log.recovery)
      this.warn({ recovered }, 'the embedded log cut a torn tail left by a crash');
    for (const migrated of log.migrations)
      this.warn({ migrated }, 'the embedded log moved a topic to the partitioned layout');
    const partitionsFor = (topic: string) =>
      options.log?.topics?.[topic]?.partitions ?? options.log?.partitions ?? 1;
    const plans = [...options.pipelines, ...patternPlans(options.alerts)];
    // Before anything creates a topic: only topics that were there already can disagree.
    // The sources pipelines read from the embedded log.
    checkTopicPartitions(log, intakeSources(this.readSources), plans, partitionsFor);
    const onKafka = options.intakeOnKafka;
    const intakeTopics = onKafka && {
      cluster: onKafka,
      topics: this.streams().map((topic) => ({ topic, partitions: partitionsFor(topic) })),
    };
    this.kafkaTopics = await prepareKafkaTopics(intakeTopics, this.readSources, options.sinks);
    if (onKafka) {
      const { KafkaAppender } = await import('../connectors/kafka/kafka-appender.js');
      this.kafkaIntake = new KafkaAppender(onKafka, (topic) => this.kafkaTopics.get(topic));
    }
    this.store = await openSeriesStore(
      options.store.type === 'postgres'
        ? { backend: 'postgres', url: options.store.url, schema: options.store.schema }
        : { backend: 'pglite', dataDir: join(options.dataDir, 'store'), thread: true },
    );
    this.logAccess = localLogAccess(log, partitionsFor);
    const appender = intakeAppender(log, this.kafkaIntake, options.sources);
    this.intake = new Intake(appender, options.sources, this.instruments, this.clock);
    if (options.alerts && !options.forwardObservations) {
      this.alertingState = await PlatformAlerting.open({
        document: options.alerts,
        store: this.store,
        registry: this.metrics,
        clock: this.clock,
        logger: options.logger,
        publish: (event) => this.publishLive('alerts', event),
        onError: (error) => this.report('alerts', error),
      });
    }
    const host = new LocalHost({
      log: this.logAccess,
      store: this.store,
      checkpoints: CheckpointStore.on(this.store),
      stored: (series, points) => this.publishSeries(series, points),
      observe: options.forwardObservations ?? ((observations) => this.alertingState?.observe(observations)),
      report: (report) => {
        const member = this.manager?.memberOf(report) ?? MAIN;
        this.progress.receive(report, member);
        const { fanout } = this.options;
        fanout?.tell({ kind: 'task', node: fanout.node, member, report });
      },
      commitOffsets: (group, positions) => this.groups.commit(group, positions),
    });
    const tasks: PlannedTask[] = [];
    const grouped: { plan: Plan; source: KafkaSourceSettings; tasks: PlannedTask[] }[] = [];
    for (const plan of plans) {
      const planned = await this.tasksOf(plan);
      const source = kafkaSourceOf(plan, this.readSources);
      if (source) grouped.push({ plan, source, tasks: planned });
      else tasks.push(...planned);
    }
    const workers = tasks.some((t) => t.recipe) ? (options.workers ?? availableParallelism()) : 0;
    if (workers > 0) {
      this.pool = new WorkerPool({
        host,
        logLevel: options.logger?.level,
        onExit: (member, error) => this.workerExited(member, error),
      });
      for (let w = 1; w <= workers; w++) await this.pool.spawn(`worker-${w}`);
    }
    this.manager = new TaskManager({ host, pool: this.pool, clock: this.clock, logger: options.logger });
    await this.manager.run(tasks);
    for (const { plan, source, tasks: planned } of grouped) await this.groups.join(plan, source, planned);
    this.alertingState?.start();
    if (options.ingestors !== false)
      await this.intake.start({ dataDir: options.dataDir, generators: options.generators });
    this.sampler = setInterval(() => this.sample(), 1_000);
    const maxAgeMs = options.storeRetentionMs;
    if (maxAgeMs)
      this.retention = setInterval(() => {
        this.store?.applyRetention({ maxAgeMs }).catch((error) => this.report('store retention', error));
      }, 60_000);
    this.isReady = true;
  }

  /** Graceful shutdown: stop intake, drain and checkpoint every task, close storage. */
  async stop(): Promise<void> {
    this.isReady = false;
    clearInterval(this.sampler);
    clearInterval(this.retention);
    await this.intake?.stop((where, error) => this.report(where, error));
    await this.kafkaIntake?.close();
    await this.groups.close();
    await this.manager?.stopAll();
    await this.pool?.close();
    await this.alertingState?.close().catch((error) => this.report('alerts', error));
    await this.store?.close();
    await this.log?.close();
  }

  // PlatformApi

  ready(): boolean {
    return this.isReady;
  }

  statsHistory(): StatsHistory {
    return this.recorder.history();
  }

  stats(): PlatformStats {
    return platformStats({
      eventsInPerSec: this.intake?.rate.perSecond() ?? 0,
      activeSources: this.intake?.activeSources() ?? 0,
      pipelines: this.pipelines(),
      latency: this.latency,
      uptimeSec: Math.round((this.clock.now() - this.started) / 1000),
    });
  }

  pipelines(): PipelineStatus[] {
    return this.progress.all().map((p) => p.describe(this.groups.idle(p.name)));
  }

  pipeline(name: string): PipelineStatus | undefined {
    return this.progress.get(name)?.describe(this.groups.idle(name));
  }

  deadLetters(pipeline: string, limit: number): StoredRecord[] {
    return this.progress.get(pipeline)?.recentDeadLetters.latest(limit) ?? [];
  }

  lateEvents(pipeline: string, limit: number): StoredRecord[] {
    return this.progress.get(pipeline)?.recentLate.latest(limit) ?? [];
  }

  /** The sources that take events from intake (all but `kafka` ones). */
  streams(): string[] {
    return intakeSources(this.options.sources);
  }

  async ingest(stream: string, events: readonly IngestEvent[]): Promise<IngestResult> {
    checkIngestStream(this.options.sources, stream);
    if (!this.intake) throw notStarted();
    return this.intake.ingest(stream, events);
  }

  querySeries(name: string, query: SeriesQuery): Promise<SeriesPoint[]> {
    return this.requireStore().query(name, query);
  }

  listSeries(): Promise<SeriesInfo[]> {
    return this.requireStore().listSeries();
  }

  declaredSeries(): readonly string[] {
    return storeSeriesOf(this.options.pipelines, this.options.sinks);
  }

  latestOfSeries(name: string, keys?: readonly string[]): Promise<Omit<SeriesLatest, 'name'>> {
    return latestOfSeries(this.options.latestCache, this.requireStore(), name, keys);
  }

  subscribe(channel: string, listener: (update: unknown) => void): () => void {
    return this.updates.subscribe(channel, listener);
  }

  /** The alert engine, when the configuration has an `alerts:` section. */
  alerting(): PlatformAlerting['engine'] | undefined {
    return this.alertingState?.engine;
  }

  // Operations beyond the API: where tasks run, and moving them (tests drive these).

  /** Where each task runs: task key (`pipeline#task`) → member (`main`, `worker-N`). */
  assignment(): ReadonlyMap<string, string> {
    return this.manager?.assignment ?? new Map();
  }

  /** Moves a task to another member: it checkpoints there and restores here. */
  moveTask(pipeline: string, task: string, member: string): Promise<void> {
    return this.requireManager().move({ pipeline, task }, member);
  }

  /**
   * Ends a worker thread at once, as a crash would; resolves once its tasks restarted from
   * their checkpoints on a new worker of the same name.
   */
  async killWorker(member: string): Promise<void> {
    await this.pool?.kill(member);
    await this.recovering.get(member);
  }

  /** The tasks of one pipeline: `all`, or one per partition of its topics. */
  private async tasksOf(plan: Plan): Promise<PlannedTask[]> {
    const sources = plan.nodes.flatMap((node) => (node.kind === 'source' ? [node.source] : []));
    let partitions = 0;
    const specs: Record<string, TaskSourceSpec> = {};
    for (const name of sources) {
      const source = this.readSources[name];
      if (source?.type === 'kafka') {
        partitions = Math.max(partitions, this.kafkaTopics.get(source.topic) ?? 0);
        specs[name] = {
          topic: source.topic,
          format: source.format,
          ...(source.registry ? { registry: source.registry } : {}),
          kafka: kafkaSourceSpec(pipelineGroup(plan.name, this.options.consumerGroups), source),
        };
      } else {
        partitions = Math.max(partitions, await this.logAccess!.partitions(name));
        specs[name] = { topic: name, format: 'json' };
      }
    }
    const sinks = sinkSpecsOf(plan, this.options.sinks);
    this.progress.add(plan, Object.keys(sinks));
    const kafka = kafkaSourceOf(plan, this.readSources);
    return planTasks({
      ...(kafka ? { deadLetters: { cluster: kafka.cluster, topic: kafka.deadLetterTopic } } : {}),
      plan,
      recipe: this.options.recipes?.(plan),
      partitions,
      sources: specs,
      sinks,
      options: { ...DEFAULT_TASK_OPTIONS, ...this.options.pipelineTasks },
    });
  }

  private async workerExited(member: string, error: Error): Promise<void> {
    this.report(`worker ${member}`, error);
    try {
      const restarted = await this.requireManager().recover(member);
      this.warn(
        { member, tasks: restarted },
        'a worker thread exited; its tasks restarted from their checkpoints',
      );
    } catch (recoverError) {
      this.report(`worker ${member}`, recoverError);
    }
  }

  private publishSeries(series: string, points: SeriesPoint[]): void {
    this.options.latestCache?.record(series, points);
    this.publishLive(`series:${series}`, points);
    this.alertingState?.observeSeries(series, points);
  }

  private sample(): void {
    publishStatus(this.updates, this.progress.all(), () => this.stats(), this.recorder, this.clock.now());
    const { fanout } = this.options;
    fanout?.tell(intakeMessage(fanout.node, this.intake));
  }

  /** A live update, to this process's subscribers and, through Redis, to every other process's. */
  private publishLive(channel: string, update: unknown): void {
    this.updates.publish(channel, update);
    this.options.fanout?.publish(channel, update);
  }

  private requireStore(): SeriesStore {
    if (!this.store) throw notStarted();
    return this.store;
  }

  private requireManager(): TaskManager {
    if (!this.manager) throw notStarted();
    return this.manager;
  }

  private warn(details: Record<string, unknown>, message: string): void {
    if (this.options.logger) this.options.logger.warn(details, message);
    else this.report('platform', `${message}: ${JSON.stringify(details)}`);
  }

  private report(where: string, error: unknown): void {
    if (this.options.onError) this.options.onError(where, error);
    else
      process.stderr.write(
        `tributary: ${where}: ${typeof error === 'string' ? error : describeError(error).message}\n`,
      );
  }
}

const notStarted = () =>
  new TributaryError('TRB_NOT_STARTED', 'the platform is not started; call start() first');
