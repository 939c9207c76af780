import type { Labels } from '../../contract/index.js';

/** One alert as notifiers receive it (Alertmanager's webhook fields, plus value and threshold). */
export interface NotifiedAlert {
  readonly status: 'firing' | 'resolved';
  readonly labels: Labels;
  readonly annotations: Readonly<Record<string, string>>;
  /** ISO-8601. */
  readonly startsAt: string;
  /** ISO-8601; `0001-01-01T00:00:00Z` while firing, as Alertmanager sends it. */
  readonly endsAt: string;
  readonly generatorURL: string;
  readonly fingerprint: string;
  readonly value: number | null;
  readonly threshold: number | null;
}

/**
 * What a receiver is told about one group: its alerts, firing and resolved, with the labels
 * they share. This is also the data templates render.
 */
export interface Notification {
  readonly receiver: string;
  readonly status: 'firing' | 'resolved';
  readonly groupKey: string;
  readonly groupLabels: Labels;
  readonly commonLabels: Labels;
  readonly commonAnnotations: Readonly<Record<string, string>>;
  readonly externalURL: string;
  readonly alerts: readonly NotifiedAlert[];
  readonly firing: readonly NotifiedAlert[];
  readonly resolved: readonly NotifiedAlert[];
  readonly truncatedAlerts: number;
}

export const ZERO_TIME = '0001-01-01T00:00:00Z';

const common = (maps: readonly Readonly<Record<string, string>>[]): Record<string, string> => {
  if (maps.length === 0) return {};
  const out: Record<string, string> = { ...maps[0] };
  for (const map of maps.slice(1)) {
    for (const name of Object.keys(out)) if (map[name] !== out[name]) delete out[name];
  }
  return out;
};

export const buildNotification = (
  receiver: string,
  groupKey: string,
  groupLabels: Labels,
  alerts: readonly NotifiedAlert[],
  externalURL: string,
): Notification => {
  const firing = alerts.filter((a) => a.status === 'firing');
  const resolved = alerts.filter((a) => a.status === 'resolved');
  return {
    receiver,
    status: firing.length > 0 ? 'firing' : 'resolved',
    groupKey,
    groupLabels,
    commonLabels: common(alerts.map((a) => a.labels)),
    commonAnnotations: common(alerts.map((a) => a.annotations)),
    externalURL,
    alerts: [...firing, ...resolved],
    firing,
    resolved,
    truncatedAlerts: 0,
  };
};

/** Alertmanager's webhook body (version 4). */
export const webhookBody = (n: Notification) => ({
  version: '4',
  groupKey: n.groupKey,
  truncatedAlerts: n.truncatedAlerts,
  status: n.status,
  receiver: n.receiver,
  groupLabels: n.groupLabels,
  commonLabels: n.commonLabels,
  commonAnnotations: n.commonAnnotations,
  externalURL: n.externalURL,
  alerts: n.alerts,
});

export const DEFAULT_TITLE =
  '[{{ status | upper }}{{#if firing}}:{{ firing | length }}{{/if}}] {{#if groupLabels.alertname}}{{ groupLabels.alertname }}{{else}}{{ commonLabels.alertname | default "alerts" }}{{/if}}{{#if commonLabels.severity}} ({{ commonLabels.severity }}){{/if}}';

export const DEFAULT_TEXT = `{{#each firing}}- [{{ labels.severity | upper }}] {{ annotations.summary }} (since {{ startsAt }})
{{/each}}{{#if resolved}}Resolved:
{{#each resolved}}- {{ annotations.summary }} (at {{ endsAt }})
{{/each}}{{/if}}`;
