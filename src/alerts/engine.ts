import { createHash } from 'node:crypto';
import type { Registry } from 'prom-client';
import { type ErrorCode, TributaryError } from '../engine/errors.js';
import { type Clock, systemClock } from '../engine/time/clock.js';
import { type Duration, toMillis } from '../engine/time/duration.js';
import type { AlertRecord } from './alert-record.js';
import { Dispatcher, notifiedAlert } from './dispatch/dispatcher.js';
import { Inhibitor } from './dispatch/inhibit.js';
import { Silences, silenceStatus, toSilence } from './dispatch/silences.js';
import { AlertTable } from './lifecycle.js';
import { AlertMetrics } from './metrics.js';
import type {
  AlertState,
  AlertTransition,
  AlertView,
  NotificationRecord,
  Observation,
  Silence,
} from './model.js';
import type { Notifier, Sleep } from './notify/notifier.js';
import { type AlertPersistence, type HistoryQuery, MemoryAlertPersistence } from './persistence.js';
import { compileRule } from './rules/rule.js';
import { observeBucket } from './rules/rule-index.js';
import { RuleSet } from './rules/rule-set.js';
import type { AlertingDocument, RuleDocument, SilenceDocument } from './schema.js';
import { type AlertingSettings, compileRules, resolveAlerting } from './settings.js';
import { StateWriter } from './state-writer.js';
import { renderAnnotations } from './views.js';

/** A pino-compatible logger (only what alerting uses). */
export interface AlertLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

const silent: AlertLogger = { info() {}, warn() {}, error() {} };

export interface AlertEngineOptions {
  /** The `alerts:` section: rules, route, receivers, inhibit rules, silences. */
  readonly config?: AlertingDocument;
  /** Processing time: `for`, absence, group timers, silences. Default the system clock. */
  readonly clock?: Clock;
  /** Where state and history go; default in memory (nothing survives a restart). */
  readonly persistence?: AlertPersistence;
  /** The platform's Prometheus registry; no metrics without one. */
  readonly registry?: Registry;
  readonly logger?: AlertLogger;
  /** Integrations built in code, added to the receivers of those names. */
  readonly receivers?: Readonly<Record<string, readonly Notifier[]>>;
  /** How retries wait (tests pass a fast one). */
  readonly sleep?: Sleep;
}

/** What subscribers (the WebSocket `alerts` channel) hear. */
export type AlertEvent =
  | {
      readonly type: 'alert';
      readonly from: AlertState | 'inactive';
      readonly to: AlertState | 'inactive';
      readonly alert: AlertView;
    }
  | { readonly type: 'silence'; readonly silence: Silence; readonly status: string }
  | { readonly type: 'notification'; readonly notification: NotificationRecord };

export interface AlertFilter {
  readonly state?: AlertState | readonly AlertState[];
  readonly rule?: string;
  readonly fingerprint?: string;
  /** false: only alerts neither silenced nor inhibited; true: only muted ones. */
  readonly muted?: boolean;
}

const _STORE_RETRY_MS = 5_000;

/**
 * Alerting driven by the stream: observations in, alerts out, notifications sent.
 *
 * - `observe(observations)` judges values against the rules that watch their series and
 *   field (an index: cost per observation does not grow with the number of rules);
 * - `tick()` moves time-based transitions on: `for`, absence, pattern expiry, group timers,
 *   silences; the runtime calls it every `evaluation_interval` (tests with a manual clock);
 * - routing, grouping, inhibition, silences and de-duplication follow Prometheus
 *   Alertmanager; notifications are sent in the background, retried, counted, never thrown;
 * - state (active alerts, what each receiver was told, silences) and history go to the
 *   persistence, so that `AlertEngine.open` after a restart carries on without notifying twice.
 *
 * @example
 * const alerts = await AlertEngine.open({ config, persistence: await AlertStore.open(backend), registry });
 * alerts.observe(observationsFromResults('host-metrics', results));
 * setInterval(() => alerts.tick(), alerts.evaluationIntervalMs);
 */
