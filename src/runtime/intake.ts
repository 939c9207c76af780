import type { IntakeContext } from '../connectors/connector.js';
import type { Appender, Ingestor } from '../connectors/ingestor.js';
import type { EmbeddedLog } from '../connectors/log/embedded-log.js';
import { createIngestor, type SourceSettings } from '../connectors/registry.js';
import type { Clock } from '../engine/time/clock.js';
import type { PlatformMetrics } from './metrics.js';
import { RateMeter } from './rate-meter.js';

/** A configured source, as its intake connector resolved it. */
export type SourceSpec = SourceSettings;

/**
 * Everything that appends events to the log — ingestors and HTTP ingest — counted per
 * source: the ingest rate, which sources are active, and the ingested-events counter.
 */
export class Intake {
  readonly rate: RateMeter;
  private readonly lastAppend = new Map<string, number>();
  private readonly ingestors: Ingestor[] = [];
  readonly appender: Appender;

  constructor(
    log: EmbeddedLog,
    private readonly sources: Readonly<Record<string, SourceSpec>>,
    private readonly metrics: PlatformMetrics,
    private readonly clock: Clock,
  ) {
    this.rate = new RateMeter(5, () => clock.now());
    this.appender = {
      append: async (topic, records) => {
        const result = await log.append(topic, records);
        if (topic in this.sources) {
          this.rate.add(records.length);
          this.lastAppend.set(topic, this.clock.now());
          this.metrics.eventsIngested.inc({ source: topic }, records.length);
        }
        return result;
      },
    };
  }

  /** Starts an ingestor for every source whose intake connector makes one (HTTP sources have none). */
  async start(context: IntakeContext): Promise<void> {
    for (const [name, spec] of Object.entries(this.sources)) {
      const ingestor = createIngestor(name, spec, this.appender, context);
      if (ingestor) this.ingestors.push(ingestor);
    }
    for (const ingestor of this.ingestors) await ingestor.start();
  }

  /** Stops taking input: every ingestor finishes what it appends and lets go. */
  async stop(report: (where: string, error: unknown) => void): Promise<void> {
    await Promise.all(this.ingestors.map((i) => i.stop().catch((error) => report(i.name, error))));
  }

  /** Sources that appended within the last ten seconds. */
  activeSources(): number {
    const now = this.clock.now();
    let active = 0;
    for (const source of Object.keys(this.sources)) {
      const last = this.lastAppend.get(source);
      if (last !== undefined && now - last < 10_000) active++;
    }
    return active;
  }
}
