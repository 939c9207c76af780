import type { AlertSnapshot, AlertTransition, NotificationRecord, Silence } from '../../contract/index.js';
import type { NotificationLogEntry } from '../model.js';
import {
  type AlertChanges,
  type AlertPersistence,
  type HistoryQuery,
  MAX_HISTORY,
  type PersistedAlerting,
  type RuleChange,
} from './alert-persistence.js';

/** The newest rows that match a query, as the SQL store selects them. */
const selectHistory = <
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
  readonly rules = new Map<string, RuleChange>();
  readonly history: AlertTransition[] = [];
  readonly sent: NotificationRecord[] = [];
  writes = 0;

  async load(): Promise<PersistedAlerting> {
    return {
      alerts: [...this.alerts.values()],
      log: [...this.log.values()],
      silences: [...this.silences.values()],
      rules: [...this.rules.values()],
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
    for (const change of changes.rules) this.rules.set(change.name, change);
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