export class AlertEngine {
  private readonly clock: Clock;
  private readonly persistence: AlertPersistence;
  private readonly logger: AlertLogger;
  private readonly metrics: AlertMetrics;
  private readonly table: AlertTable;
  private readonly ruleSet: RuleSet;
  private readonly silenceSet = new Silences();
  private readonly writer: StateWriter;
  private readonly listeners = new Set<(event: AlertEvent) => void>();
  private readonly dispatcher: Dispatcher;
  private settings: AlertingSettings;
  private inhibitor: Inhibitor;
  private inhibitionStale = true;
  private closed = false;

  private constructor(private readonly options: AlertEngineOptions) {
    this.clock = options.clock ?? systemClock;
    this.persistence = options.persistence ?? new MemoryAlertPersistence();
    this.writer = new StateWriter(this.persistence, this.clock, (error) => {
      this.metrics.storeFailed();
      this.logger.error(
        { error: error instanceof Error ? error.message : String(error) },
        'writing alert state failed; retrying',
      );
    });
    this.logger = options.logger ?? silent;
    this.settings = resolveAlerting(options.config, 'alerts', options.receivers);
    this.inhibitor = new Inhibitor(this.settings.inhibitRules);
    this.table = new AlertTable((record, from, to) => this.onTransition(record, from, to));
    this.table.now = this.clock.now();
    this.metrics = new AlertMetrics(options.registry, {
      alertCounts: () => {
        const counts = new Map<string, number>();
        for (const r of this.table.records.values()) {
          const id = `${r.state}/${r.severity}`;
          counts.set(id, (counts.get(id) ?? 0) + 1);
        }
        return counts;
      },
      ruleCounts: () => this.ruleSet.countsByType(),
      silenceCounts: () => {
        const counts = new Map<string, number>();
        const now = this.clock.now();
        for (const s of this.silenceSet.list())
          counts.set(silenceStatus(s, now), (counts.get(silenceStatus(s, now)) ?? 0) + 1);
        return counts;
      },
    });
    this.dispatcher = new Dispatcher(
      this.settings.route,
      this.settings.receivers,
      {
        muted: (record) => this.isMuted(record),
        beforeFlush: () => this.prepareInhibition(),
        toNotified: (record) => notifiedAlert(record, renderAnnotations(record), this.settings.externalUrl),
        delivered: (record, entry) => this.onDelivered(record, entry),
        retried: (receiver, integration) => this.metrics.retried(receiver, integration),
      },
      this.settings.externalUrl,
      options.sleep,
    );
    this.ruleSet = new RuleSet(this.table);
    for (const rule of this.settings.rules) this.ruleSet.put(rule);
  }

  /** Builds the engine and restores what the persistence holds from before a restart. */
  static async open(options: AlertEngineOptions = {}): Promise<AlertEngine> {
    const engine = new AlertEngine(options);
    await engine.restore();
    return engine;
  }

  /** How often the runtime should call `tick()`. */
  get evaluationIntervalMs(): number {
    return this.settings.evaluationIntervalMs;
  }

  /** Judges observations against the rules watching their series and field. */
  observe(observations: Iterable<Observation>, now: number = this.clock.now()): void {
    this.checkOpen();
    this.table.now = now;
    const series = this.ruleSet.index.series;
    const table = this.table;
    let evaluations = 0;
    let count = 0;
    for (const o of observations) {
      count++;
      if (
        typeof o.key !== 'string' ||
        typeof o.value !== 'number' ||
        !Number.isFinite(o.value) ||
        !Number.isFinite(o.timestamp)
      ) {
        this.metrics.rejected++;
        continue;
      }
      const rules = series.get(o.series);
      if (rules === undefined) continue;
      const bucket = o.field === undefined ? rules.plain : rules.fields.get(o.field);
      if (bucket !== undefined) evaluations += observeBucket(bucket, o, now, table);
      if (rules.anyField !== undefined) evaluations += observeBucket(rules.anyField, o, now, table);
    }
    this.metrics.observations += count;
    this.metrics.evaluations += evaluations;
    this.dispatcher.tick(now);
    this.writer.flush(now);
  }

