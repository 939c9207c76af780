import type { Labels, NotificationRecord } from '../../contract/index.js';
import type { AlertRecord } from '../alert-record.js';
import type { NotificationLogEntry } from '../model.js';
import { buildNotification, type NotifiedAlert, ZERO_TIME } from '../notify/notification.js';
import { type DeliveryResult, deliver, type Notifier, type Sleep } from '../notify/notifier.js';
import { groupKeyOf, groupLabelsOf, matchRoutes, type Route } from './route.js';

/** Alerts of one route that share their group labels: notified together. */
export class AggregationGroup {
  readonly alerts = new Map<string, AlertRecord>();
  nextFlush: number;
  flushed = false;
  inFlight = false;

  constructor(
    readonly key: string,
    readonly route: Route,
    readonly labels: Labels,
    now: number,
  ) {
    this.nextFlush = now + route.groupWaitMs;
  }
}

/** An aggregation group as `AlertEngine.groups` reports it. */
export interface GroupSummary {
  readonly key: string;
  readonly receiver: string;
  readonly labels: Record<string, string>;
  readonly alerts: string[];
  readonly nextFlush: number;
}

export interface DispatcherHooks {
  /** Whether an alert is silenced or inhibited now (checked at each flush). */
  muted(record: AlertRecord): boolean;
  /** Prepares `muted` for a round of flushes (indexes the firing alerts for inhibition). */
  beforeFlush(): void;
  toNotified(record: AlertRecord): NotifiedAlert;
  /** A notification was sent or gave up; `entry` is the new log entry when it was sent. */
  delivered(record: NotificationRecord, entry: NotificationLogEntry | undefined): void;
  retried(receiver: string, integration: string): void;
}

const logKey = (receiver: string, groupKey: string) => `${receiver}\u0000${groupKey}`;

const subset = (items: readonly string[], of: ReadonlySet<string>): boolean => items.every((x) => of.has(x));

/**
 * Alertmanager's notification decision: notify a group when it has firing alerts the
 * receiver has not been told about, when everything it was told about resolved, when
 * (with send_resolved) something resolved, or when `repeat_interval` passed.
 */
export const needsUpdate = (
  entry: NotificationLogEntry | undefined,
  firing: readonly string[],
  resolved: readonly string[],
  sendResolved: boolean,
  repeatMs: number,
  now: number,
): boolean => {
  if (!entry) return firing.length > 0;
  if (!subset(firing, new Set(entry.firing))) return true;
  if (firing.length === 0) return entry.firing.length > 0;
  if (sendResolved && !subset(resolved, new Set(entry.resolved))) return true;
  return entry.at <= now - repeatMs;
};

/**
 * Routes firing and resolved alerts into aggregation groups and flushes each group on its
 * timers (`group_wait` after it starts, then every `group_interval`), telling each
 * integration of the route's receiver only what changed — the notification log remembers
 * what it was told — or repeating after `repeat_interval`.
 */
