import { randomUUID } from 'node:crypto';
import { sleep } from '../../abortable.js';
import type { DeadLetterRecord } from '../../connectors/dead-letter.js';
import { createSink } from '../../connectors/registry.js';
import type { Sink } from '../../connectors/sink.js';
import type { RecordBatch } from '../../connectors/source.js';
import { partitionId, type Source } from '../../connectors/source.js';
import type { Batch } from '../../engine/batch.js';
import { compile, type Job } from '../../engine/job/job.js';
import type { DeadLetter, JobOutput, LateEvent } from '../../engine/operators/operator.js';
import type { Plan } from '../../engine/plan/plan.js';
import { keyGroupCount } from '../../engine/state/key-groups.js';
import type { Clock } from '../../engine/time/clock.js';
import { describeError, TributaryError } from '../../errors.js';
import { type Format, formatNamed } from '../../formats/index.js';
import { type Logger, LogThrottle } from '../../observability/logger.js';
import { CheckpointCoordinator, type CheckpointStep } from '../checkpoint/coordinator.js';
import { GroupedState } from '../checkpoint/grouped-state.js';
import type { TaskHost } from '../host/task-host.js';
import { DeadLetterSink, deadLetterWriter } from './dead-letter-sink.js';
import { decodeBatch } from './decode.js';
import { restoreTask } from './restore-task.js';
import { SinkWrites } from './sink-writes.js';
import { ownedGroups, type TaskMeta } from './task-meta.js';
import type { TaskReport, TaskStatus } from './task-report.js';
import { openSource } from './task-source.js';
import { type TaskSpec, taskPartition } from './task-spec.js';
import { TaskTally } from './task-tally.js';

export interface PipelineTaskDeps {
  readonly spec: TaskSpec;
  readonly plan: Plan;
  readonly host: TaskHost;
  readonly clock: Clock;
  readonly logger?: Logger;
  /** Hears of each checkpoint step as it completes (the crash tests stop a task there). */
  readonly onCheckpointStep?: (step: CheckpointStep, id: number) => void;
  /** Hears that the task stopped because another run claimed it (`TRB_CHECKPOINT_FENCED`). */
  readonly onFenced?: () => void;
}

interface TaskSource {
  readonly name: string;
  readonly source: Source;
  readonly format: Format;
}

/**
 * One task of a pipeline, on whatever thread it was given: reads its partitions from its
 * sources, decodes them, pushes them through the engine, hands the outputs to the sinks,
 * and checkpoints through the coordinator. Restores from its last checkpoint on start;
 * drains and checkpoints on stop.
 */
export class PipelineTask implements JobOutput {
  readonly pipeline: string;
  readonly task: string;
  private job!: Job;
  private readonly sources: TaskSource[] = [];
  /** Per source, a batch read whose format could not be prepared yet (its schemas unfetched). */
  private readonly held = new Map<string, RecordBatch>();
  private readonly sinks = new Map<string, Sink>();
  private readonly deadLetters: DeadLetterSink;
  private coordinator: CheckpointCoordinator | undefined;
  private status: TaskStatus = 'starting';
  private error: string | undefined;
  private stopping = false;
  /** Aborted by `stop`: ends waits and back-offs at once. */
  private readonly stopped = new AbortController();
  private running: Promise<void> | undefined;
  /** The start under way or done: a stop that comes during it waits for it. */
  private starting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private lastCheckpoint: TaskReport['lastCheckpoint'] = null;
  private recovery: TaskReport['recovery'] = null;
  private lastCheckpointAt = 0;
  /** Dead letters first, then the sinks in plan order. */
  private readonly writes = new SinkWrites(
    () => [this.deadLetters, ...this.sinks.values()],
    () => this.deps.clock.now(),
  );
  private lastTick = 0;
  private lastReport = 0;
  private readonly tally = new TaskTally();
  /** This run of the task: its claim on the task's checkpoints. */
  private readonly owner = randomUUID();
  /** Per operator: a line for its first dead letter, then at most one a minute saying how many more. */
  private readonly deadLetterLog: LogThrottle;

  constructor(private readonly deps: PipelineTaskDeps) {
    this.pipeline = deps.spec.pipeline;
    this.task = deps.spec.task;
    this.deadLetters = new DeadLetterSink(
      deadLetterWriter(deps.host.log, deps.spec.deadLetters, `${this.pipeline}.${this.task}`),
    );
    this.deadLetterLog = new LogThrottle(60_000, () => deps.clock.now());
  }

