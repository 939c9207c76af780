import type { EmbeddedLog } from '../connectors/log/embedded-log.js';
import type { LogRecord } from '../connectors/log/record-format.js';
import type { Batch, Key, Position } from '../engine/batch.js';
import { describeError, TributaryError } from '../engine/errors.js';
import { compile, type Job, type JobSnapshot, type NodeStats } from '../engine/job/job.js';
import type { DeadLetter, JobOutput, LateEvent } from '../engine/operators/operator.js';
import type { Plan } from '../engine/plan/plan.js';
import type { Clock } from '../engine/time/clock.js';
import { type Logger, LogThrottle } from '../observability/logger.js';
import type { OperatorStatus, PipelineStatus } from '../server/platform-api.js';
import type { SeriesStore } from '../store/series-store.js';
import type { SeriesUpsert } from '../store/types.js';
import type { LatencyTracker } from './latency-tracker.js';
import type { PlatformMetrics } from './metrics.js';
import { RateMeter } from './rate-meter.js';
import { RecentRecords } from './recent-records.js';
import type { SinkWriter } from './sinks.js';

export interface PipelineTaskOptions {
  /** Records read from a topic per batch. */
  readonly batchSize: number;
  readonly checkpointIntervalMs: number;
  /** Sinks are flushed at least this often, for low result latency between checkpoints. */
  readonly flushIntervalMs: number;
  /** Buffered sink records past which the pipeline stops reading until they are written. */
  readonly maxPendingRecords: number;
  /** How often processing time acts (processing-time windows, idleness) when no data comes. */
  readonly tickIntervalMs: number;
}

export interface PipelineTaskDeps {
  readonly plan: Plan;
  readonly log: EmbeddedLog;
  readonly store: SeriesStore;
  /** Writers for the plan's sinks, by sink name. */
  readonly sinks: ReadonlyMap<string, SinkWriter>;
  /** Where dead letters are appended, as JSON. */
  readonly deadLetterTopic: string;
  readonly metrics: PlatformMetrics;
  readonly latency: LatencyTracker;
  readonly clock: Clock;
  readonly options: PipelineTaskOptions;
  readonly onError: (pipeline: string, error: unknown) => void;
  /** Logs dead letters (throttled per operator) and the restore; already bound to the pipeline. */
  readonly logger?: Logger;
}

/** What a pipeline's checkpoint holds: operator state and the offsets it corresponds to. */
interface PipelineCheckpoint {
  readonly job: JobSnapshot;
  readonly offsets: Record<string, number>;
  readonly at: number;
}

/**
 * Runs one pipeline: reads its source topics from the embedded log in batches, pushes them
 * through the engine, buffers outputs in sinks, and checkpoints.
 *
 * Checkpoint order (the one place it is written down): flush the sinks that are not the
 * store (log topics, dead letters) → commit the store sinks' buffered results together with
 * the checkpoint (operator state + the offsets after the last batch) in one store
 * transaction → nothing else to commit, since the offsets live in the checkpoint. On
 * restart the job restores that state and reads on from those offsets: results replayed
 * since are upserted by window again with the same values, so the store ends exactly as
 * after an uninterrupted run (at least once for log sinks and dead letters).
 */
export class PipelineTask implements JobOutput {
  readonly name: string;
  private job: Job;
  private readonly offsets = new Map<string, number>();
  private status: PipelineStatus['status'] = 'starting';
  private error: string | undefined;
  private stopping = false;
  /** Aborted by `stop`: ends waits and back-offs at once. */
  private readonly stopped = new AbortController();
  private running: Promise<void> | undefined;
  private lastCheckpoint: { at: number; durationMs: number } | null = null;
  private lastFlush = 0;
  private lastTick = 0;
  private readonly deadLetterBuffer: { value: Buffer }[] = [];
  readonly recentDeadLetters = new RecentRecords(500);
  readonly recentLate = new RecentRecords(500);
  private readonly inRate: RateMeter;
  private readonly outRate: RateMeter;
  private readonly operatorRates = new Map<string, { meter: RateMeter; seen: number }>();
  private deadLetterCount = 0;
  private readonly throttle = new LogThrottle();
  private lateCount = 0;

