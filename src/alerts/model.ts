/**
 * The vocabulary of alerting: observations in, alerts out. Everything here is plain,
 * JSON-safe data, so that it can be stored, sent over HTTP and restored after a restart.
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

/** Label names to values. An alert's identity is its labels. */
export type Labels = Readonly<Record<string, string>>;

/** `pending` until the condition held for the rule's `for`; `resolved` once it stopped holding. */
export type AlertState = 'pending' | 'firing' | 'resolved';

/**
 * One alert: a rule's condition for one key (and one severity level). Times are the alert
 * engine's clock (processing time), except `observedAt` (event time of the last value).
 */
export interface AlertSnapshot {
  readonly fingerprint: string;
  readonly rule: string;
  readonly labels: Labels;
  readonly state: AlertState;
  /** When the condition started to hold. */
  readonly activeAt: number;
  readonly firedAt?: number;
  readonly resolvedAt?: number;
  /** The value the rule last judged (the metric, its rate, its z-score, a count…). */
  readonly value: number;
  /** The bound the value was judged against for this alert's severity. */
  readonly threshold: number;
  readonly observedAt: number;
}

/** A change of an alert's state, as kept in the history. `inactive` is "no alert". */
export interface AlertTransition {
  readonly fingerprint: string;
  readonly rule: string;
  readonly labels: Labels;
  readonly from: AlertState | 'inactive';
  readonly to: AlertState | 'inactive';
  readonly at: number;
  readonly value: number;
}

/** An alert as the API and the dashboard show it. */
export interface AlertView extends AlertSnapshot {
  readonly severity: string;
  readonly annotations: Readonly<Record<string, string>>;
  /** Ids of the silences that mute it now. */
  readonly silencedBy: readonly string[];
  /** Fingerprints of the alerts that inhibit it now. */
  readonly inhibitedBy: readonly string[];
}

export type MatchType = '=' | '!=' | '=~' | '!~';

export interface Matcher {
  readonly name: string;
  readonly type: MatchType;
  readonly value: string;
}

/** A silence mutes the alerts that all its matchers match, from `startsAt` until `endsAt`. */
export interface Silence {
  readonly id: string;
  readonly matchers: readonly Matcher[];
  readonly startsAt: number;
  readonly endsAt: number;
  readonly createdBy: string;
  readonly comment: string;
}

/** What a receiver was last told about a group: Alertmanager's notification log. */
export interface NotificationLogEntry {
  /** `receiver/integration-index`. */
  readonly receiver: string;
  readonly groupKey: string;
  readonly firing: readonly string[];
  readonly resolved: readonly string[];
  readonly at: number;
}

/** One notification attempt series as kept in the history. */
export interface NotificationRecord {
  readonly receiver: string;
  readonly integration: string;
  readonly groupKey: string;
  readonly status: 'firing' | 'resolved';
  readonly fingerprints: readonly string[];
  readonly at: number;
  readonly ok: boolean;
  readonly attempts: number;
  readonly error?: string;
}