  /** Restores the task's last checkpoint, assigns its partitions from there, and starts reading. */
  start(): Promise<void> {
    this.starting ??= this.open();
    return this.starting;
  }

  private async open(): Promise<void> {
    const { spec, host, plan } = this.deps;
    const partition = taskPartition(spec);
    let partitionCount = 0;
    const assigned: { source: TaskSource; partitions: number[] }[] = [];
    const sourceNames = plan.nodes.flatMap((node) => (node.kind === 'source' ? [node.source] : []));
    for (const name of sourceNames) {
      const source = spec.sources[name];
      if (!source) throw this.planError(`reads source "${name}", which the task was not given`);
      const taskSource = {
        name,
        source: await openSource(name, source, host, `${this.pipeline}.${this.task}`, this.deps.logger),
        format: formatNamed(source.format, source.registry ? { registry: source.registry } : {}),
      };
      this.sources.push(taskSource);
      const count = (await taskSource.source.partitions()).length;
      if (partition !== undefined && partitionCount !== 0 && count !== partitionCount) {
        throw this.planError(
          `runs one task per partition, so its topics must have as many partitions each; "${source.topic}" has ${count}, another ${partitionCount}`,
        );
      }
      partitionCount = Math.max(partitionCount, count);
      const partitions = partition === undefined ? range(count) : partition < count ? [partition] : [];
      assigned.push({ source: taskSource, partitions });
    }
    this.job = compile(plan, {
      clock: this.deps.clock,
      ...(partition === undefined ? {} : { partition: { partition, partitions: partitionCount } }),
    });
    const keyGroups = keyGroupCount(partitionCount);
    const owned = ownedGroups(keyGroups, partitionCount, partition);
    const state = new GroupedState(this.job, keyGroups, owned);
    const { positions, lastCheckpoint, lastId, commitments } = await restoreTask({
      host,
      plan,
      job: this.job,
      state,
      task: this.task,
      partition,
      partitionCount,
      keyGroups,
      owned,
      owner: this.owner,
      progress: (restored) => this.restoring(restored, owned.length),
      ...(this.deps.logger ? { logger: this.deps.logger } : {}),
    });
    this.recovery = null;
    this.lastCheckpoint = lastCheckpoint;
    const resume = new Map(positions.map((p) => [partitionId(p), p.offset]));
    for (const { source, partitions } of assigned) {
      const topic = source.source.topics[0];
      source.source.assign(
        partitions.map((p) => {
          const offset = resume.get(partitionId({ topic, partition: p }));
          return offset === undefined ? { topic, partition: p } : { topic, partition: p, offset };
        }),
      );
      this.job.assign(source.name, partitions.map(String));
      // Learn where the partitions end, so that the first report's lag is already true.
      await source.source.waitForRecords(0);
    }
    for (const node of plan.nodes) {
      if (node.kind !== 'sink' || this.sinks.has(node.sink)) continue;
      const sinkSpec = spec.sinks[node.sink];
      if (!sinkSpec) throw this.planError(`writes sink "${node.sink}", which the task was not given`);
      this.sinks.set(
        node.sink,
        await createSink(node.sink, sinkSpec, {
          pipeline: this.pipeline,
          task: this.task,
          ...(this.deps.logger ? { logger: this.deps.logger } : {}),
          log: host.log,
          writeSeries: (writes) => host.writeSeries(writes),
          observe: (observations) => host.observe(observations),
          reject: (sink, batch, index, error) => this.rejected(sink, batch, index, error),
        }),
      );
    }
    // Output the checkpoint prepared and may not have committed before the task stopped.
    for (const [name, commitment] of Object.entries(commitments))
      await this.sinks.get(name)?.recover?.(commitment);
    for (const sink of this.sinks.values()) await sink.open?.();
    this.coordinator = new CheckpointCoordinator({
      pipeline: this.pipeline,
      task: this.task,
      sinks: [this.deadLetters, ...this.sinks.values()],
      sources: this.sources.map((s) => s.source),
      state,
      meta: (): TaskMeta => ({
        format: 2,
        pipeline: plan.name,
        keyGroups,
        partitions: partitionCount,
        job: this.job.saveMeta(),
      }),
      storage: { write: (write) => host.writeCheckpoint({ ...write, owner: this.owner }) },
      now: () => this.deps.clock.now(),
      lastId,
      onStep: this.deps.onCheckpointStep,
    });
    const now = this.deps.clock.now();
    this.writes.lastAt = now;
    this.lastTick = now;
    this.lastCheckpointAt = now;
    this.status = 'running';
    // A stop that came during the start ends the loop before its first read.
    this.running = this.loop();
  }

