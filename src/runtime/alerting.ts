import type { Registry } from 'prom-client';
import { AlertEngine } from '../alerts/alert-engine.js';
import type { Observation } from '../alerts/model.js';
import { observationsFromMetrics, observationsFromResults } from '../alerts/observations.js';
import { AlertStore } from '../alerts/persistence/alert-store.js';
import type { AlertingDocument } from '../alerts/schema.js';
import type { AlertEvent, SeriesPoint } from '../contract/index.js';
import type { Clock } from '../engine/time/clock.js';
import type { Logger } from '../observability/logger.js';
import type { SeriesStore } from '../store/series-store.js';

/**
 * Alerting inside the platform: the alert engine with its state in the store, fed with
 * the results stored by every pipeline, the platform's own metrics, and the observations of
 * the pattern-rule pipelines; ticked on its evaluation interval; its events published on
 * the `alerts` channel.
 */
export class PlatformAlerting {
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    readonly engine: AlertEngine,
    private readonly registry: Registry,
    private readonly clock: Clock,
    private readonly onError: (error: unknown) => void,
  ) {}

  static async open(options: {
    readonly document: AlertingDocument;
    readonly store: SeriesStore;
    readonly registry: Registry;
    readonly clock: Clock;
    readonly logger?: Logger;
    readonly publish: (event: AlertEvent) => void;
    readonly onError: (error: unknown) => void;
  }): Promise<PlatformAlerting> {
    const engine = await AlertEngine.open({
      config: options.document,
      persistence: await AlertStore.onSeriesStore(options.store),
      registry: options.registry,
      clock: options.clock,
      logger: options.logger?.child({ component: 'alerts' }),
    });
    engine.subscribe(options.publish);
    return new PlatformAlerting(engine, options.registry, options.clock, options.onError);
  }

  /** Starts the evaluation timer: time-based transitions and the platform's metrics. */
  start(): void {
    this.timer = setInterval(() => void this.evaluate(), this.engine.evaluationIntervalMs);
  }

  /** Stored results of a series, as observations. */
  observeSeries(series: string, points: readonly SeriesPoint[]): void {
    const records = points.map(({ key, start, end, values }) => ({
      value: { key, start, end, ...values },
      timestamp: end - 1,
    }));
    this.observe(observationsFromResults(series, records));
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.engine.close();
  }

  /** Observations for the engine: what pattern pipelines emit, through their `alerts` sink. */
  observe(observations: readonly Observation[]): void {
    if (observations.length === 0) return;
    try {
      this.engine.observe(observations);
    } catch (error) {
      this.onError(error);
    }
  }

  private async evaluate(): Promise<void> {
    try {
      const now = this.clock.now();
      this.engine.observe(await observationsFromMetrics(this.registry, now), now);
      this.engine.tick(now);
    } catch (error) {
      this.onError(error);
    }
  }
}
