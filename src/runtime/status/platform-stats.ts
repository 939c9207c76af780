import type { PipelineStatus, PlatformStats } from '../../contract/index.js';
import { LatencyTracker } from '../latency-tracker.js';
import type { LiveUpdates } from '../live-updates.js';
import { PlatformMetrics } from '../metrics.js';
import type { PipelineProgress } from './pipeline-progress.js';
import { ProgressBoard } from './progress-board.js';
import { StatsRecorder } from './stats-history.js';

/**
 * What a process knows of the pipelines it shows, wired together: their progress, the
 * instruments whose gauges are read from it, and processing latency over the last 10 s.
 */
export const statusParts = (now: () => number) => {
  const latency = new LatencyTracker(10_000, now);
  const instruments: PlatformMetrics = new PlatformMetrics((metrics) =>
    readGauges(metrics, progress.all(), now()),
  );
  const progress = new ProgressBoard(instruments, latency, now);
  return { latency, instruments, progress, recorder: new StatsRecorder() };
};

/** `GET /api/v1/stats` from its parts: intake's rate, the pipelines' statuses, processing latency. */
export const platformStats = (parts: {
  readonly eventsInPerSec: number;
  readonly activeSources: number;
  readonly pipelines: readonly PipelineStatus[];
  readonly latency: LatencyTracker;
  readonly uptimeSec: number;
}): PlatformStats => ({
  eventsInPerSec: parts.eventsInPerSec,
  eventsOutPerSec: parts.pipelines.reduce((sum, p) => sum + p.eventsOutPerSec, 0),
  activeSources: parts.activeSources,
  latencyMs: { p50: parts.latency.quantile(0.5), p99: parts.latency.quantile(0.99) },
  deadLettered: parts.pipelines.reduce((sum, p) => sum + p.deadLetters, 0),
  lateEvents: parts.pipelines.reduce((sum, p) => sum + p.lateEvents, 0),
  uptimeSec: parts.uptimeSec,
});

/**
 * Once a second: the stats into the recent history, and the `stats` and `pipeline:<name>`
 * channels where someone listens.
 */
export const publishStatus = (
  updates: LiveUpdates,
  pipelines: readonly PipelineProgress[],
  stats: () => PlatformStats,
  recorder: StatsRecorder,
  now: number,
): void => {
  for (const pipeline of pipelines) {
    if (updates.has(`pipeline:${pipeline.name}`))
      updates.publish(`pipeline:${pipeline.name}`, pipeline.describe());
  }
  const current = stats();
  recorder.record(now, current);
  if (updates.has('stats')) updates.publish('stats', current);
};

/** The gauges read at scrape time: consumer lag per partition, watermark lag per pipeline. */
export const readGauges = (
  metrics: PlatformMetrics,
  pipelines: readonly PipelineProgress[],
  now: number,
): void => {
  metrics.consumerLag.reset();
  metrics.watermarkLag.reset();
  for (const pipeline of pipelines) {
    for (const { topic, partition, lag } of pipeline.partitionLag())
      metrics.consumerLag.set({ pipeline: pipeline.name, topic, partition: String(partition) }, lag);
    const watermark = pipeline.watermark();
    if (watermark !== null)
      metrics.watermarkLag.set({ pipeline: pipeline.name }, Math.max(0, now - watermark) / 1000);
  }
};