  /** Moves time-based transitions on: absence, pattern expiry, `for`, group flushes, retention. */
  tick(now: number = this.clock.now()): void {
    this.checkOpen();
    this.table.now = now;
    for (const evaluator of this.ruleSet.timed) evaluator.tick?.(now, this.table);
    this.table.tick(now);
    this.dispatcher.tick(now);
    this.table.collect(now, this.settings.resolvedRetentionMs, (record) => {
      this.dispatcher.remove(record);
      this.writer.changes.forget(record.fingerprint);
    });
    for (const id of this.silenceSet.prune(now, this.settings.resolvedRetentionMs))
      this.writer.changes.forgetSilence(id);
    this.writer.flush(now);
  }

  // ---- rules ----

  /** The rules, as given. */
  rules(): RuleDocument[] {
    return this.ruleSet.documents();
  }

  rule(name: string): RuleDocument {
    const evaluator = this.ruleSet.get(name);
    if (!evaluator) throw notFound(`no alert rule is named ${JSON.stringify(name)}`);
    return evaluator.rule.document;
  }

  /**
   * Adds a rule, or replaces the one of the same name. A replaced rule keeps its alerts
   * whose labels and level it still has; the next value is judged by the new rule.
   */
  upsertRule(doc: RuleDocument): void {
    this.checkOpen();
    const rule = compileRule(doc, `rule ${JSON.stringify(doc?.name)}`);
    this.table.now = this.clock.now();
    this.ruleSet.put(rule);
    this.writer.flush(this.table.now);
  }

  /** Removes a rule; its alerts resolve. */
  removeRule(name: string): void {
    this.checkOpen();
    this.table.now = this.clock.now();
    if (!this.ruleSet.remove(name)) throw notFound(`no alert rule is named ${JSON.stringify(name)}`);
    this.writer.flush(this.table.now);
  }

  /** Replaces every rule (a configuration reload): rules not given are removed. */
  setRules(docs: readonly RuleDocument[]): void {
    this.checkOpen();
    const rules = compileRules(docs);
    this.table.now = this.clock.now();
    this.ruleSet.set(rules);
    this.writer.flush(this.table.now);
  }

  /** Reloads the whole `alerts:` section: rules, routes, receivers, inhibit rules, silences. */
  configure(config: AlertingDocument): void {
    this.checkOpen();
    const settings = resolveAlerting(config, 'alerts', this.options.receivers);
    const old = this.settings;
    this.settings = settings;
    this.inhibitor = new Inhibitor(settings.inhibitRules);
    this.inhibitionStale = true;
    this.dispatcher.configure(settings.route, settings.receivers);
    this.setRules(config.rules ?? []);
    this.addConfigSilences();
    void this.dispatcher.settled().then(() => closeNotifiers(old.receivers, settings.receivers));
  }

  // ---- alerts ----

  /** Alerts held now (pending, firing, recently resolved), most severe and newest first. */
  alerts(filter: AlertFilter = {}): AlertView[] {
    const states = filter.state === undefined ? undefined : ([] as AlertState[]).concat(filter.state);
    const out: AlertView[] = [];
    for (const record of this.table.records.values()) {
      if (states && !states.includes(record.state)) continue;
      if (filter.rule !== undefined && record.rule.name !== filter.rule) continue;
      if (filter.fingerprint !== undefined && record.fingerprint !== filter.fingerprint) continue;
      const view = this.view(record);
      const muted = view.silencedBy.length > 0 || view.inhibitedBy.length > 0;
      if (filter.muted !== undefined && filter.muted !== muted) continue;
      out.push(view);
    }
    const rank = { firing: 0, pending: 1, resolved: 2 };
    return out.sort(
      (a, b) =>
        rank[a.state] - rank[b.state] ||
        SEVERITY_ORDER.indexOf(b.severity) - SEVERITY_ORDER.indexOf(a.severity) ||
        b.activeAt - a.activeAt,
    );
  }

