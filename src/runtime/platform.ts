import { join } from 'node:path';
import type { Registry } from 'prom-client';
import type { AlertingDocument } from '../alerts/schema.js';
import type { Appender, Ingestor } from '../connectors/ingestor.js';
import { type EmbeddedLog, openEmbeddedLog } from '../connectors/log/embedded-log.js';
import type { EmbeddedLogOptions } from '../connectors/log/options.js';
import type { AppendRecord } from '../connectors/log/record-format.js';
import { describeError, TributaryError } from '../engine/errors.js';
import type { Plan } from '../engine/plan/plan.js';
import { type Clock, systemClock } from '../engine/time/clock.js';
import type { Logger } from '../observability/logger.js';
import type {
  IngestEvent,
  IngestResult,
  PipelineStatus,
  PlatformApi,
  PlatformStats,
  StoredRecord,
} from '../server/platform-api.js';
import { openSeriesStore } from '../store/index.js';
import type { SeriesStore } from '../store/series-store.js';
import type { SeriesInfo, SeriesPoint, SeriesQuery } from '../store/types.js';
import { ALERT_LATE_SINK, ALERT_SINK, PlatformAlerting } from './alerting.js';
import { LatencyTracker } from './latency-tracker.js';
import { LiveUpdates } from './live-updates.js';
import { PlatformMetrics } from './metrics.js';
import { PipelineTask, type PipelineTaskOptions } from './pipeline-task.js';
import { RateMeter } from './rate-meter.js';
import { ConsoleSink, LogSink, type SinkSpec, type SinkWriter, StoreSink } from './sinks.js';

/** A configured source: its type and its settings, handed to the ingestor factory. */
export interface SourceSpec {
  readonly type: string;
  readonly [setting: string]: unknown;
}

/** Makes the ingestor of a source (generator, MQTT, file); undefined for sources fed over HTTP only. */
export type IngestorFactory = (
  name: string,
  spec: SourceSpec,
  appender: Appender,
  context: { readonly dataDir: string },
) => Ingestor | undefined;

export interface PlatformOptions {
  /** Where the log, the embedded store and ingestor state live. */
  readonly dataDir: string;
  readonly log?: Omit<EmbeddedLogOptions, 'dir'>;
  readonly store:
    | { readonly type: 'embedded' }
    /** `schema`: where the store's tables live (default `tributary`). */
    | { readonly type: 'postgres'; readonly url: string; readonly schema?: string };
  /** Stored results older than this (by window end) are deleted, checked every minute. */
  readonly storeRetentionMs?: number;
  readonly sources: Readonly<Record<string, SourceSpec>>;
  /** Sinks by name; a pipeline sink not declared here is a store series of that name. */
  readonly sinks?: Readonly<Record<string, SinkSpec>>;
  readonly pipelines: readonly Plan[];
  readonly pipelineTasks?: Partial<PipelineTaskOptions>;
  /** The `alerts:` section: rules, routes, receivers, silences. None: no alerting. */
  readonly alerts?: AlertingDocument;
  readonly createIngestor?: IngestorFactory;
  readonly clock?: Clock;
  /** Structured logs (pipeline lifecycle, dead letters, failures); default: none. */
  readonly logger?: Logger;
  /** Where failures are reported besides the log (tests); default: the log, or stderr without one. */
  readonly onError?: (where: string, error: unknown) => void;
}

/** Topic that receives every pipeline's dead letters as JSON. */
export const DEAD_LETTER_TOPIC = 'dead-letters';

const DEFAULT_TASK_OPTIONS: PipelineTaskOptions = {
  batchSize: 4096,
  checkpointIntervalMs: 5_000,
  flushIntervalMs: 250,
  maxPendingRecords: 50_000,
  tickIntervalMs: 200,
};

/**
 * Embedded mode in one process: the durable log, the store, the ingestors that feed the
 * log, and one task per pipeline reading it. Implements what the HTTP server needs.
 *
 * Lifecycle: `start` opens the log and store, restores each pipeline from its last
 * checkpoint, then starts pipelines before ingestors (so nothing queues unread for long).
 * `stop` reverses it: intake stops first, pipelines drain what was read and checkpoint,
 * then the store and the log close.
 */
export class Platform implements PlatformApi {
  /** The Prometheus registry (PlatformApi); the instruments in it are `instruments`. */
  readonly metrics: Registry;
  private readonly instruments: PlatformMetrics;
  private readonly clock: Clock;
  private readonly updates = new LiveUpdates();
  private readonly latency: LatencyTracker;
  private readonly ingestRate: RateMeter;
  private readonly lastAppend = new Map<string, number>();
  private readonly tasks: PipelineTask[] = [];
  private readonly ingestors: Ingestor[] = [];
  private log: EmbeddedLog | undefined;
  private store: SeriesStore | undefined;
  private alertingState: PlatformAlerting | undefined;
  private sampler: NodeJS.Timeout | undefined;
  private retention: NodeJS.Timeout | undefined;
  private started = 0;
  private isReady = false;

