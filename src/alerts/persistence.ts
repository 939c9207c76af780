import type {
  AlertSnapshot,
  AlertTransition,
  NotificationLogEntry,
  NotificationRecord,
  Silence,
} from './model.js';

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
}

/** What the engine needs back after a restart. */
export interface PersistedAlerting {
  readonly alerts: readonly AlertSnapshot[];
  readonly log: readonly NotificationLogEntry[];
  readonly silences: readonly Silence[];
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
 * Where alert state and history live. `AlertStore` (src/store/alert-store.ts) keeps them in
 * PGlite or PostgreSQL; `MemoryAlertPersistence` keeps them for the life of the process.
 */
export interface AlertPersistence {
  load(): Promise<PersistedAlerting>;
  write(changes: AlertChanges): Promise<void>;
  transitions(query?: HistoryQuery): Promise<AlertTransition[]>;
  notifications(query?: HistoryQuery): Promise<NotificationRecord[]>;
}

const MAX_HISTORY = 100_000;

/** Changes noted since the last write; the next batch to write. */
export class ChangeBuffer {
  private alerts = new Map<string, AlertSnapshot>();
  private forgotten = new Set<string>();
  private transitions: AlertTransition[] = [];
  private notifications: NotificationRecord[] = [];
  private log = new Map<string, NotificationLogEntry>();
  private silences = new Map<string, Silence>();
  private silencesForgotten = new Set<string>();
  /** History rows dropped because the store was unreachable for too long. */
  dropped = 0;

  get empty(): boolean {
    return (
      this.alerts.size === 0 &&
      this.forgotten.size === 0 &&
      this.transitions.length === 0 &&
      this.notifications.length === 0 &&
      this.log.size === 0 &&
      this.silences.size === 0 &&
      this.silencesForgotten.size === 0
    );
  }

  upsert(alert: AlertSnapshot): void {
    this.forgotten.delete(alert.fingerprint);
    this.alerts.set(alert.fingerprint, alert);
  }

  forget(fingerprint: string): void {
    this.alerts.delete(fingerprint);
    this.forgotten.add(fingerprint);
  }

  transition(transition: AlertTransition): void {
    this.transitions.push(transition);
    this.trim();
  }

  notification(record: NotificationRecord): void {
    this.notifications.push(record);
    this.trim();
  }

  logEntry(entry: NotificationLogEntry): void {
    this.log.set(`${entry.receiver}\u0000${entry.groupKey}`, entry);
  }

  silence(silence: Silence): void {
    this.silencesForgotten.delete(silence.id);
    this.silences.set(silence.id, silence);
  }

  forgetSilence(id: string): void {
    this.silences.delete(id);
    this.silencesForgotten.add(id);
  }

  take(): AlertChanges {
    const changes: AlertChanges = {
      alerts: [...this.alerts.values()],
      forgotten: [...this.forgotten],
      transitions: this.transitions,
      notifications: this.notifications,
      log: [...this.log.values()],
      silences: [...this.silences.values()],
      silencesForgotten: [...this.silencesForgotten],
    };
    this.alerts = new Map();
    this.forgotten = new Set();
    this.transitions = [];
    this.notifications = [];
    this.log = new Map();
    this.silences = new Map();
    this.silencesForgotten = new Set();
    return changes;
  }

  /** Puts back a batch that failed to write, under whatever changed since. */
  putBack(failed: AlertChanges): void {
    const newer = (id: string) => this.alerts.has(id) || this.forgotten.has(id);
    for (const alert of failed.alerts)
      if (!newer(alert.fingerprint)) this.alerts.set(alert.fingerprint, alert);
    for (const id of failed.forgotten) if (!newer(id)) this.forgotten.add(id);
    this.transitions = [...failed.transitions, ...this.transitions];
    this.notifications = [...failed.notifications, ...this.notifications];
    for (const entry of failed.log) {
      const key = `${entry.receiver}\u0000${entry.groupKey}`;
      if (!this.log.has(key)) this.log.set(key, entry);
    }
    const newerSilence = (id: string) => this.silences.has(id) || this.silencesForgotten.has(id);
    for (const silence of failed.silences)
      if (!newerSilence(silence.id)) this.silences.set(silence.id, silence);
    for (const id of failed.silencesForgotten) if (!newerSilence(id)) this.silencesForgotten.add(id);
    this.trim();
  }

  /** History is bounded in memory: while the store is down, the oldest rows go first. */
  private trim(): void {
    for (const list of [this.transitions, this.notifications]) {
      if (list.length > MAX_HISTORY) {
        this.dropped += list.length - MAX_HISTORY;
        list.splice(0, list.length - MAX_HISTORY);
      }
    }
  }
}

export const selectHistory = <
  T extends { at: number; fingerprint?: string; fingerprints?: readonly string[]; rule?: string },
>(
  rows: readonly T[],
  query: HistoryQuery = {},
): T[] => {
  const out: T[] = [];
  for (let i = rows.length - 1; i >= 0 && out.length < (query.limit ?? 100); i--) {
    const row = rows[i];
    if (query.from !== undefined && row.at < query.from) continue;
    if (query.to !== undefined && row.at > query.to) continue;
    if (query.rule !== undefined && row.rule !== query.rule) continue;
    if (
      query.fingerprint !== undefined &&
      row.fingerprint !== query.fingerprint &&
      !row.fingerprints?.includes(query.fingerprint)
    ) {
      continue;
    }
    out.push(row);
  }
  return out;
};

/** Keeps state and (bounded) history in memory: alerting without a store, and tests. */
export class MemoryAlertPersistence implements AlertPersistence {
  readonly alerts = new Map<string, AlertSnapshot>();
  readonly log = new Map<string, NotificationLogEntry>();
  readonly silences = new Map<string, Silence>();
  readonly history: AlertTransition[] = [];
  readonly sent: NotificationRecord[] = [];
  writes = 0;

  async load(): Promise<PersistedAlerting> {
    return {
      alerts: [...this.alerts.values()],
      log: [...this.log.values()],
      silences: [...this.silences.values()],
    };
  }

  async write(changes: AlertChanges): Promise<void> {
    this.writes++;
    for (const alert of changes.alerts) this.alerts.set(alert.fingerprint, alert);
    for (const id of changes.forgotten) this.alerts.delete(id);
    for (const t of changes.transitions) this.history.push(t);
    for (const n of changes.notifications) this.sent.push(n);
    for (const entry of changes.log) this.log.set(`${entry.receiver}\u0000${entry.groupKey}`, entry);
    for (const silence of changes.silences) this.silences.set(silence.id, silence);
    for (const id of changes.silencesForgotten) this.silences.delete(id);
    for (const list of [this.history, this.sent])
      if (list.length > MAX_HISTORY) list.splice(0, list.length - MAX_HISTORY);
  }

  async transitions(query?: HistoryQuery): Promise<AlertTransition[]> {
    return selectHistory(this.history, query);
  }

  async notifications(query?: HistoryQuery): Promise<NotificationRecord[]> {
    return selectHistory(this.sent, query);
  }
}
