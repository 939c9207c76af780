import { Counter, Gauge, type Registry } from 'prom-client';
import { SEVERITIES } from './model.js';

/** How many of `items` fall under each key. */
export const countBy = <T>(items: Iterable<T>, key: (item: T) => string): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const item of items) {
    const id = key(item);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
};

/** What the metrics read from the engine when scraped. */
export interface AlertMetricsSource {
  /** Alerts by state and severity. */
  alertCounts(): Map<string, number>;
  ruleCounts(): Map<string, number>;
  silenceCounts(): Map<string, number>;
}

/**
 * The alerting metrics, in the `registry` given (the platform's). The hot path counts in
 * plain numbers; the counters catch up when scraped, so evaluation pays no label look-up.
 */
export class AlertMetrics {
  observations = 0;
  rejected = 0;
  evaluations = 0;
  /** Transitions by the state entered. */
  readonly transitions = new Map<string, number>();
  private readonly sent?: Counter<'receiver' | 'integration'>;
  private readonly failed?: Counter<'receiver' | 'integration'>;
  private readonly retries?: Counter<'receiver' | 'integration'>;
  private readonly storeFailures?: Counter;

  constructor(registry: Registry | undefined, source: AlertMetricsSource) {
    if (!registry) return;
    const registers = [registry];
    const catchUp = (read: () => number) => {
      let reported = 0;
      return function (this: Counter) {
        const total = read();
        if (total > reported) this.inc(total - reported);
        reported = total;
      };
    };
    new Counter({
      name: 'tributary_alert_observations_total',
      help: 'Observations (result fields, metrics, pattern matches) given to the alert engine.',
      registers,
      collect: catchUp(() => this.observations),
    });
    new Counter({
      name: 'tributary_alert_observations_rejected_total',
      help: 'Observations refused for a non-finite value or time, or a key that is not a string.',
      registers,
      collect: catchUp(() => this.rejected),
    });
    new Counter({
      name: 'tributary_alert_evaluations_total',
      help: 'Rule evaluations: one per observation and rule watching its series and field.',
      registers,
      collect: catchUp(() => this.evaluations),
    });
    const transitions = this.transitions;
    const reportedTransitions = new Map<string, number>();
    new Counter({
      name: 'tributary_alert_transitions_total',
      help: 'Alert state changes, by the state entered (pending, firing, resolved, inactive).',
      labelNames: ['to'],
      registers,
      collect() {
        for (const [to, total] of transitions) {
          const delta = total - (reportedTransitions.get(to) ?? 0);
          if (delta > 0) this.inc({ to }, delta);
          reportedTransitions.set(to, total);
        }
      },
    });
    this.sent = new Counter({
      name: 'tributary_alert_notifications_total',
      help: 'Notifications delivered, by receiver and integration (webhook, email, slack, dingtalk).',
      labelNames: ['receiver', 'integration'],
      registers,
    });
    this.failed = new Counter({
      name: 'tributary_alert_notifications_failed_total',
      help: 'Notifications that failed after every retry, by receiver and integration.',
      labelNames: ['receiver', 'integration'],
      registers,
    });
    this.retries = new Counter({
      name: 'tributary_alert_notification_retries_total',
      help: 'Notification attempts that failed and were retried.',
      labelNames: ['receiver', 'integration'],
      registers,
    });
    this.storeFailures = new Counter({
      name: 'tributary_alert_store_failures_total',
      help: 'Failed writes of alert state and history to the store (retried).',
      registers,
    });
    new Gauge({
      name: 'tributary_alerts',
      help: 'Alerts held now, by state and severity.',
      labelNames: ['state', 'severity'],
      registers,
      collect() {
        this.reset();
        const counts = source.alertCounts();
        for (const state of ['pending', 'firing', 'resolved']) {
          for (const severity of SEVERITIES)
            this.set({ state, severity }, counts.get(`${state}/${severity}`) ?? 0);
        }
      },
    });
    new Gauge({
      name: 'tributary_alert_rules',
      help: 'Alert rules, by type.',
      labelNames: ['type'],
      registers,
      collect() {
        this.reset();
        for (const [type, n] of source.ruleCounts()) this.set({ type }, n);
      },
    });
    new Gauge({
      name: 'tributary_alert_silences',
      help: 'Silences, by status (pending, active, expired).',
      labelNames: ['status'],
      registers,
      collect() {
        this.reset();
        for (const [status, n] of source.silenceCounts()) this.set({ status }, n);
      },
    });
  }

  transition(to: string): void {
    this.transitions.set(to, (this.transitions.get(to) ?? 0) + 1);
  }

  delivered(receiver: string, integration: string, ok: boolean): void {
    (ok ? this.sent : this.failed)?.inc({ receiver, integration });
  }

  retried(receiver: string, integration: string): void {
    this.retries?.inc({ receiver, integration });
  }

  storeFailed(): void {
    this.storeFailures?.inc();
  }
}