export class Dispatcher {
  readonly groups = new Map<string, AggregationGroup>();
  readonly log = new Map<string, NotificationLogEntry>();
  private earliest = Number.POSITIVE_INFINITY;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private route: Route | undefined,
    private receivers: ReadonlyMap<string, readonly Notifier[]>,
    private readonly hooks: DispatcherHooks,
    private readonly externalUrl: string,
    private readonly sleep?: Sleep,
  ) {}

  /** Replaces the routing tree and receivers; groups of routes that no longer exist flush as they are. */
  configure(route: Route | undefined, receivers: ReadonlyMap<string, readonly Notifier[]>): void {
    this.route = route;
    this.receivers = receivers;
  }

  /** Restores what receivers were told before a restart. */
  restoreLog(entries: Iterable<NotificationLogEntry>): void {
    for (const entry of entries) this.log.set(logKey(entry.receiver, entry.groupKey), entry);
  }

  /** An alert fired, resolved or changed: it joins the groups of the routes it matches. */
  add(record: AlertRecord, now: number): void {
    if (!this.route) return;
    for (const route of matchRoutes(this.route, record.labels)) {
      const labels = groupLabelsOf(route, record.labels);
      const key = groupKeyOf(route, labels);
      let group = this.groups.get(key);
      if (!group) {
        group = new AggregationGroup(key, route, labels, now);
        this.groups.set(key, group);
      }
      if (!group.alerts.has(record.fingerprint)) {
        group.alerts.set(record.fingerprint, record);
        record.groups++;
      }
      // An alert that fired longer than group_wait ago (restored after a restart) need not wait again.
      if (!group.flushed && (record.firedAt ?? now) + route.groupWaitMs <= now) group.nextFlush = now;
      this.earliest = Math.min(this.earliest, group.nextFlush);
    }
  }

  /** The groups and when they flush next. */
  describeGroups(): GroupSummary[] {
    return [...this.groups.values()].map((g) => ({
      key: g.key,
      receiver: g.route.receiver,
      labels: { ...g.labels },
      alerts: [...g.alerts.keys()],
      nextFlush: g.nextFlush,
    }));
  }

  /** Flushes the groups that are due. */
  tick(now: number): void {
    if (now < this.earliest) return;
    this.earliest = Number.POSITIVE_INFINITY;
    let prepared = false;
    for (const group of this.groups.values()) {
      if (!group.inFlight && group.nextFlush <= now) {
        if (!prepared) {
          this.hooks.beforeFlush();
          prepared = true;
        }
        this.flush(group, now);
      }
      this.earliest = Math.min(this.earliest, group.inFlight ? now : group.nextFlush);
    }
  }

  get busy(): boolean {
    return this.inFlight.size > 0;
  }

  /** Resolves once every notification under way has been delivered or given up. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private flush(group: AggregationGroup, now: number): void {
    const { route } = group;
    group.flushed = true;
    // Flushes keep to the group's own grid (its first flush + n × group_interval), however
    // sparse the ticks: the next is the first slot after now.
    group.nextFlush +=
      (Math.floor((now - group.nextFlush) / route.groupIntervalMs) + 1) * route.groupIntervalMs;
    const shown: AlertRecord[] = [];
    const resolvedVersions = new Map<AlertRecord, number>();
    for (const record of group.alerts.values()) {
      if (record.state === 'resolved') resolvedVersions.set(record, record.updatedAt);
      if (!this.hooks.muted(record)) shown.push(record);
    }
    const firing = shown.filter((r) => r.state === 'firing').map((r) => r.fingerprint);
    const resolved = shown.filter((r) => r.state === 'resolved').map((r) => r.fingerprint);
    const notifiers = this.receivers.get(route.receiver) ?? [];
    const jobs: Promise<boolean>[] = [];
    notifiers.forEach((notifier, i) => {
      const receiver = `${route.receiver}/${i}`;
      const key = logKey(receiver, group.key);
      if (
        !needsUpdate(this.log.get(key), firing, resolved, notifier.sendResolved, route.repeatIntervalMs, now)
      )
        return;
      const entry: NotificationLogEntry = { receiver, groupKey: group.key, firing, resolved, at: now };
      const included = notifier.sendResolved ? shown : shown.filter((r) => r.state === 'firing');
      if (included.length === 0) {
        // Nothing this integration shows (all resolved, send_resolved off): only the log changes.
        this.log.set(key, entry);
        this.hooks.delivered(
          {
            receiver: route.receiver,
            integration: notifier.type,
            groupKey: group.key,
            status: 'resolved',
            fingerprints: [],
            at: now,
            ok: true,
            attempts: 0,
          },
          entry,
        );
        return;
      }
      const notification = buildNotification(
        route.receiver,
        group.key,
        group.labels,
        included.map((r) => this.hooks.toNotified(r)),
        this.externalUrl,
      );
      jobs.push(
        deliver(notifier, notification, this.sleep, () =>
          this.hooks.retried(route.receiver, notifier.type),
        ).then((result: DeliveryResult) => {
          if (result.ok) this.log.set(key, entry);
          const record: NotificationRecord = {
            receiver: route.receiver,
            integration: notifier.type,
            groupKey: group.key,
            status: notification.status,
            fingerprints: notification.alerts.map((a) => a.fingerprint),
            at: now,
            ok: result.ok,
            attempts: result.attempts,
            ...(result.error ? { error: result.error } : {}),
          };
          this.hooks.delivered(record, result.ok ? entry : undefined);
          return result.ok;
        }),
      );
    });
    if (jobs.length === 0) {
      this.release(group, resolvedVersions);
      return;
    }
    group.inFlight = true;
    const done = Promise.all(jobs).then((oks) => {
      group.inFlight = false;
      // A failed delivery keeps the resolved alerts, so the next flush tells them again.
      if (oks.every(Boolean)) this.release(group, resolvedVersions);
      this.earliest = Math.min(this.earliest, group.nextFlush);
    });
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done));
  }

  /** Drops the resolved alerts that did not change since the flush began; an empty group goes. */
  private release(group: AggregationGroup, resolved: ReadonlyMap<AlertRecord, number>): void {
    for (const [record, version] of resolved) {
      if (record.state !== 'resolved' || record.updatedAt !== version) continue;
      if (group.alerts.delete(record.fingerprint)) record.groups--;
    }
    if (group.alerts.size === 0 && this.groups.get(group.key) === group) this.groups.delete(group.key);
  }

  /** Drops an alert from every group (it was forgotten). */
  remove(record: AlertRecord): void {
    for (const group of this.groups.values()) {
      if (group.alerts.delete(record.fingerprint)) record.groups--;
      if (group.alerts.size === 0 && !group.inFlight) this.groups.delete(group.key);
    }
  }
}

export const notifiedAlert = (
  record: AlertRecord,
  annotations: Readonly<Record<string, string>>,
  externalUrl: string,
): NotifiedAlert => ({
  status: record.state === 'resolved' ? 'resolved' : 'firing',
  labels: record.labels,
  annotations,
  startsAt: new Date(record.firedAt ?? record.activeAt).toISOString(),
  endsAt:
    record.state === 'resolved' ? new Date(record.resolvedAt ?? record.updatedAt).toISOString() : ZERO_TIME,
  generatorURL: externalUrl
    ? `${externalUrl.replace(/\/$/, '')}/api/v1/alerts?fingerprint=${record.fingerprint}`
    : '',
  fingerprint: record.fingerprint,
  value: Number.isFinite(record.value) ? record.value : null,
  threshold: Number.isFinite(record.threshold) ? record.threshold : null,
});
