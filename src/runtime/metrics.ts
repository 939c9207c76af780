import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The platform's Prometheus metrics. Counters are incremented where things happen;
 * gauges that describe current state (lag, watermark) are read when scraped.
 */
export class PlatformMetrics {
  readonly registry = new Registry();
  readonly eventsIngested: Counter<'source'>;
  readonly recordsIn: Counter<'pipeline'>;
  readonly recordsOut: Counter<'pipeline' | 'sink'>;
  readonly deadLetters: Counter<'pipeline' | 'operator'>;
  readonly lateEvents: Counter<'pipeline'>;
  readonly processingLatency: Histogram<'pipeline'>;
  readonly checkpointDuration: Histogram<'pipeline'>;
  readonly consumerLag: Gauge<'pipeline' | 'topic' | 'partition'>;
  readonly watermarkLag: Gauge<'pipeline'>;

  constructor(readState: (metrics: PlatformMetrics) => void) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'tributary_' });
    this.eventsIngested = new Counter({
      name: 'tributary_events_ingested_total',
      help: 'Events appended to source topics (generators, MQTT, files, HTTP).',
      labelNames: ['source'],
      registers,
    });
    this.recordsIn = new Counter({
      name: 'tributary_pipeline_records_in_total',
      help: 'Records a pipeline read from its source topics.',
      labelNames: ['pipeline'],
      registers,
    });
    this.recordsOut = new Counter({
      name: 'tributary_pipeline_records_out_total',
      help: 'Records a pipeline delivered to a sink.',
      labelNames: ['pipeline', 'sink'],
      registers,
    });
    this.deadLetters = new Counter({
      name: 'tributary_dead_letters_total',
      help: 'Records that could not be processed and went to the dead-letter topic.',
      labelNames: ['pipeline', 'operator'],
      registers,
    });
    this.lateEvents = new Counter({
      name: 'tributary_late_events_total',
      help: 'Records that arrived after their window closed (past allowed lateness).',
      labelNames: ['pipeline'],
      registers,
    });
    this.processingLatency = new Histogram({
      name: 'tributary_processing_latency_seconds',
      help: 'From a record being appended to its source topic until the batch holding it reached the sinks.',
      labelNames: ['pipeline'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.checkpointDuration = new Histogram({
      name: 'tributary_checkpoint_duration_seconds',
      help: 'Time to flush sinks and commit a checkpoint.',
      labelNames: ['pipeline'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    const metrics = this;
    this.consumerLag = new Gauge({
      name: 'tributary_consumer_lag_records',
      help: 'Records in a partition of a source topic that the pipeline has not read yet (queue depth).',
      labelNames: ['pipeline', 'topic', 'partition'],
      registers,
      collect() {
        readState(metrics);
      },
    });
    this.watermarkLag = new Gauge({
      name: 'tributary_watermark_lag_seconds',
      help: 'Processing time minus the event-time watermark at the pipeline sinks.',
      labelNames: ['pipeline'],
      registers,
    });
  }
}