  alert(fingerprint: string): AlertView | undefined {
    const record = this.table.records.get(fingerprint);
    return record ? this.view(record) : undefined;
  }

  /** State changes, newest first (from the store when there is one). */
  history(query?: HistoryQuery): Promise<AlertTransition[]> {
    return this.persistence.transitions(query);
  }

  /** Notifications sent or failed, newest first. */
  notifications(query?: HistoryQuery): Promise<NotificationRecord[]> {
    return this.persistence.notifications(query);
  }

  /** The aggregation groups and when they flush next. */
  groups(): {
    key: string;
    receiver: string;
    labels: Record<string, string>;
    alerts: string[];
    nextFlush: number;
  }[] {
    return [...this.dispatcher.groups.values()].map((g) => ({
      key: g.key,
      receiver: g.route.receiver,
      labels: { ...g.labels },
      alerts: [...g.alerts.keys()],
      nextFlush: g.nextFlush,
    }));
  }

  // ---- silences ----

  silences(): (Silence & { status: string })[] {
    const now = this.clock.now();
    return this.silenceSet.list().map((s) => ({ ...s, status: silenceStatus(s, now) }));
  }

  /** Adds a silence (or replaces the one with the same id). */
  addSilence(doc: SilenceDocument): Silence {
    this.checkOpen();
    const now = this.clock.now();
    const silence = toSilence(doc, now);
    this.putSilence(silence, now);
    return silence;
  }

  /** Silences one alert: matchers on all its labels, for `duration`. */
  silenceAlert(
    fingerprint: string,
    options: { duration: Duration; createdBy?: string; comment?: string },
  ): Silence {
    const record = this.table.records.get(fingerprint);
    if (!record) throw notFound(`no alert has fingerprint ${JSON.stringify(fingerprint)}`);
    return this.addSilence({
      matchers: Object.entries(record.labels).map(([name, value]) => ({ name, type: '=' as const, value })),
      duration: toMillis(options.duration, 'duration'),
      created_by: options.createdBy,
      comment: options.comment ?? `silenced alert ${fingerprint}`,
    });
  }

  expireSilence(id: string): Silence {
    this.checkOpen();
    const now = this.clock.now();
    const silence = this.silenceSet.expire(id, now);
    this.writer.changes.silence(silence);
    this.emit({ type: 'silence', silence, status: silenceStatus(silence, now) });
    this.writer.flush(now);
    return silence;
  }

  // ---- lifecycle ----

