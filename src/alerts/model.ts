/**
 * The vocabulary of alerting: observations in, alerts out. Everything here is plain,
 * JSON-safe data, so that it can be stored and restored after a restart. What the API
 * shows (alerts, transitions, silences, notifications) is defined in the contract
 * (src/contract/alerts.ts).
 */

/** One measured value: a field of a pipeline result for one key, or a platform metric. */
export interface Observation {
  /** The series (a store series, a pipeline's sink, a metric name) the value belongs to. */
  readonly series: string;
  /** Which member of the series: a host, an IP, a sensor. */
  readonly key: string;
  /** Which field of the result; absent for a series with a single value (a metric). */
  readonly field?: string;
  readonly value: number;
  /** Event time of the value, ms since the epoch. */
  readonly timestamp: number;
}

/** The seeds' levels, lowest first. */
export const SEVERITIES = ['info', 'warning', 'error', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const severityRank = (severity: string): number => SEVERITIES.indexOf(severity as Severity);

/** What a receiver was last told about a group: Alertmanager's notification log. */
export interface NotificationLogEntry {
  /** `receiver/integration-index`. */
  readonly receiver: string;
  readonly groupKey: string;
  readonly firing: readonly string[];
  readonly resolved: readonly string[];
  readonly at: number;
}
