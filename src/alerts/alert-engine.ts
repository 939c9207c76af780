import { createHash } from 'node:crypto';
import type {
  AlertEvent,
  AlertingApi,
  AlertState,
  AlertTransition,
  AlertView,
  NotificationRecord,
  Silence,
  SilenceWithStatus,
} from '../contract/index.js';
import { type Clock, systemClock } from '../engine/time/clock.js';
import { type Duration, toMillis } from '../engine/time/duration.js';
import { TributaryError } from '../errors.js';
import {
  type AlertEngineOptions,
  type AlertFilter,
  type AlertLogger,
  silentLogger,
} from './alert-engine-options.js';
import { AlertJournal } from './alert-journal.js';
import type { AlertRecord } from './alert-record.js';
import { checkDocument } from './check-document.js';
import { Dispatcher, type GroupSummary, notifiedAlert } from './dispatch/dispatcher.js';
import { Muting } from './dispatch/muting.js';
import { silenceStatus, toSilence } from './dispatch/silences.js';
import { AlertTable } from './lifecycle.js';
import { AlertMetrics, countBy } from './metrics.js';
import { type NotificationLogEntry, type Observation, severityRank } from './model.js';
import { closeRetiredNotifiers } from './notify/receivers.js';
import type { AlertPersistence, HistoryQuery } from './persistence/alert-persistence.js';
import { MemoryAlertPersistence } from './persistence/memory-persistence.js';
import { ApiRules } from './rules/api-rules.js';
import { compileRule } from './rules/rule.js';
import { observeBucket } from './rules/rule-index.js';
import { RuleSet } from './rules/rule-set.js';
import {
  type AlertingDocument,
  type RuleDocument,
  RuleSchema,
  type SilenceDocument,
  SilenceSchema,
} from './schema.js';
import { type AlertingSettings, compileRules, resolveAlerting } from './settings.js';
import type { StateWriter } from './state-writer.js';
import { renderAnnotations } from './views.js';

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
export class AlertEngine implements AlertingApi {
  private readonly clock: Clock;
  private readonly persistence: AlertPersistence;
  private readonly logger: AlertLogger;
  private readonly metrics: AlertMetrics;
  private readonly journal: AlertJournal;
  private readonly table: AlertTable;
  private readonly ruleSet: RuleSet;
  private readonly muting: Muting;
  private readonly dispatcher: Dispatcher;
  private settings: AlertingSettings;
  private closed = false;
  /** Rules as the API left them, over the configuration's; persisted. */
  private readonly apiRules: ApiRules;