  /** Hears every alert change, silence change and notification; returns the unsubscribe. */
  subscribe(listener: (event: AlertEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once notifications under way are done and changes are written (or failed to be). */
  async settled(): Promise<void> {
    for (let round = 0; round < 100; round++) {
      await this.dispatcher.settled();
      await this.writer.settled();
      if (!this.dispatcher.busy && !this.writer.busy) return;
    }
  }

  /** Waits for notifications and writes, then closes notifier connections. The persistence stays open. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.writer.retryNow();
    await this.settled();
    this.closed = true;
    await closeNotifiers(this.settings.receivers, new Map());
  }

  // ---- internals ----

  private async restore(): Promise<void> {
    const now = this.clock.now();
    this.table.now = now;
    const saved = await this.persistence.load();
    for (const silence of saved.silences) this.silenceSet.set(silence);
    this.addConfigSilences();
    this.dispatcher.restoreLog(saved.log);
    const ended: AlertRecord[] = [];
    for (const snapshot of saved.alerts) {
      const { record, attached } = this.ruleSet.revive(snapshot, now);
      this.table.restore(record);
      if (record.state !== 'resolved' && !attached) ended.push(record);
    }
    for (const record of this.table.records.values()) {
      if (record.state !== 'pending') this.dispatcher.add(record, now);
    }
    // Alerts of rules that are gone, or whose level is gone, resolve now.
    for (const record of ended) this.table.end(record);
    this.logger.info(
      { alerts: saved.alerts.length, silences: saved.silences.length },
      'alert state restored',
    );
    this.writer.flush(now);
  }

  private addConfigSilences(): void {
    const now = this.clock.now();
    this.settings.silences.forEach((doc, i) => {
      const id =
        doc.id ?? `config-${createHash('sha256').update(JSON.stringify(doc)).digest('hex').slice(0, 12)}`;
      if (this.silenceSet.get(id)) return;
      this.putSilence(toSilence({ ...doc, id }, now, `alerts.silences[${i}]`), now);
    });
  }

  private putSilence(silence: Silence, now: number): void {
    this.silenceSet.set(silence);
    this.writer.changes.silence(silence);
    this.emit({ type: 'silence', silence, status: silenceStatus(silence, now) });
    this.writer.flush(now);
  }

  private onTransition(
    record: AlertRecord,
    from: AlertState | 'inactive',
    to: AlertState | 'inactive',
  ): void {
    const now = this.table.now;
    this.writer.changes.transition({
      fingerprint: record.fingerprint,
      rule: record.rule.name,
      labels: record.labels,
      from,
      to,
      at: now,
      value: record.value,
    });
    if (to === 'inactive') this.writer.changes.forget(record.fingerprint);
    else this.writer.changes.upsert(record.snapshot());
    this.metrics.transition(to);
    if (to === 'firing' || to === 'resolved') this.dispatcher.add(record, now);
    this.inhibitionStale = true;
    if (this.listeners.size > 0) this.emit({ type: 'alert', from, to, alert: this.view(record) });
  }

  private onDelivered(
    record: NotificationRecord,
    entry: import('./model.js').NotificationLogEntry | undefined,
  ): void {
    this.metrics.delivered(record.receiver, record.integration, record.ok);
    if (record.attempts > 0) this.writer.changes.notification(record);
    if (entry) this.writer.changes.logEntry(entry);
    if (!record.ok) {
      this.logger.warn(
        {
          code: 'TRB_ALERT_NOTIFY_FAILED' satisfies ErrorCode,
          receiver: record.receiver,
          integration: record.integration,
          group: record.groupKey,
          attempts: record.attempts,
          error: record.error,
        },
        'alert notification failed',
      );
    }
    if (record.attempts > 0) this.emit({ type: 'notification', notification: record });
    if (!this.closed) this.writer.flush();
  }

  private prepareInhibition(): void {
    if (!this.inhibitionStale) return;
    const firing: AlertRecord[] = [];
    for (const record of this.table.records.values()) if (record.state === 'firing') firing.push(record);
    this.inhibitor.prepare(firing);
    this.inhibitionStale = false;
  }

  private isMuted(record: AlertRecord): boolean {
    if (this.silenceSet.silencing(record.labels, this.table.now).length > 0) return true;
    return record.state === 'firing' && this.inhibitor.inhibitedBy(record).length > 0;
  }

  private view(record: AlertRecord): AlertView {
    this.prepareInhibition();
    return {
      ...record.snapshot(),
      severity: record.severity,
      annotations: renderAnnotations(record),
      silencedBy: this.silenceSet.silencing(record.labels, this.clock.now()),
      inhibitedBy: record.state === 'firing' ? this.inhibitor.inhibitedBy(record) : [],
    };
  }

  private emit(event: AlertEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.error({ error: String(error) }, 'an alert subscriber threw');
      }
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new TributaryError('TRB_ALERT_INVALID', 'the alert engine was used after close()');
  }
}

const SEVERITY_ORDER: readonly string[] = ['info', 'warning', 'error', 'critical'];

const notFound = (message: string) => new TributaryError('TRB_ALERT_NOT_FOUND', message);

const closeNotifiers = async (
  old: ReadonlyMap<string, readonly Notifier[]>,
  kept: ReadonlyMap<string, readonly Notifier[]>,
): Promise<void> => {
  const keep = new Set([...kept.values()].flat());
  for (const notifier of [...old.values()].flat())
    if (!keep.has(notifier)) await notifier.close?.().catch(() => {});
};