  /**
   * Stops reading, writes what the sinks hold and a last checkpoint. A stop during the start
   * (a partition moved away while its state was being restored) waits for the start first.
   */
  stop(): Promise<void> {
    this.closing ??= this.close();
    return this.closing;
  }

  private async close(): Promise<void> {
    this.stopping = true;
    this.stopped.abort();
    // A start that failed has said so to its caller; only what it opened is left to close.
    const started = await this.starting?.then(
      () => true,
      () => false,
    );
    if (this.status === 'running') this.status = 'stopping';
    await this.running;
    if (this.status !== 'failed' && this.coordinator) {
      // With a batch held, its source has read past records the engine never got: a
      // checkpoint now would skip them, so the next run starts from the one before.
      if (this.held.size === 0) await this.checkpoint();
      else
        this.deps.logger?.warn(
          { sources: [...this.held.keys()] },
          'the task stops without a last checkpoint: a batch waits for its schemas; the next run reads it again',
        );
      this.status = 'stopped';
    }
    for (const sink of this.sinks.values()) await sink.close().catch(() => {});
    await this.deadLetters.close().catch(() => {});
    for (const { source } of this.sources) await source.close().catch(() => {});
    if (started) this.report();
  }

  // JobOutput: where the engine delivers, synchronously, during a push.

  sink(name: string, batch: Batch<unknown>): void {
    this.sinks.get(name)!.write(batch);
    this.tally.wrote(name, batch.values.length);
  }

  deadLetter(letter: DeadLetter): void {
    this.addDeadLetter({ at: this.deps.clock.now(), stage: 'process', ...letter });
  }

  late(event: LateEvent): void {
    this.tally.late(event);
  }

  private rejected(sink: string, batch: Batch<unknown>, index: number, error: unknown): void {
    const key = batch.keys?.[index];
    const position = batch.positions?.[index];
    this.addDeadLetter({
      at: this.deps.clock.now(),
      stage: 'sink',
      pipeline: this.pipeline,
      operator: sink,
      error: describeError(error),
      value: batch.values[index],
      timestamp: batch.timestamps[index],
      ...(key === undefined ? {} : { key }),
      ...(position === undefined ? {} : { position }),
    });
  }

  private addDeadLetter(letter: DeadLetterRecord): void {
    const operator = letter.operator ?? letter.stage;
    this.tally.deadLettered(operator, letter);
    this.deadLetters.add(letter);
    const more = this.deadLetterLog.admit(operator);
    if (more !== undefined)
      this.deps.logger?.warn(
        { operator, error: letter.error, ...(more > 0 && { moreSinceLastLine: more }) },
        `a record was dead-lettered at ${operator}${more > 0 ? ` (and ${more} more since the last such line)` : ''}: ${letter.error.message}`,
      );
  }

  private async loop(): Promise<void> {
    const { options } = this.deps.spec;
    const { clock } = this.deps;
    let failures = 0;
    while (!this.stopping) {
      try {
        const read = await this.readOnce();
        const now = clock.now();
        if (now - this.lastTick >= options.tickIntervalMs) {
          this.lastTick = now;
          this.job.tick(this);
        }
        if (this.writes.pending >= options.maxPendingRecords) {
          // Full: write (after the write under way) before reading more.
          await this.writes.start();
        } else if (now - this.writes.lastAt >= options.flushIntervalMs && this.writes.idle) {
          // On time: write while the next batch is processed. What a failed write held is back
          // in its sink for the next one; the checkpoint's flush reports a failure that stays.
          this.writes.start().catch((error: unknown) => {
            this.error = describeError(error).message;
          });
        }
        if (now - this.lastCheckpointAt >= options.checkpointIntervalMs) await this.checkpoint();
        if (now - this.lastReport >= options.reportIntervalMs) this.report();
        failures = 0;
        this.error = undefined;
        if (read === 0) await this.waitForRecords();
      } catch (error) {
        // Fenced: another run owns the task now, and retrying can only be refused again.
        if (error instanceof TributaryError && (error.domain !== 'external' || FENCED.has(error.code))) {
          this.fail(error);
          if (FENCED.has(error.code)) this.deps.onFenced?.();
          return;
        }
        // A disk or database failure: keep what is buffered, back off, try again.
        failures++;
        this.error = describeError(error).message;
        this.deps.logger?.error(
          { error: describeError(error), failures },
          'the task failed a step; retrying',
        );
        this.report();
        // At most 5 s apart (as a Kafka client reconnects within a second or so): an outage of a
        // broker or the database ends for the task within seconds of its end.
        await sleep(Math.min(5_000, 250 * 2 ** Math.min(failures, 5)), this.stopped.signal);
      }
    }
  }

