import type { Plan } from '../../engine/plan/plan.js';
import type { LatencyTracker } from '../latency-tracker.js';
import type { PlatformMetrics } from '../metrics.js';
import type { TaskReport } from '../task/task-report.js';
import { PipelineProgress } from './pipeline-progress.js';

/**
 * Every pipeline's progress, fed by its tasks' reports: the platform's metrics (counters,
 * processing latency, checkpoint durations) grow from the same reports, so `/metrics` and
 * the API never disagree.
 */
export class ProgressBoard {
  private readonly pipelines = new Map<string, PipelineProgress>();
  /** Per task, the time of the last checkpoint already observed. */
  private readonly checkpointsSeen = new Map<string, number>();

  constructor(
    private readonly metrics: PlatformMetrics,
    private readonly latency: LatencyTracker,
    private readonly now: () => number,
  ) {}

  add(plan: Plan, sinks: readonly string[]): PipelineProgress {
    const progress = new PipelineProgress(plan, sinks, this.now);
    this.pipelines.set(plan.name, progress);
    return progress;
  }

  get(pipeline: string): PipelineProgress | undefined {
    return this.pipelines.get(pipeline);
  }

  all(): PipelineProgress[] {
    return [...this.pipelines.values()];
  }

  receive(report: TaskReport, member: string): void {
    const progress = this.pipelines.get(report.pipeline);
    if (!progress) return;
    const growth = progress.update(report, member);
    const pipeline = report.pipeline;
    const { metrics } = this;
    if (growth.recordsIn > 0) metrics.recordsIn.inc({ pipeline }, growth.recordsIn);
    for (const [sink, n] of Object.entries(growth.recordsOut)) {
      if (n > 0) metrics.recordsOut.inc({ pipeline, sink }, n);
    }
    for (const [operator, n] of Object.entries(growth.deadLetters)) {
      if (n > 0) metrics.deadLetters.inc({ pipeline, operator }, n);
    }
    if (growth.late > 0) metrics.lateEvents.inc({ pipeline }, growth.late);
    for (const ms of report.latencies) {
      this.latency.record(ms);
      metrics.processingLatency.observe({ pipeline }, ms / 1000);
    }
    const checkpoint = report.lastCheckpoint;
    const key = `${pipeline}#${report.task}`;
    if (checkpoint && checkpoint.durationMs > 0 && this.checkpointsSeen.get(key) !== checkpoint.at) {
      this.checkpointsSeen.set(key, checkpoint.at);
      metrics.checkpointDuration.observe({ pipeline }, checkpoint.durationMs / 1000);
    }
  }
}
