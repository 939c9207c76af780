import type { DeadLetterRecord } from '../../connectors/dead-letter.js';
import type {
  OperatorStatus,
  PipelineStatus,
  PipelineTaskStatus,
  StoredRecord,
} from '../../contract/index.js';
import type { LateEvent } from '../../engine/operators/operator.js';
import type { Plan } from '../../engine/plan/plan.js';
import { RateMeter } from '../rate-meter.js';
import { RecentRecords } from '../recent-records.js';
import type { TaskReport, TaskStatus } from '../task/task-report.js';

/** Worst first: a pipeline shows the worst state among its tasks. */
const SEVERITY: readonly TaskStatus[] = ['failed', 'restoring', 'starting', 'stopping', 'running', 'stopped'];

/** Growth of a counter between two reports of a task (a restarted task starts again from 0). */
const growth = (now: number, before: number | undefined): number =>
  before === undefined || now < before ? now : now - before;

/**
 * A pipeline's progress as its tasks report it, wherever they run: counters summed over
 * tasks, rates from their growth, the slowest watermark, lag summed, the oldest checkpoint.
 * Reports are the only input, so the numbers are the same whether tasks run on the main
 * thread or on worker threads.
 */
export class PipelineProgress {
  private readonly reports = new Map<string, TaskReport>();
  private readonly members = new Map<string, string>();
  private readonly inRate: RateMeter;
  private readonly outRate: RateMeter;
  private readonly operatorRates = new Map<string, RateMeter>();
  private recordsIn = 0;
  private recordsOut = 0;
  private deadLetters = 0;
  private lateEvents = 0;
  readonly recentDeadLetters = new RecentRecords(500);
  readonly recentLate = new RecentRecords(500);

  constructor(
    readonly plan: Plan,
    private readonly sinks: readonly string[],
    private readonly now: () => number,
  ) {
    this.inRate = new RateMeter(5, now);
    this.outRate = new RateMeter(5, now);
  }

  get name(): string {
    return this.plan.name;
  }

  /** Takes a task's report; returns how much each counter grew since its last one. */
  update(report: TaskReport, member: string): TaskGrowth {
    const before = this.reports.get(report.task);
    this.reports.set(report.task, report);
    this.members.set(report.task, member);
    const recordsIn = growth(report.recordsIn, before?.recordsIn);
    const recordsOut: Record<string, number> = {};
    for (const [sink, n] of Object.entries(report.recordsOut)) {
      recordsOut[sink] = growth(n, before?.recordsOut[sink]);
    }
    const deadLetters: Record<string, number> = {};
    for (const [operator, n] of Object.entries(report.deadLetters)) {
      deadLetters[operator] = growth(n, before?.deadLetters[operator]);
    }
    const late = growth(report.lateEvents, before?.lateEvents);
    const out = Object.values(recordsOut).reduce((a, b) => a + b, 0);
    this.recordsIn += recordsIn;
    this.recordsOut += out;
    this.deadLetters += Object.values(deadLetters).reduce((a, b) => a + b, 0);
    this.lateEvents += late;
    this.inRate.add(recordsIn);
    this.outRate.add(out);
    const beforeOps = new Map(before?.operators.map((o) => [o.id, o.recordsOut]));
    for (const op of report.operators) {
      let meter = this.operatorRates.get(op.id);
      if (!meter) this.operatorRates.set(op.id, (meter = new RateMeter(5, this.now)));
      meter.add(growth(op.recordsOut, beforeOps.get(op.id)));
    }
    for (const letter of report.recentDeadLetters) this.recentDeadLetters.add(deadLetterView(letter));
    for (const event of report.recentLate) this.recentLate.add(lateView(event, this.now()));
    return { recordsIn, recordsOut, deadLetters, late };
  }

  /** Forgets a task that no longer exists (its partition went to a task of another layout). */
  forget(task: string): void {
    this.reports.delete(task);
    this.members.delete(task);
  }

  /** Records not read yet, per partition of each source topic, over the tasks that run here. */
  partitionLag(): { topic: string; partition: number; lag: number }[] {
    return [...this.reports.values()].flatMap((report) => report.lag);
  }

  lag(): Map<string, number> {
    const lag = new Map<string, number>();
    for (const report of this.reports.values()) {
      for (const partition of report.lag)
        lag.set(partition.topic, (lag.get(partition.topic) ?? 0) + partition.lag);
    }
    return lag;
  }

  watermark(): number | null {
    let watermark: number | null = null;
    for (const report of this.reports.values()) {
      if (report.watermark !== null && (watermark === null || report.watermark < watermark))
        watermark = report.watermark;
    }
    return watermark;
  }

