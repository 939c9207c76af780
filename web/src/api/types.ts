// The HTTP and WebSocket contract of docs/api.md, as the dashboard reads it. It mirrors
// src/server/platform-api.ts and src/store/types.ts; test/e2e/api-contract.ts checks at
// compile time that the two stay assignable.

export interface PlatformStats {
  readonly eventsInPerSec: number;
  readonly eventsOutPerSec: number;
  readonly activeSources: number;
  readonly latencyMs: { readonly p50: number | null; readonly p99: number | null };
  readonly deadLettered: number;
  readonly lateEvents: number;
  readonly uptimeSec: number;
}

export type PipelineState = 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

export interface OperatorStatus {
  readonly id: string;
  readonly kind: string;
  readonly inputs: readonly string[];
  readonly recordsIn: number;
  readonly recordsOut: number;
  readonly recordsOutPerSec: number;
  readonly deadLetters: number;
  readonly late: number;
  readonly watermark: number | null;
}

export interface PipelineStatus {
  readonly name: string;
  readonly status: PipelineState;
  readonly error?: string;
  readonly sources: readonly string[];
  readonly sinks: readonly string[];
  readonly eventsInPerSec: number;
  readonly eventsOutPerSec: number;
  readonly recordsIn: number;
  readonly recordsOut: number;
  readonly deadLetters: number;
  readonly lateEvents: number;
  readonly lag: number;
  readonly watermark: number | null;
  readonly watermarkLagMs: number | null;
  readonly lastCheckpoint: { readonly at: number; readonly durationMs: number } | null;
  readonly operators: readonly OperatorStatus[];
}

export interface StoredRecord {
  readonly at: number;
  readonly operator: string;
  readonly value: unknown;
  readonly timestamp: number;
  readonly key?: string | number | boolean;
  readonly error?: { readonly name: string; readonly message: string; readonly code?: string };
  readonly position?: Readonly<Record<string, string | number>>;
}

export interface SeriesInfo {
  readonly name: string;
  readonly keys: number;
  readonly rows: number;
  readonly firstStart: number;
  readonly lastStart: number;
  readonly lastEnd: number;
}

export interface SeriesPoint {
  readonly key: string;
  readonly start: number;
  readonly end: number;
  readonly values: Record<string, unknown>;
}

export const AGGREGATIONS = ['avg', 'sum', 'min', 'max', 'count', 'last'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

export interface SeriesResult {
  readonly name: string;
  readonly from: number;
  readonly to: number;
  readonly step?: number;
  readonly agg?: string;
  readonly points: readonly SeriesPoint[];
}

export interface RecordsResult {
  readonly pipeline: string;
  readonly records: readonly StoredRecord[];
}

export type AlertState = 'pending' | 'firing' | 'resolved';

/**
 * An alert as the alerting API reports it (`AlertView` of src/alerts/model.ts, see
 * docs/alerting.md). Times are ms since the epoch.
 */
export interface AlertView {
  readonly fingerprint: string;
  readonly rule: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly state: AlertState;
  /** When the condition started to hold; when it fired; when it resolved. */
  readonly activeAt: number;
  readonly firedAt?: number;
  readonly resolvedAt?: number;
  /** The value the rule last judged, and the bound it was judged against. */
  readonly value: number;
  readonly threshold: number;
  readonly observedAt: number;
  readonly severity: string;
  readonly annotations: Readonly<Record<string, string>>;
  /** Ids of the silences that mute it now. */
  readonly silencedBy: readonly string[];
  /** Fingerprints of the alerts that inhibit it now. */
  readonly inhibitedBy: readonly string[];
}

/** @deprecated the old, loose name of `AlertView`. */
export type Alert = AlertView;

/** A change of an alert's state, as kept in the history; `inactive` is "no alert". */
export interface AlertTransition {
  readonly fingerprint: string;
  readonly rule: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly from: AlertState | 'inactive';
  readonly to: AlertState | 'inactive';
  readonly at: number;
  readonly value: number;
}

export interface AlertMatcher {
  readonly name: string;
  readonly type: '=' | '!=' | '=~' | '!~';
  readonly value: string;
}

/** A silence mutes the alerts all its matchers match, from `startsAt` until `endsAt`. */
export interface Silence {
  readonly id: string;
  readonly matchers: readonly AlertMatcher[];
  readonly startsAt: number;
  readonly endsAt: number;
  readonly createdBy: string;
  readonly comment: string;
}

/** What the `alerts` WebSocket channel carries (`AlertEvent` of src/alerts/engine.ts). */
export type AlertEvent =
  | {
      readonly type: 'alert';
      readonly from: AlertState | 'inactive';
      readonly to: AlertState | 'inactive';
      readonly alert: AlertView;
    }
  | { readonly type: 'silence'; readonly silence: Silence; readonly status: string }
  | { readonly type: 'notification'; readonly notification: unknown };

/** Every 4xx and 5xx answer. */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}