  /** A batch from each source that has one ready; the number of records read. */
  private async readOnce(): Promise<number> {
    let read = 0;
    const { batchSize } = this.deps.spec.options;
    for (const { name, source, format } of this.sources) {
      const batch = this.held.get(name) ?? (await source.read(batchSize));
      if (!batch) continue;
      if (format.prepare) {
        // Held until its schemas are fetched: a registry outage retries it, never skips it.
        this.held.set(name, batch);
        await format.prepare(batch);
        this.held.delete(name);
      }
      const now = this.deps.clock.now();
      const decoded = decodeBatch(batch, format, { pipeline: this.pipeline, source: name, now }, (letter) =>
        this.addDeadLetter(letter),
      );
      this.job.push(name, decoded, this);
      read += batch.count;
      // Latency: from the batch's oldest record's append until its outputs reached the sinks.
      this.tally.read(batch.count, Math.max(0, this.deps.clock.now() - batch.timestamps[0]));
    }
    return read;
  }

  private async checkpoint(): Promise<void> {
    // The coordinator flushes the sinks itself, after any write still under way.
    await this.writes.settled();
    const summary = await this.coordinator!.checkpoint();
    this.lastCheckpointAt = summary.at;
    this.writes.lastAt = this.deps.clock.now();
    this.lastCheckpoint = { at: summary.at, durationMs: summary.durationMs, stateBytes: summary.stateBytes };
  }

  private async waitForRecords(): Promise<void> {
    const timeout = this.deps.spec.options.tickIntervalMs;
    const done = new AbortController();
    const signal = AbortSignal.any([done.signal, this.stopped.signal]);
    await Promise.race(this.sources.map(({ source }) => source.waitForRecords(timeout, signal)));
    done.abort(); // release the waits that did not win
  }

  /** Shows a restore's progress: reported at once when it begins, then once a report interval. */
  private restoring(restored: number, keyGroups: number): void {
    const first = this.recovery === null;
    this.status = 'restoring';
    this.recovery = { keyGroups, restored };
    if (first || this.deps.clock.now() - this.lastReport >= this.deps.spec.options.reportIntervalMs)
      this.report();
  }

  private fail(error: unknown): void {
    this.status = 'failed';
    this.error = describeError(error).message;
    this.deps.logger?.error({ error: describeError(error) }, `the task stopped: ${this.error}`);
    this.report();
  }

  private report(): void {
    this.lastReport = this.deps.clock.now();
    const watermarks = this.job
      .stats()
      .filter((node) => node.kind === 'sink' && Number.isFinite(node.watermark))
      .map((node) => node.watermark);
    this.deps.host.report({
      pipeline: this.pipeline,
      task: this.task,
      status: this.status,
      ...(this.error === undefined ? {} : { error: this.error }),
      ...this.tally.take(),
      operators: this.job.stats(),
      watermark: watermarks.length === 0 ? null : Math.min(...watermarks),
      lag: this.sources.flatMap(({ source }) => source.lag()),
      lastCheckpoint: this.lastCheckpoint,
      recovery: this.recovery,
    });
  }

  private planError(problem: string): TributaryError {
    return new TributaryError('TRB_INVALID_PLAN', `pipeline "${this.pipeline}" ${problem}`);
  }
}

const FENCED = new Set(['TRB_CHECKPOINT_FENCED', 'TRB_KAFKA_FENCED']);

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