  constructor(private readonly options: PlatformOptions) {
    this.clock = options.clock ?? systemClock;
    const now = () => this.clock.now();
    this.latency = new LatencyTracker(10_000, now);
    this.ingestRate = new RateMeter(5, now);
    this.instruments = new PlatformMetrics((metrics) => this.readGauges(metrics));
    this.metrics = this.instruments.registry;
  }

  async start(): Promise<void> {
    const { options } = this;
    this.started = this.clock.now();
    this.log = await openEmbeddedLog({ ...options.log, dir: join(options.dataDir, 'log') });
    // A torn tail cut after a crash is expected, not a failure: a warning says what was dropped.
    for (const recovered of this.log.recovery) {
      if (options.logger)
        options.logger.warn({ recovered }, 'the embedded log cut a torn tail left by a crash');
      else this.report('log', `recovered after a crash: ${JSON.stringify(recovered)}`);
    }
    this.store = await openSeriesStore(
      options.store.type === 'postgres'
        ? { backend: 'postgres', url: options.store.url, schema: options.store.schema }
        : { backend: 'pglite', dataDir: join(options.dataDir, 'store') },
    );
    const appender = this.countingAppender(this.log);
    if (options.alerts) {
      this.alertingState = await PlatformAlerting.open({
        document: options.alerts,
        store: this.store,
        registry: this.metrics,
        clock: this.clock,
        logger: options.logger,
        publish: (event) => this.updates.publish('alerts', event),
        onError: (error) => this.report('alerts', error),
      });
    }
    const plans = [...options.pipelines, ...PlatformAlerting.patternPlans(options.alerts)];
    for (const plan of plans) this.tasks.push(this.createTask(plan, this.log, this.store, appender));
    for (const task of this.tasks) await task.start();
    this.alertingState?.start();
    for (const [name, spec] of Object.entries(options.sources)) {
      const ingestor = options.createIngestor?.(name, spec, appender, { dataDir: options.dataDir });
      if (ingestor) this.ingestors.push(ingestor);
    }
    for (const ingestor of this.ingestors) await ingestor.start();
    this.sampler = setInterval(() => this.sample(), 1_000);
    if (options.storeRetentionMs) {
      const maxAgeMs = options.storeRetentionMs;
      this.retention = setInterval(() => {
        this.store?.applyRetention({ maxAgeMs }).catch((error) => this.report('store retention', error));
      }, 60_000);
    }
    this.isReady = true;
  }

  /** Graceful shutdown: stop intake, drain and checkpoint every pipeline, close storage. */
  async stop(): Promise<void> {
    this.isReady = false;
    clearInterval(this.sampler);
    clearInterval(this.retention);
    await Promise.all(this.ingestors.map((i) => i.stop().catch((error) => this.report(i.name, error))));
    await Promise.all(this.tasks.map((t) => t.stop().catch((error) => this.report(t.name, error))));
    await this.alertingState?.close().catch((error) => this.report('alerts', error));
    await this.store?.close();
    await this.log?.close();
  }

  // PlatformApi

  ready(): boolean {
    return this.isReady;
  }

  stats(): PlatformStats {
    const pipelines = this.tasks.map((t) => t.describe());
    const now = this.clock.now();
    let activeSources = 0;
    for (const source of Object.keys(this.options.sources)) {
      const last = this.lastAppend.get(source);
      if (last !== undefined && now - last < 10_000) activeSources++;
    }
    return {
      eventsInPerSec: this.ingestRate.perSecond(),
      eventsOutPerSec: pipelines.reduce((sum, p) => sum + p.eventsOutPerSec, 0),
      activeSources,
      latencyMs: { p50: this.latency.quantile(0.5), p99: this.latency.quantile(0.99) },
      deadLettered: pipelines.reduce((sum, p) => sum + p.deadLetters, 0),
      lateEvents: pipelines.reduce((sum, p) => sum + p.lateEvents, 0),
      uptimeSec: Math.round((now - this.started) / 1000),
    };
  }

  pipelines(): PipelineStatus[] {
    return this.tasks.map((t) => t.describe());
  }

  pipeline(name: string): PipelineStatus | undefined {
    return this.task(name)?.describe();
  }

  deadLetters(pipeline: string, limit: number): StoredRecord[] {
    return this.task(pipeline)?.recentDeadLetters.latest(limit) ?? [];
  }

  lateEvents(pipeline: string, limit: number): StoredRecord[] {
    return this.task(pipeline)?.recentLate.latest(limit) ?? [];
  }

  streams(): string[] {
    return Object.keys(this.options.sources);
  }

  async ingest(stream: string, events: readonly IngestEvent[]): Promise<IngestResult> {
    if (!(stream in this.options.sources)) {
      throw new TributaryError(
        'TRB_UNKNOWN_SOURCE',
        `stream "${stream}" is not a configured source; the sources are ${this.streams().join(', ')}`,
      );
    }
    const records: AppendRecord[] = new Array(events.length);
    for (let i = 0; i < events.length; i++) {
      const { value, key } = events[i];
      records[i] =
        key === undefined
          ? { value: Buffer.from(JSON.stringify(value)) }
          : { value: Buffer.from(JSON.stringify(value)), key };
    }
    const { baseOffset, lastOffset } = await this.countingAppender(this.requireLog()).append(stream, records);
    return { accepted: events.length, firstOffset: baseOffset, lastOffset };
  }

