import type { AlertSnapshot, AlertTransition, NotificationRecord, Silence } from '../../contract/index.js';
import type { NotificationLogEntry } from '../model.js';
import { type AlertChanges, MAX_HISTORY, type RuleChange } from './alert-persistence.js';

/** Changes noted since the last write; the next batch to write. */
export class ChangeBuffer {
  private alerts = new Map<string, AlertSnapshot>();
  private forgotten = new Set<string>();
  private transitions: AlertTransition[] = [];
  private notifications: NotificationRecord[] = [];
  private log = new Map<string, NotificationLogEntry>();
  private silences = new Map<string, Silence>();
  private silencesForgotten = new Set<string>();
  private rules = new Map<string, RuleChange>();
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
      this.silencesForgotten.size === 0 &&
      this.rules.size === 0
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

  rule(change: RuleChange): void {
    this.rules.set(change.name, change);
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
      rules: [...this.rules.values()],
    };
    this.alerts = new Map();
    this.forgotten = new Set();
    this.transitions = [];
    this.notifications = [];
    this.log = new Map();
    this.silences = new Map();
    this.silencesForgotten = new Set();
    this.rules = new Map();
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
    for (const change of failed.rules) if (!this.rules.has(change.name)) this.rules.set(change.name, change);
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
