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

/**
 * An alert as the alerting feature reports it (its `AlertView`: fingerprint, rule, labels,
 * state, severity, value against threshold, times). That API is being settled, so every
 * field is optional and the panel shows what it gets.
 */
export interface Alert {
  readonly fingerprint?: string;
  readonly id?: string;
  readonly rule?: string;
  readonly name?: string;
  readonly severity?: string;
  /** `pending`, `firing` or `resolved`. */
  readonly state?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly message?: string;
  readonly summary?: string;
  readonly value?: unknown;
  readonly threshold?: unknown;
  /** When the condition started to hold; when it fired; when it resolved (ms since the epoch). */
  readonly activeAt?: number | string;
  readonly firedAt?: number | string;
  readonly resolvedAt?: number | string;
  readonly startsAt?: number | string;
  readonly endsAt?: number | string | null;
  readonly silencedBy?: readonly string[];
  readonly [field: string]: unknown;
}

/** Every 4xx and 5xx answer. */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}