  querySeries(name: string, query: SeriesQuery): Promise<SeriesPoint[]> {
    return this.requireStore().query(name, query);
  }

  listSeries(): Promise<SeriesInfo[]> {
    return this.requireStore().listSeries();
  }

  subscribe(channel: string, listener: (update: unknown) => void): () => void {
    return this.updates.subscribe(channel, listener);
  }

  private task(name: string): PipelineTask | undefined {
    return this.tasks.find((t) => t.name === name);
  }

  private createTask(plan: Plan, log: EmbeddedLog, store: SeriesStore, appender: Appender): PipelineTask {
    const sinks = new Map<string, SinkWriter>();
    let task: PipelineTask;
    for (const node of plan.nodes) {
      if (node.kind !== 'sink' || sinks.has(node.sink)) continue;
      if (node.sink === ALERT_SINK && this.alertingState) {
        sinks.set(node.sink, this.alertingState.sink());
        continue;
      }
      const spec: SinkSpec =
        this.options.sinks?.[node.sink] ??
        (node.sink === ALERT_LATE_SINK
          ? { type: 'log', topic: ALERT_LATE_SINK }
          : { type: 'store', series: node.sink });
      sinks.set(
        node.sink,
        this.createSink(node.sink, spec, store, appender, (batch, i, error) =>
          task.deadLetterAt(node.id, batch, i, error),
        ),
      );
    }
    task = new PipelineTask({
      plan,
      log,
      store,
      sinks,
      deadLetterTopic: DEAD_LETTER_TOPIC,
      metrics: this.instruments,
      latency: this.latency,
      clock: this.clock,
      options: { ...DEFAULT_TASK_OPTIONS, ...this.options.pipelineTasks },
      onError: (pipeline, error) => this.report(`pipeline ${pipeline}`, error),
      logger: this.options.logger?.child({ pipeline: plan.name }),
    });
    return task;
  }

  private createSink(
    name: string,
    spec: SinkSpec,
    store: SeriesStore,
    appender: Appender,
    reject: ConstructorParameters<typeof StoreSink>[3],
  ): SinkWriter {
    switch (spec.type) {
      case 'store':
        return new StoreSink(name, spec.series, store, reject, (series, points) =>
          this.publishSeries(series, points),
        );
      case 'log':
        return new LogSink(name, spec.topic, appender);
      case 'console':
        return new ConsoleSink(name);
    }
  }

  private publishSeries(series: string, points: SeriesPoint[]): void {
    this.updates.publish(`series:${series}`, points);
    this.alertingState?.observeSeries(series, points);
  }

  /** The alert engine, when the configuration has an `alerts:` section. */
  alerting(): PlatformAlerting['engine'] | undefined {
    return this.alertingState?.engine;
  }

  /** Counts what is appended, per source, for the ingest rate and active sources. */
  private countingAppender(log: EmbeddedLog): Appender {
    return {
      append: async (topic, records) => {
        const result = await log.append(topic, records);
        if (topic in this.options.sources) {
          this.ingestRate.add(records.length);
          this.lastAppend.set(topic, this.clock.now());
          this.instruments.eventsIngested.inc({ source: topic }, records.length);
        }
        return result;
      },
    };
  }

  private sample(): void {
    for (const task of this.tasks) {
      task.sample();
      if (this.updates.has(`pipeline:${task.name}`))
        this.updates.publish(`pipeline:${task.name}`, task.describe());
    }
    if (this.updates.has('stats')) this.updates.publish('stats', this.stats());
  }

  private readGauges(metrics: PlatformMetrics): void {
    metrics.consumerLag.reset();
    metrics.watermarkLag.reset();
    const now = this.clock.now();
    for (const task of this.tasks) {
      for (const [topic, lag] of task.lag()) metrics.consumerLag.set({ pipeline: task.name, topic }, lag);
      const watermark = task.watermark();
      if (watermark !== null)
        metrics.watermarkLag.set({ pipeline: task.name }, Math.max(0, now - watermark) / 1000);
    }
  }

  private requireLog(): EmbeddedLog {
    if (!this.log)
      throw new TributaryError('TRB_NOT_STARTED', 'the platform is not started; call start() first');
    return this.log;
  }

  private requireStore(): SeriesStore {
    if (!this.store)
      throw new TributaryError('TRB_NOT_STARTED', 'the platform is not started; call start() first');
    return this.store;
  }

  private report(where: string, error: unknown): void {
    if (this.options.onError) this.options.onError(where, error);
    else
      process.stderr.write(
        `tributary: ${where}: ${typeof error === 'string' ? error : describeError(error).message}\n`,
      );
  }
}