  constructor(private readonly deps: PipelineTaskDeps) {
    this.name = deps.plan.name;
    this.job = compile(deps.plan, { clock: deps.clock });
    for (const source of this.job.sourceNames) this.offsets.set(source, 0);
    const now = () => deps.clock.now();
    this.inRate = new RateMeter(5, now);
    this.outRate = new RateMeter(5, now);
  }

  /** Restores the last checkpoint, if any, and starts reading. */
  async start(): Promise<void> {
    const saved = (await this.deps.store.loadCheckpoint(this.name)) as PipelineCheckpoint | undefined;
    if (saved) {
      this.job.restore(saved.job);
      for (const [topic, offset] of Object.entries(saved.offsets)) {
        if (this.offsets.has(topic)) this.offsets.set(topic, offset);
      }
      this.lastCheckpoint = { at: saved.at, durationMs: 0 };
      this.deps.logger?.info(
        { offsets: saved.offsets, checkpointAt: new Date(saved.at).toISOString() },
        'restored from checkpoint',
      );
    }
    const now = this.deps.clock.now();
    this.lastFlush = now;
    this.lastTick = now;
    this.status = 'running';
    this.running = this.loop();
  }

  /** Stops reading, finishes the batch in hand, writes the sinks and a last checkpoint. */
  async stop(): Promise<void> {
    if (this.stopping) return this.running;
    this.stopping = true;
    if (this.status === 'running') this.status = 'stopping';
    this.stopped.abort();
    await this.running;
    if (this.status !== 'failed') {
      await this.checkpoint();
      this.status = 'stopped';
    }
  }

  // JobOutput: where the engine delivers, synchronously, during a push.

  sink(name: string, batch: Batch<unknown>): void {
    const sink = this.deps.sinks.get(name)!;
    sink.write(batch);
    this.outRate.add(batch.values.length);
    this.deps.metrics.recordsOut.inc({ pipeline: this.name, sink: name }, batch.values.length);
  }

  deadLetter(letter: DeadLetter): void {
    this.deadLetterCount++;
    this.deps.metrics.deadLetters.inc({ pipeline: this.name, operator: letter.operator });
    this.recentDeadLetters.add({
      at: this.deps.clock.now(),
      operator: letter.operator,
      value: letter.value,
      timestamp: letter.timestamp,
      key: letter.key,
      error: letter.error,
      position: letter.position,
    });
    this.deadLetterBuffer.push({ value: Buffer.from(JSON.stringify(letter)) });
    const logger = this.deps.logger;
    const suppressed = logger ? this.throttle.admit(letter.operator) : undefined;
    if (logger && suppressed !== undefined) {
      logger.warn(
        {
          operator: letter.operator,
          position: letter.position,
          error: letter.error,
          suppressedSinceLast: suppressed,
        },
        `dead letter: ${letter.error.message}`,
      );
    }
  }

  /** A record a sink refused (a store sink given something that is not a window result). */
  deadLetterAt(operator: string, batch: Batch<unknown>, index: number, error: unknown): void {
    const letter: { -readonly [K in keyof DeadLetter]: DeadLetter[K] } = {
      pipeline: this.name,
      operator,
      error: describeError(error),
      value: batch.values[index],
      timestamp: batch.timestamps[index],
    };
    if (batch.keys) letter.key = batch.keys[index];
    this.deadLetter(letter);
  }

  late(event: LateEvent): void {
    this.lateCount++;
    this.deps.metrics.lateEvents.inc({ pipeline: this.name });
    this.recentLate.add({
      at: this.deps.clock.now(),
      operator: event.operator,
      value: event.value,
      timestamp: event.timestamp,
      key: event.key,
      position: event.position,
    });
  }

  /** Called once a second: turns counters into rates. */
  sample(): void {
    for (const node of this.job.stats()) {
      let rate = this.operatorRates.get(node.id);
      if (!rate)
        this.operatorRates.set(
          node.id,
          (rate = { meter: new RateMeter(5, () => this.deps.clock.now()), seen: 0 }),
        );
      rate.meter.add(node.recordsOut - rate.seen);
      rate.seen = node.recordsOut;
    }
  }

