import type { Registry } from 'prom-client';
import type { AlertEngine } from '../alerts/engine.js';
import type { SeriesInfo, SeriesPoint, SeriesQuery } from '../store/types.js';

/**
 * What the HTTP server needs from a running platform. The runtime implements it; the
 * server knows nothing else about pipelines, logs or stores. Every number is measured.
 */
export interface PlatformApi {
  /** True once sources, pipelines and the store are up: `/readyz` answers 200. */
  ready(): boolean;
  stats(): PlatformStats;
  pipelines(): PipelineStatus[];
  pipeline(name: string): PipelineStatus | undefined;
  /** Recent dead letters / late events of a pipeline, newest last (a bounded ring). */
  deadLetters(pipeline: string, limit: number): StoredRecord[];
  lateEvents(pipeline: string, limit: number): StoredRecord[];

  /** Names that `POST /api/v1/streams/:stream/events` accepts (the configured sources). */
  streams(): string[];
  /**
   * Appends events to a stream durably (per the log's fsync setting) before resolving.
   * Events are JSON values already parsed and checked by the route.
   */
  ingest(stream: string, events: readonly IngestEvent[]): Promise<IngestResult>;

  /** Stored results. */
  querySeries(name: string, query: SeriesQuery): Promise<SeriesPoint[]>;
  listSeries(): Promise<SeriesInfo[]>;

  /**
   * Live updates on a channel: `stats` (a PlatformStats every second), `series:<name>`
   * (SeriesPoint[] as results are stored), `pipeline:<name>` (a PipelineStatus every
   * second), `alerts` (later). Returns the unsubscribe function.
   */
  subscribe(channel: string, listener: (update: unknown) => void): () => void;

  /** The Prometheus registry; the server adds its HTTP and WebSocket metrics to it. */
  readonly metrics: Registry;

  /** Alerts, rules and silences; undefined when alerting is not configured (the routes then answer 404). */
  alerting?(): AlertingApi | undefined;
}

/** What the alert routes use of the alert engine. */
export type AlertingApi = Pick<
  AlertEngine,
  | 'alerts'
  | 'alert'
  | 'history'
  | 'notifications'
  | 'rules'
  | 'rule'
  | 'upsertRule'
  | 'removeRule'
  | 'silences'
  | 'addSilence'
  | 'expireSilence'
  | 'silenceAlert'
>;

export interface IngestEvent {
  readonly value: unknown;
  /** Key for partitioning, if the client gave one. */
  readonly key?: string;
}

export interface IngestResult {
  readonly accepted: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
}

export interface PlatformStats {
  /** Events appended by all sources per second, over the last few seconds. */
  readonly eventsInPerSec: number;
  /** Records delivered to sinks per second, over the last few seconds. */
  readonly eventsOutPerSec: number;
  readonly activeSources: number;
  /** Processing latency: from append to the log until the result reached its sink. */
  readonly latencyMs: { readonly p50: number | null; readonly p99: number | null };
  readonly deadLettered: number;
  readonly lateEvents: number;
  readonly uptimeSec: number;
}

export interface PipelineStatus {
  readonly name: string;
  readonly status: 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';
  readonly error?: string;
  readonly sources: string[];
  readonly sinks: string[];
  readonly eventsInPerSec: number;
  readonly eventsOutPerSec: number;
  readonly recordsIn: number;
  readonly recordsOut: number;
  readonly deadLetters: number;
  readonly lateEvents: number;
  /** Records in the source topics not yet read. */
  readonly lag: number;
  /** Event-time watermark (ms) of the pipeline's slowest sink input; null before any. */
  readonly watermark: number | null;
  /** Processing time minus watermark, ms; null before any. */
  readonly watermarkLagMs: number | null;
  readonly lastCheckpoint: { readonly at: number; readonly durationMs: number } | null;
  /** Operators as a graph, for the dashboard. */
  readonly operators: readonly OperatorStatus[];
}

export interface OperatorStatus {
  readonly id: string;
  readonly kind: string;
  /** Ids of the operators it reads from. */
  readonly inputs: readonly string[];
  readonly recordsIn: number;
  readonly recordsOut: number;
  readonly recordsOutPerSec: number;
  readonly deadLetters: number;
  readonly late: number;
  readonly watermark: number | null;
}

/** A dead letter or late event as kept for inspection. */
export interface StoredRecord {
  readonly at: number;
  readonly operator: string;
  readonly value: unknown;
  readonly timestamp: number;
  readonly key?: string | number | boolean;
  readonly error?: { readonly name: string; readonly message: string; readonly code?: string };
  readonly position?: Readonly<Record<string, string | number>>;
}
