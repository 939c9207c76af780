import type { AlertSnapshot, AlertState, Labels } from '../contract/index.js';
import type { CompiledRule } from './rules/rule.js';

/**
 * A live alert, mutable: the alert engine changes its state and value in place, and the
 * dispatcher's groups hold it by reference, so a notification always shows the latest.
 */
export class AlertRecord {
  state: AlertState = 'pending';
  activeAt: number;
  firedAt: number | undefined;
  resolvedAt: number | undefined;
  value: number;
  /** The raw observed value behind `value` (a rate's or an anomaly's input). */
  sample: number;
  observedAt: number;
  /** Clock time of the last change of state. */
  updatedAt: number;
  /** Aggregation groups holding it: a resolved alert is forgotten only once none does. */
  groups = 0;

  constructor(
    readonly fingerprint: string,
    public rule: CompiledRule,
    readonly key: string,
    readonly level: number,
    readonly labels: Labels,
    now: number,
    value: number,
    sample: number,
    observedAt: number,
  ) {
    this.activeAt = now;
    this.updatedAt = now;
    this.value = value;
    this.sample = sample;
    this.observedAt = observedAt;
  }

  get severity(): string {
    return this.labels.severity;
  }

  get threshold(): number {
    return this.rule.type === 'pattern'
      ? this.rule.shownThreshold
      : (this.rule.levels[this.level]?.bound ?? Number.NaN);
  }

  snapshot(): AlertSnapshot {
    const s: { -readonly [K in keyof AlertSnapshot]: AlertSnapshot[K] } = {
      fingerprint: this.fingerprint,
      rule: this.rule.name,
      labels: this.labels,
      state: this.state,
      activeAt: this.activeAt,
      value: this.value,
      threshold: this.threshold,
      observedAt: this.observedAt,
    };
    if (this.firedAt !== undefined) s.firedAt = this.firedAt;
    if (this.resolvedAt !== undefined) s.resolvedAt = this.resolvedAt;
    return s;
  }
}