  lag(): Map<string, number> {
    const lag = new Map<string, number>();
    for (const [topic, offset] of this.offsets) {
      lag.set(
        topic,
        Math.max(0, this.deps.log.endOffset(topic) - Math.max(offset, this.deps.log.startOffset(topic))),
      );
    }
    return lag;
  }

  /** The slowest watermark among the sinks' inputs: how far event time has progressed to the outputs. */
  watermark(): number | null {
    const stats = this.job.stats();
    const sinks = stats.filter((n) => n.kind === 'sink' && Number.isFinite(n.watermark));
    if (sinks.length === 0) return null;
    return Math.min(...sinks.map((n) => n.watermark));
  }

  describe(): PipelineStatus {
    const watermark = this.watermark();
    const stats = this.job.stats();
    const plan = this.deps.plan;
    const inputsOf = new Map(plan.nodes.map((n) => [n.id, n.inputs.map((i) => i.node)]));
    let lag = 0;
    for (const value of this.lag().values()) lag += value;
    return {
      name: this.name,
      status: this.status,
      error: this.error,
      sources: this.job.sourceNames,
      sinks: [...this.deps.sinks.keys()],
      eventsInPerSec: this.inRate.perSecond(),
      eventsOutPerSec: this.outRate.perSecond(),
      recordsIn: this.inRate.count,
      recordsOut: this.outRate.count,
      deadLetters: this.deadLetterCount,
      lateEvents: this.lateCount,
      lag,
      watermark,
      watermarkLagMs: watermark === null ? null : Math.max(0, this.deps.clock.now() - watermark),
      lastCheckpoint: this.lastCheckpoint,
      operators: stats.map(
        (node: NodeStats): OperatorStatus => ({
          id: node.id,
          kind: node.kind,
          inputs: inputsOf.get(node.id) ?? [],
          recordsIn: node.recordsIn,
          recordsOut: node.recordsOut,
          recordsOutPerSec: this.operatorRates.get(node.id)?.meter.perSecond() ?? 0,
          deadLetters: node.deadLetters,
          late: node.late,
          watermark: Number.isFinite(node.watermark) ? node.watermark : null,
        }),
      ),
    };
  }

  private async loop(): Promise<void> {
    const { options, clock } = this.deps;
    let failures = 0;
    while (!this.stopping) {
      try {
        let read = 0;
        for (const topic of this.offsets.keys()) read += await this.readBatch(topic);
        const now = clock.now();
        if (now - this.lastTick >= options.tickIntervalMs) {
          this.lastTick = now;
          this.job.tick(this);
        }
        if (
          this.pendingRecords() >= options.maxPendingRecords ||
          now - this.lastFlush >= options.flushIntervalMs
        ) {
          await this.flushSinks();
        }
        if (now - (this.lastCheckpoint?.at ?? 0) >= options.checkpointIntervalMs) await this.checkpoint();
        failures = 0;
        this.error = undefined;
        if (read === 0) await this.waitForData();
      } catch (error) {
        if (error instanceof TributaryError && error.domain !== 'external') {
          this.fail(error);
          return;
        }
        // A store or disk failure: keep what is buffered, back off, try again.
        failures++;
        this.error = describeError(error).message;
        this.deps.onError(this.name, error);
        await this.sleep(Math.min(30_000, 250 * 2 ** Math.min(failures, 7)), this.stopped.signal);
      }
    }
  }

  private fail(error: unknown): void {
    this.status = 'failed';
    this.error = describeError(error).message;
    this.deps.onError(this.name, error);
  }