  private constructor(private readonly options: AlertEngineOptions) {
    this.clock = options.clock ?? systemClock;
    this.persistence = options.persistence ?? new MemoryAlertPersistence();
    this.logger = options.logger ?? silentLogger;
    this.apiRules = new ApiRules(this.logger);
    this.settings = resolveAlerting(options.config, 'alerts', options.receivers);
    this.table = new AlertTable((record, from, to) => this.onTransition(record, from, to));
    this.muting = new Muting(this.settings.inhibitRules, () => this.table.records.values());
    this.table.now = this.clock.now();
    this.metrics = new AlertMetrics(options.registry, {
      alertCounts: () => countBy(this.table.records.values(), (r) => `${r.state}/${r.severity}`),
      ruleCounts: () => this.ruleSet.countsByType(),
      silenceCounts: () => {
        const now = this.clock.now();
        return countBy(this.muting.silences.list(), (s) => silenceStatus(s, now));
      },
    });
    this.journal = new AlertJournal(this.persistence, this.clock, this.metrics, this.logger);
    this.dispatcher = new Dispatcher(
      this.settings.route,
      this.settings.receivers,
      {
        muted: (record) => this.muting.isMuted(record, this.table.now),
        beforeFlush: () => this.muting.prepare(),
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
    for (const id of this.muting.silences.prune(now, this.settings.resolvedRetentionMs))
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
   * whose labels and level it still has; the next value is judged by the new rule. The
   * change is persisted: it outlives a restart and a configuration reload.
   */
  upsertRule(doc: RuleDocument): void {
    this.checkOpen();
    checkDocument(RuleSchema, doc, 'rule');
    this.apiRules.checkChange(doc, this.ruleSet.get(doc.name)?.rule);
    const rule = compileRule(doc, `rule ${JSON.stringify(doc?.name)}`);
    this.table.now = this.clock.now();
    this.ruleSet.put(rule);
    this.noteRule(rule.name, rule.document);
    this.writer.flush(this.table.now);
  }

  /** Removes a rule, for good (also one of the configuration's); its alerts resolve. */
  removeRule(name: string): void {
    this.checkOpen();
    this.table.now = this.clock.now();
    if (!this.ruleSet.remove(name)) throw notFound(`no alert rule is named ${JSON.stringify(name)}`);
    this.noteRule(name, null);
    this.writer.flush(this.table.now);
  }

  /**
   * Replaces the configuration's rules (a configuration reload): rules not given are
   * removed. What the API changed stays changed.
   */
  setRules(docs: readonly RuleDocument[]): void {
    this.checkOpen();
    const rules = this.apiRules.over(compileRules(docs));
    this.table.now = this.clock.now();
    this.ruleSet.set(rules);
    this.writer.flush(this.table.now);
  }

  private noteRule(name: string, document: RuleDocument | null): void {
    this.apiRules.note(name, document);
    this.writer.changes.rule({ name, document });
  }

  /** Reloads the whole `alerts:` section: rules, routes, receivers, inhibit rules, silences. */
  configure(config: AlertingDocument): void {
    this.checkOpen();
    const settings = resolveAlerting(config, 'alerts', this.options.receivers);
    const old = this.settings;
    this.settings = settings;
    this.muting.setInhibitRules(settings.inhibitRules);
    this.dispatcher.configure(settings.route, settings.receivers);
    this.setRules(config.rules ?? []);
    this.addConfigSilences();
    void this.dispatcher.settled().then(() => closeRetiredNotifiers(old.receivers, settings.receivers));
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
        severityRank(b.severity) - severityRank(a.severity) ||
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
  groups(): GroupSummary[] {
    return this.dispatcher.describeGroups();
  }

  // ---- silences ----

  silences(): SilenceWithStatus[] {
    const now = this.clock.now();
    return this.muting.silences.list().map((s) => ({ ...s, status: silenceStatus(s, now) }));
  }

  /** Adds a silence (or replaces the one with the same id). */
  addSilence(doc: SilenceDocument): Silence {
    this.checkOpen();
    checkDocument(SilenceSchema, doc, 'silence');
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
    const silence = this.muting.silences.expire(id, now);
    this.journal.silence(silence, now);
    this.writer.flush(now);
    return silence;
  }

  // ---- lifecycle ----

  /** Hears every alert change, silence change and notification; returns the unsubscribe. */
  subscribe(listener: (event: AlertEvent) => void): () => void {
    return this.journal.subscribe(listener);
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
    await closeRetiredNotifiers(this.settings.receivers, new Map());
  }

  // ---- internals ----

  private async restore(): Promise<void> {
    const now = this.clock.now();
    this.table.now = now;
    const saved = await this.persistence.load();
    // The API's rules first: the alerts revived below attach to the rules as they are now.
    for (const { name, document } of saved.rules) this.apiRules.note(name, document);
    if (saved.rules.length > 0) this.ruleSet.set(this.apiRules.over(this.settings.rules));
    for (const silence of saved.silences) this.muting.silences.set(silence);
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
      { alerts: saved.alerts.length, silences: saved.silences.length, apiRules: saved.rules.length },
      'alert state restored',
    );
    this.writer.flush(now);
  }

  private addConfigSilences(): void {
    const now = this.clock.now();
    this.settings.silences.forEach((doc, i) => {
      const id =
        doc.id ?? `config-${createHash('sha256').update(JSON.stringify(doc)).digest('hex').slice(0, 12)}`;
      if (this.muting.silences.get(id)) return;
      this.putSilence(toSilence({ ...doc, id }, now, `alerts.silences[${i}]`), now);
    });
  }

  private putSilence(silence: Silence, now: number): void {
    this.muting.silences.set(silence);
    this.journal.silence(silence, now);
    this.writer.flush(now);
  }

  private onTransition(
    record: AlertRecord,
    from: AlertState | 'inactive',
    to: AlertState | 'inactive',
  ): void {
    const now = this.table.now;
    this.journal.transition(record, from, to, now);
    if (to === 'firing' || to === 'resolved') this.dispatcher.add(record, now);
    this.muting.alertsChanged();
    if (this.journal.subscribed) this.journal.emit({ type: 'alert', from, to, alert: this.view(record) });
  }

  private onDelivered(record: NotificationRecord, entry: NotificationLogEntry | undefined): void {
    this.journal.delivered(record, entry);
    if (!this.closed) this.writer.flush();
  }

  private view(record: AlertRecord): AlertView {
    this.muting.prepare();
    return {
      ...record.snapshot(),
      severity: record.severity,
      annotations: renderAnnotations(record),
      silencedBy: this.muting.silencedBy(record, this.clock.now()),
      inhibitedBy: this.muting.inhibitedBy(record),
    };
  }

  private get writer(): StateWriter {
    return this.journal.writer;
  }

  private checkOpen(): void {
    if (this.closed) throw new TributaryError('TRB_ALERT_INVALID', 'the alert engine was used after close()');
  }
}

const notFound = (message: string) => new TributaryError('TRB_ALERT_NOT_FOUND', message);
