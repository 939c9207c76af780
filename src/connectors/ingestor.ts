import type { AppendRecord } from './log/record-format.js';
import type { AppendResult } from './log/topic.js';

/**
 * Where ingested events go: in embedded mode, a topic of the embedded log (durable before
 * it answers); in distributed mode, a Kafka topic. An ingestor awaits `append` before it
 * takes more input, which is how a slow disk slows intake instead of filling memory.
 */
export interface Appender {
  append(topic: string, records: readonly AppendRecord[]): Promise<AppendResult>;
}

/** What an ingestor reports, for `/metrics` and the dashboard. Counters only grow. */
export interface IngestorStats {
  /** Events appended to the topic. */
  readonly events: number;
  /** Inputs that could not be turned into an event (a line that is not JSON, say); dead-lettered. */
  readonly rejected: number;
  /** Whether the ingestor is connected / running now. */
  readonly active: boolean;
  /** The last error, if the ingestor is retrying after one. */
  readonly lastError?: string;
}

/**
 * A source of events outside the engine (a generator, an MQTT subscription, a tailed file)
 * that appends what it receives to a log topic. Pipelines then read the topic from an
 * offset, so a restart replays from a checkpoint whatever the ingestor was.
 *
 * Input that cannot become an event is not dropped: it is appended to the dead-letter topic
 * as a `DeadLetterRecord` of stage `ingest` (see `ingestDeadLetter`), counted in
 * `stats().rejected`, and the ingestor keeps running.
 */
export interface Ingestor {
  /** The source's name in the configuration; also the topic it appends to. */
  readonly name: string;
  start(): Promise<void>;
  /** Stops taking input, waits for appends in flight, releases connections. */
  stop(): Promise<void>;
  stats(): IngestorStats;
}