  private async readBatch(topic: string): Promise<number> {
    const from = this.offsets.get(topic)!;
    const { records, nextOffset } = await this.deps.log.read(topic, from, {
      maxRecords: this.deps.options.batchSize,
    });
    if (records.length === 0) return 0;
    const batch = this.decode(topic, records);
    this.job.push(topic, batch, this);
    this.offsets.set(topic, nextOffset);
    this.inRate.add(records.length);
    this.deps.metrics.recordsIn.inc({ pipeline: this.name }, records.length);
    // Latency of the batch: from its oldest record's append until its outputs reached the sinks.
    const latencyMs = Math.max(0, this.deps.clock.now() - records[0].timestamp);
    this.deps.latency.record(latencyMs);
    this.deps.metrics.processingLatency.observe({ pipeline: this.name }, latencyMs / 1000);
    return records.length;
  }

  /** JSON values with their append time and position; a record that is not JSON becomes a dead letter. */
  private decode(topic: string, records: LogRecord[]) {
    const values: unknown[] = [];
    const timestamps: number[] = [];
    const positions: Position[] = [];
    for (const record of records) {
      const position = { topic, offset: record.offset };
      let value: unknown;
      try {
        value = JSON.parse(record.value.toString('utf8'));
      } catch (error) {
        this.deadLetter({
          pipeline: this.name,
          operator: `decode:${topic}`,
          error: describeError(
            new TributaryError('TRB_BAD_RECORD', `decode: not JSON (${describeError(error).message})`),
          ),
          value: record.value.toString('utf8'),
          timestamp: record.timestamp,
          key: record.key as Key | undefined,
          position,
        });
        continue;
      }
      values.push(value);
      timestamps.push(record.timestamp);
      positions.push(position);
    }
    return { values, timestamps, positions };
  }

  private pendingRecords(): number {
    let pending = this.deadLetterBuffer.length;
    for (const sink of this.deps.sinks.values()) pending += sink.pending;
    return pending;
  }

  private async flushSinks(): Promise<void> {
    this.lastFlush = this.deps.clock.now();
    await this.flushDeadLetters();
    for (const sink of this.deps.sinks.values()) await sink.flush();
  }

  private async flushDeadLetters(): Promise<void> {
    if (this.deadLetterBuffer.length === 0) return;
    const letters = this.deadLetterBuffer.splice(0);
    try {
      await this.deps.log.append(this.deps.deadLetterTopic, letters);
    } catch (error) {
      this.deadLetterBuffer.unshift(...letters);
      throw error;
    }
  }

  private async checkpoint(): Promise<void> {
    const started = this.deps.clock.now();
    await this.flushDeadLetters();
    const upserts: SeriesUpsert[] = [];
    const stores: [SinkWriter, SeriesUpsert][] = [];
    for (const sink of this.deps.sinks.values()) {
      const upsert = sink.takeUpserts?.();
      if (upsert) {
        upserts.push(upsert);
        stores.push([sink, upsert]);
      } else {
        await sink.flush();
      }
    }
    const checkpoint: PipelineCheckpoint = {
      job: this.job.snapshot(),
      offsets: Object.fromEntries(this.offsets),
      at: started,
    };
    try {
      await this.deps.store.commit({ upserts, checkpoints: { [this.name]: checkpoint } });
    } catch (error) {
      // Nothing was committed: give the results back to their sinks for the next attempt.
      for (const [sink, upsert] of stores) sink.restore?.(upsert);
      throw error;
    }
    for (const [sink, upsert] of stores) sink.committed?.(upsert);
    const durationMs = this.deps.clock.now() - started;
    this.lastCheckpoint = { at: started, durationMs };
    this.lastFlush = this.deps.clock.now();
    this.deps.metrics.checkpointDuration.observe({ pipeline: this.name }, durationMs / 1000);
  }

  private async waitForData(): Promise<void> {
    const done = new AbortController();
    const signal = AbortSignal.any([done.signal, this.stopped.signal]);
    const waits = [...this.offsets].map(([topic, offset]) =>
      this.deps.log.waitForData(topic, offset, signal).catch(() => undefined),
    );
    await Promise.race([...waits, this.sleep(this.deps.options.tickIntervalMs, signal)]);
    done.abort(); // release the waits that did not win
  }

  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const timer = setTimeout(resolve, ms);
      signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });
  }
}
