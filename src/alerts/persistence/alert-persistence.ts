import type { AlertSnapshot, AlertTransition, NotificationRecord, Silence } from '../../contract/index.js';
import type { NotificationLogEntry } from '../model.js';
import type { RuleDocument } from '../schema.js';

/**
 * A rule as the API left it, over the configuration's: its document, or null where the API
 * removed it. Kept so that a restart, or another node taking over the evaluation, has it.
 */
export interface RuleChange {
  readonly name: string;
  readonly document: RuleDocument | null;
}

/** What the alert engine writes, batched: one call per batch, in one transaction where the store has them. */
export interface AlertChanges {
  /** Current state of alerts that changed (upserts by fingerprint). */
  readonly alerts: readonly AlertSnapshot[];
  /** Alerts that are gone (ended while pending, or resolved and notified). */
  readonly forgotten: readonly string[];
  readonly transitions: readonly AlertTransition[];
  readonly notifications: readonly NotificationRecord[];
  /** Notification-log entries (upserts by receiver and group). */
  readonly log: readonly NotificationLogEntry[];
  readonly silences: readonly Silence[];
  readonly silencesForgotten: readonly string[];
  readonly rules: readonly RuleChange[];
}

/** What the engine needs back after a restart. */
export interface PersistedAlerting {
  readonly alerts: readonly AlertSnapshot[];
  readonly log: readonly NotificationLogEntry[];
  readonly silences: readonly Silence[];
  readonly rules: readonly RuleChange[];
}

export interface HistoryQuery {
  /** Times (ms, inclusive) of the transition or notification. */
  readonly from?: number;
  readonly to?: number;
  readonly fingerprint?: string;
  readonly rule?: string;
  /** Newest first; default 100. */
  readonly limit?: number;
}

/**
 * Where alert state and history live. `AlertStore` (alert-store.ts) keeps them in PGlite
 * or PostgreSQL; `MemoryAlertPersistence` (memory-persistence.ts) keeps them for the life
 * of the process.
 */
export interface AlertPersistence {
  load(): Promise<PersistedAlerting>;
  write(changes: AlertChanges): Promise<void>;
  transitions(query?: HistoryQuery): Promise<AlertTransition[]>;
  notifications(query?: HistoryQuery): Promise<NotificationRecord[]>;
}

/** History rows (transitions, notifications) kept in memory at most, the oldest dropped first. */
export const MAX_HISTORY = 100_000;

/** No changes: what a batch of one change is made from. */
const NO_CHANGES: AlertChanges = {
  alerts: [],
  forgotten: [],
  transitions: [],
  notifications: [],
  log: [],
  silences: [],
  silencesForgotten: [],
  rules: [],
};

/** A batch as batches of one change each, in its order: to find the one a store refuses. */
export const eachChange = (changes: AlertChanges): AlertChanges[] =>
  (Object.keys(NO_CHANGES) as (keyof AlertChanges)[]).flatMap((field) =>
    (changes[field] as readonly unknown[]).map((item) => ({ ...NO_CHANGES, [field]: [item] })),
  );
