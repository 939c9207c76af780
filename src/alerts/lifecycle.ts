import type { AlertState, Labels } from '../contract/index.js';
import { AlertRecord } from './alert-record.js';
import { fingerprint, normalizeLabels } from './labels.js';
import type { AlertSink, KeyState } from './rules/evaluators/index.js';
import type { CompiledRule } from './rules/rule.js';

export type Transition = (
  record: AlertRecord,
  from: AlertState | 'inactive',
  to: AlertState | 'inactive',
) => void;

/** The labels of the alert of `rule` for `key` at `level`. */
export const alertLabels = (rule: CompiledRule, key: string, level: number): Labels =>
  normalizeLabels({
    ...rule.labels,
    alertname: rule.name,
    severity: rule.levels[level].severity,
    series: rule.type === 'pattern' && rule.document.type === 'pattern' ? rule.document.source : rule.series,
    field: rule.field,
    key,
  });

/**
 * Every alert the engine holds, by fingerprint, and their lifecycle: a condition that starts
 * makes a `pending` alert (or a `firing` one when the rule has no `for`); a pending alert
 * fires once its condition held for `for`, and disappears if it stops before; a firing
 * alert resolves when its condition stops. Resolved alerts stay until every group has sent
 * their resolved notice and `resolvedRetention` has passed.
 */
export class AlertTable implements AlertSink {
  readonly records = new Map<string, AlertRecord>();
  private readonly pending = new Set<AlertRecord>();
  /** Clock time of the current observe or tick. */
  now = 0;

  constructor(private readonly onTransition: Transition) {}

  activate(
    rule: CompiledRule,
    state: KeyState,
    key: string,
    level: number,
    value: number,
    sample: number,
    at: number,
  ): void {
    state.identities ??= new Array(rule.levels.length).fill(undefined);
    let identity = state.identities[level];
    if (identity === undefined) {
      const labels = alertLabels(rule, key, level);
      identity = state.identities[level] = { labels, fingerprint: fingerprint(labels) };
    }
    const { labels, fingerprint: fp } = identity;
    let record = this.records.get(fp);
    let from: AlertState | 'inactive' = 'inactive';
    if (record === undefined) {
      record = new AlertRecord(fp, rule, key, level, labels, this.now, value, sample, at);
      this.records.set(fp, record);
    } else {
      // A resolved alert whose notice may still be on its way comes back: one alert, new episode.
      from = record.state;
      record.rule = rule;
      record.activeAt = this.now;
      record.firedAt = undefined;
      record.resolvedAt = undefined;
      record.value = value;
      record.sample = sample;
      record.observedAt = at;
    }
    state.alerts[level] = record;
    state.active++;
    if (rule.forMs <= 0) this.fire(record, from);
    else {
      record.state = 'pending';
      record.updatedAt = this.now;
      this.pending.add(record);
      this.onTransition(record, from, 'pending');
    }
  }

  update(state: KeyState, level: number, value: number, sample: number, at: number): void {
    const record = state.alerts[level]!;
    record.value = value;
    record.sample = sample;
    record.observedAt = at;
    if (record.state === 'pending' && this.now - record.activeAt >= record.rule.forMs) {
      this.pending.delete(record);
      this.fire(record, 'pending');
    }
  }

  deactivate(state: KeyState, level: number, value: number, at: number): void {
    const record = state.alerts[level]!;
    state.alerts[level] = undefined;
    state.active--;
    record.value = value;
    record.observedAt = at;
    this.end(record);
  }

  /** Ends an alert whatever its condition (its rule went away). */
  end(record: AlertRecord): void {
    record.updatedAt = this.now;
    if (record.state === 'pending') {
      this.pending.delete(record);
      if (record.groups > 0) {
        // It had fired and resolved before this pending episode: it stays resolved.
        record.state = 'resolved';
        record.resolvedAt = this.now;
        this.onTransition(record, 'pending', 'resolved');
      } else {
        this.records.delete(record.fingerprint);
        this.onTransition(record, 'pending', 'inactive');
      }
    } else if (record.state === 'firing') {
      record.state = 'resolved';
      record.resolvedAt = this.now;
      this.onTransition(record, 'firing', 'resolved');
    }
  }

  /** Fires pending alerts whose condition held for their rule's `for`. */
  tick(now: number): void {
    this.now = now;
    for (const record of this.pending) {
      if (now - record.activeAt < record.rule.forMs) continue;
      this.pending.delete(record);
      this.fire(record, 'pending');
    }
  }

  /** Forgets resolved alerts no group holds any more, `retention` after they resolved. */
  collect(now: number, retention: number, forget: (record: AlertRecord) => void): void {
    for (const record of this.records.values()) {
      if (record.state !== 'resolved' || record.groups > 0) continue;
      if (now - (record.resolvedAt ?? now) < retention) continue;
      this.records.delete(record.fingerprint);
      forget(record);
    }
  }

  /** Puts back an alert from before a restart, as it was, without a transition. */
  restore(record: AlertRecord): void {
    this.records.set(record.fingerprint, record);
    if (record.state === 'pending') this.pending.add(record);
  }

  private fire(record: AlertRecord, from: AlertState | 'inactive'): void {
    record.state = 'firing';
    record.firedAt = this.now;
    record.updatedAt = this.now;
    this.onTransition(record, from, 'firing');
  }
}
