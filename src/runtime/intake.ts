import type { IntakeContext } from '../connectors/connector.js';
import type { Appender, Ingestor } from '../connectors/ingestor.js';
import type { AppendRecord } from '../connectors/log/record-format.js';
import { createIngestor, type SourceSettings } from '../connectors/registry.js';
import type { IngestEvent, IngestResult } from '../contract/index.js';
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
    /** Where events go: the embedded log, or Kafka with `log: { type: kafka }`. */
    log: Appender,
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
      const ingestor = await createIngestor(name, spec, this.appender, context);
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
    return this.active().length;
  }

  /** The names of the sources that appended within the last ten seconds. */
  active(): string[] {
    const now = this.clock.now();
    return Object.keys(this.sources).filter((source) => {
      const last = this.lastAppend.get(source);
      return last !== undefined && now - last < 10_000;
    });
  }

  /** Events POSTed to the API, appended to `stream` as JSON; the offsets they got, per partition. */
  async ingest(stream: string, events: readonly IngestEvent[]): Promise<IngestResult> {
    const records: AppendRecord[] = new Array(events.length);
    for (let i = 0; i < events.length; i++) {
      const { value, key } = events[i];
      const bytes = Buffer.from(JSON.stringify(value));
      records[i] = key === undefined ? { value: bytes } : { value: bytes, key };
    }
    const { partitions } = await this.appender.append(stream, records);
    const ranges = partitions.map((p) => ({
      partition: p.partition,
      firstOffset: p.baseOffset,
      lastOffset: p.lastOffset,
    }));
    // The offsets of a batch make one range only within one partition.
    return ranges.length === 1
      ? {
          accepted: events.length,
          firstOffset: ranges[0].firstOffset,
          lastOffset: ranges[0].lastOffset,
          partitions: ranges,
        }
      : { accepted: events.length, partitions: ranges };
  }
}
