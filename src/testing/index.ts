/**
 * Test your own pipelines without any service: an in-memory source and sink, and a clock
 * that moves only when you say so.
 *
 * @example
 * const t = new PipelineTest(plan, { now: 0 });
 * t.push('clicks', [{ user: 'a', ts: 1_000 }, { user: 'a', ts: 12_000 }]);
 * expect(t.values('clicks-per-user')).toEqual([{ key: 'a', start: 0, end: 10_000, clicks: 1 }]);
 */
import { type Batch, type Position, type StreamRecord, toRecords } from '../engine/batch.js';
import { compile, type Job, type JobSnapshot, type SourceBatch } from '../engine/job/job.js';
import type { JobSnapshotV1 } from '../engine/job/snapshot-upgrade.js';
import type { DeadLetter, JobOutput, LateEvent } from '../engine/operators/operator.js';
import type { Pipeline } from '../engine/plan/builder.js';
import type { Plan } from '../engine/plan/plan.js';
import type { Clock } from '../engine/time/clock.js';
import { type Duration, toMillis } from '../engine/time/duration.js';

/** A clock for tests: it starts where you say and moves only when told. */
export class ManualClock implements Clock {
  constructor(private time = 0) {}

  now(): number {
    return this.time;
  }

  set(time: number): void {
    this.time = time;
  }

  advance(duration: Duration): void {
    this.time += toMillis(duration);
  }
}

/** Keeps everything a job outputs, per sink, plus its dead letters and late records. */
export class MemorySink implements JobOutput {
  readonly outputs = new Map<string, StreamRecord<unknown>[]>();
  readonly deadLetters: DeadLetter[] = [];
  readonly lateEvents: LateEvent[] = [];

  sink(name: string, batch: Batch<unknown>): void {
    let records = this.outputs.get(name);
    if (!records) this.outputs.set(name, (records = []));
    for (const record of toRecords(batch)) records.push(record);
  }

  deadLetter(letter: DeadLetter): void {
    this.deadLetters.push(letter);
  }

  late(event: LateEvent): void {
    this.lateEvents.push(event);
  }

  records<T = unknown>(sink: string): StreamRecord<T>[] {
    return (this.outputs.get(sink) ?? []) as StreamRecord<T>[];
  }

  values<T = unknown>(sink: string): T[] {
    return this.records<T>(sink).map((r) => r.value);
  }

  clear(): void {
    this.outputs.clear();
    this.deadLetters.length = 0;
    this.lateEvents.length = 0;
  }
}

/** A finite list of records that feeds a job in batches of a chosen size. */
export class MemorySource<T> {
  constructor(
    readonly name: string,
    private readonly records: readonly { value: T; timestamp: number }[],
  ) {}

  /** The records, cut into source batches of `size` (the last may be shorter). */
  batches(size: number): SourceBatch<T>[] {
    const out: SourceBatch<T>[] = [];
    for (let i = 0; i < this.records.length; i += size) {
      const slice = this.records.slice(i, i + size);
      out.push({
        values: slice.map((r) => r.value),
        timestamps: slice.map((r) => r.timestamp),
        positions: slice.map((_, j) => ({ offset: i + j })),
      });
    }
    return out;
  }

  /** Pushes every record into `job`, `batchSize` at a time. */
  drainInto(job: Job, output: JobOutput, batchSize = 1_000): void {
    for (const batch of this.batches(batchSize)) job.push(this.name, batch, output);
  }
}

/** A compiled pipeline wired to a manual clock and a memory sink. */
export class PipelineTest {
  readonly clock: ManualClock;
  readonly output = new MemorySink();
  readonly plan: Plan;
  job: Job;

  constructor(plan: Plan | Pipeline, options: { now?: number } = {}) {
    this.plan = 'nodes' in plan ? plan : plan.build();
    this.clock = new ManualClock(options.now ?? 0);
    this.job = compile(this.plan, { clock: this.clock });
  }

  /**
   * Pushes values as one batch; without `timestamps` they carry the clock's time. With
   * `positions` (`{ topic, partition, offset }`, say, one per value), dead letters and late
   * records say where they came from.
   */
  push<T>(
    source: string,
    values: T[],
    options: { timestamps?: number[]; split?: string; positions?: (Position | undefined)[] } = {},
  ): this {
    const { timestamps, split, positions } = options;
    this.job.push(source, { values, timestamps, split, positions }, this.output);
    return this;
  }

  /**
   * Declares the splits (partitions) `source` reads, as a runtime does when it is assigned
   * partitions: each holds the watermark back from now on, even before it sends anything.
   */
  assign(source: string, splits: readonly string[]): this {
    this.job.assign(source, splits);
    return this;
  }

  /** Pushes `{ value, timestamp, position? }` records as one batch. */
  pushRecords<T>(
    source: string,
    records: { value: T; timestamp: number; position?: Position }[],
    options: { split?: string } = {},
  ): this {
    return this.push(
      source,
      records.map((r) => r.value),
      {
        timestamps: records.map((r) => r.timestamp),
        split: options.split,
        positions: records.some((r) => r.position) ? records.map((r) => r.position) : undefined,
      },
    );
  }

  /**
   * Ends the input, as a bounded source does: every event-time window, session and timer
   * fires (see `Job.endOfInput`); pushing afterwards is an error.
   */
  endOfInput(): this {
    this.job.endOfInput(this.output);
    return this;
  }

  /** Moves processing time forward and lets it act (processing-time windows, timers, idleness). */
  advance(duration: Duration): this {
    this.clock.advance(duration);
    this.job.tick(this.output);
    return this;
  }

  values<T = unknown>(sink: string): T[] {
    return this.output.values<T>(sink);
  }

  records<T = unknown>(sink: string): StreamRecord<T>[] {
    return this.output.records<T>(sink);
  }

  get deadLetters(): DeadLetter[] {
    return this.output.deadLetters;
  }

  get lateEvents(): LateEvent[] {
    return this.output.lateEvents;
  }

  snapshot(): JobSnapshot {
    // A round trip through JSON proves the checkpoint is serializable as it would be stored.
    return JSON.parse(JSON.stringify(this.job.snapshot()));
  }

  /**
   * Replaces the job with a fresh one restored from `snapshot`, as after a restart (one of
   * an older format is upgraded).
   */
  restore(snapshot: JobSnapshot | JobSnapshotV1): this {
    this.job = compile(this.plan, { clock: this.clock });
    this.job.restore(snapshot);
    return this;
  }
}