  /**
   * The pipeline as seen from here. `standby`: this process is in the pipeline's consumer
   * group and holds none of its partitions, so no task of it runs here.
   */
  describe(standby = false): PipelineStatus {
    const reports = [...this.reports.values()];
    const watermark = this.watermark();
    let lag = 0;
    for (const value of this.lag().values()) lag += value;
    const status =
      reports.length === 0
        ? standby
          ? 'standby'
          : 'starting'
        : SEVERITY.find((s) => reports.some((r) => r.status === s))!;
    const restoring = reports.flatMap((r) => (r.recovery ? [r.recovery] : []));
    const error = reports.find((r) => r.error !== undefined)?.error;
    const checkpoints = reports.map((r) => r.lastCheckpoint);
    const lastCheckpoint = checkpoints.includes(null)
      ? null
      : (checkpoints as NonNullable<TaskReport['lastCheckpoint']>[]).reduce<PipelineStatus['lastCheckpoint']>(
          (oldest, c) =>
            oldest === null || c.at < oldest.at ? { at: c.at, durationMs: c.durationMs } : oldest,
          null,
        );
    return {
      name: this.name,
      status,
      ...(error === undefined ? {} : { error }),
      sources: this.plan.nodes.flatMap((n) => (n.kind === 'source' ? [n.source] : [])),
      sinks: this.sinks,
      eventsInPerSec: this.inRate.perSecond(),
      eventsOutPerSec: this.outRate.perSecond(),
      recordsIn: this.recordsIn,
      recordsOut: this.recordsOut,
      deadLetters: this.deadLetters,
      lateEvents: this.lateEvents,
      lag,
      watermark,
      watermarkLagMs: watermark === null ? null : Math.max(0, this.now() - watermark),
      lastCheckpoint,
      recovery:
        restoring.length === 0
          ? null
          : {
              keyGroups: restoring.reduce((sum, r) => sum + r.keyGroups, 0),
              restored: restoring.reduce((sum, r) => sum + r.restored, 0),
            },
      operators: this.operators(reports),
      partitions: reports
        .flatMap((r) =>
          r.lag.map(({ topic, partition, position, end, lag }) => ({
            topic,
            partition,
            task: r.task,
            position,
            end,
            lag,
          })),
        )
        .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition),
      tasks: reports
        .map(
          (r): PipelineTaskStatus => ({
            task: r.task,
            member: this.members.get(r.task) ?? 'main',
            status: r.status,
            lag: r.lag.reduce((sum, p) => sum + p.lag, 0),
            watermark: r.watermark,
            lastCheckpoint: r.lastCheckpoint && {
              at: r.lastCheckpoint.at,
              durationMs: r.lastCheckpoint.durationMs,
            },
            recovery: r.recovery,
          }),
        )
        .sort((a, b) => a.task.localeCompare(b.task, 'en', { numeric: true })),
    };
  }

  private operators(reports: readonly TaskReport[]): OperatorStatus[] {
    const inputsOf = new Map(this.plan.nodes.map((n) => [n.id, n.inputs.map((i) => i.node)]));
    return this.plan.nodes.map((node) => {
      let recordsIn = 0;
      let recordsOut = 0;
      let deadLetters = 0;
      let late = 0;
      let watermark = Number.POSITIVE_INFINITY;
      for (const report of reports) {
        const op = report.operators.find((o) => o.id === node.id);
        if (!op) continue;
        recordsIn += op.recordsIn;
        recordsOut += op.recordsOut;
        deadLetters += op.deadLetters;
        late += op.late;
        if (op.watermark < watermark) watermark = op.watermark;
      }
      return {
        id: node.id,
        kind: node.kind,
        inputs: inputsOf.get(node.id) ?? [],
        recordsIn,
        recordsOut,
        recordsOutPerSec: this.operatorRates.get(node.id)?.perSecond() ?? 0,
        deadLetters,
        late,
        watermark: Number.isFinite(watermark) ? watermark : null,
      };
    });
  }
}

/** How a task's counters grew with its last report: what metrics add. */
export interface TaskGrowth {
  readonly recordsIn: number;
  readonly recordsOut: Readonly<Record<string, number>>;
  readonly deadLetters: Readonly<Record<string, number>>;
  readonly late: number;
}

const deadLetterView = (letter: DeadLetterRecord): StoredRecord => ({
  at: letter.at,
  operator: letter.operator ?? letter.stage,
  value: letter.value ?? letter.input,
  timestamp: letter.timestamp ?? letter.at,
  ...(letter.key === undefined ? {} : { key: letter.key }),
  error: letter.error,
  ...(letter.position === undefined ? {} : { position: letter.position }),
});

const lateView = (event: LateEvent, at: number): StoredRecord => ({
  at,
  operator: event.operator,
  value: event.value,
  timestamp: event.timestamp,
  ...(event.key === undefined ? {} : { key: event.key }),
  ...(event.position === undefined ? {} : { position: event.position }),
});
