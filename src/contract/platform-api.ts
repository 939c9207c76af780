import type { Registry } from 'prom-client';
import type {
  AlertState,
  AlertTransition,
  AlertView,
  NotificationRecord,
  RuleBody,
  Silence,
  SilenceBody,
  SilenceWithStatus,
} from './alerts.js';
import type { PipelineStatus, StoredRecord } from './pipelines.js';
import type { SeriesInfo, SeriesLatest, SeriesPoint, SeriesQuery } from './series.js';
import type { PlatformStats, StatsHistory } from './stats.js';
import type { IngestEvent, IngestResult } from './streams.js';

/**
 * What the HTTP server needs from a running platform. The runtime implements it; the
 * server knows nothing else about pipelines, logs or stores. Every number is measured.
 */
export interface PlatformApi {
  /** True once sources, pipelines and the store are up: `/readyz` answers 200. */
  ready(): boolean;
  stats(): PlatformStats;
  /** The stats of every second of the last 10 minutes (since the process started, if later). */
  statsHistory(): StatsHistory;
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
  /** The series the configuration's pipelines store into: known, and empty, before their first result. */
  declaredSeries(): readonly string[];
  /** The newest result of each key (of `keys` only, when given): from the hot cache, else from the store. */
  latestOfSeries(name: string, keys?: readonly string[]): Promise<Omit<SeriesLatest, 'name'>>;

  /**
   * Live updates on a channel, as `LiveChannels` (live.ts) types them: `stats`,
   * `series:<name>`, `pipeline:<name>`, `alerts`. Returns the unsubscribe function.
   */
  subscribe(channel: string, listener: (update: unknown) => void): () => void;

  /** The Prometheus registry; the server adds its HTTP and WebSocket metrics to it. */
  readonly metrics: Registry;

  /** Alerts, rules and silences; undefined when alerting is not configured (the routes then answer 404). */
  alerting?(): AlertingApi | undefined;
}

/**
 * What the alert routes use of the alert engine. Rule and silence documents are checked by
 * the engine, which throws a `TributaryError` naming the field at fault. The engine answers
 * at once; an API node of a deployment asks the node that evaluates the rules, and waits.
 */
export interface AlertingApi {
  /** Alerts held now, most severe and newest first. */
  alerts(filter?: { readonly state?: AlertState | readonly AlertState[] }): Answer<AlertView[]>;
  alert(fingerprint: string): Answer<AlertView | undefined>;
  /** State changes, newest first. */
  history(query?: { readonly limit?: number }): Promise<AlertTransition[]>;
  /** Notifications sent or failed, newest first. */
  notifications(query?: { readonly limit?: number }): Promise<NotificationRecord[]>;
  rules(): Answer<RuleBody[]>;
  rule(name: string): Answer<RuleBody>;
  upsertRule(rule: RuleBody): Answer<void>;
  removeRule(name: string): Answer<void>;
  silences(): Answer<SilenceWithStatus[]>;
  addSilence(silence: SilenceBody): Answer<Silence>;
  expireSilence(id: string): Answer<Silence>;
  /** Silences one alert: matchers on all its labels, for `duration` (ms or "1h"). */
  silenceAlert(
    fingerprint: string,
    options: { readonly duration: number | string; readonly createdBy?: string; readonly comment?: string },
  ): Answer<Silence>;
}

/** A value now, or once another process answered. */
export type Answer<T> = T | Promise<T>;
