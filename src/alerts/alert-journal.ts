import type { AlertEvent, AlertState, NotificationRecord, Silence } from '../contract/index.js';
import type { Clock } from '../engine/time/clock.js';
import type { ErrorCode } from '../errors.js';
import type { AlertLogger } from './alert-engine-options.js';
import type { AlertRecord } from './alert-record.js';
import { silenceStatus } from './dispatch/silences.js';
import type { AlertMetrics } from './metrics.js';
import type { NotificationLogEntry } from './model.js';
import type { AlertPersistence } from './persistence/alert-persistence.js';
import { StateWriter } from './state-writer.js';

/**
 * Where the alert engine's changes go: noted for the persistence (the state writer writes
 * them in the background), counted in the metrics, logged when a notification fails, and
 * announced to subscribers (the WebSocket `alerts` channel). A subscriber that throws is
 * logged and the others still hear the event.
 */
export class AlertJournal {
  readonly writer: StateWriter;
  private readonly listeners = new Set<(event: AlertEvent) => void>();

  constructor(
    persistence: AlertPersistence,
    clock: Clock,
    private readonly metrics: AlertMetrics,
    private readonly logger: AlertLogger,
  ) {
    const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
    this.writer = new StateWriter(
      persistence,
      clock,
      (error) => {
        metrics.storeFailed();
        logger.error({ error: message(error) }, 'writing alert state failed; retrying');
      },
      (error, change) => {
        metrics.storeFailed();
        logger.error(
          { error: message(error), change },
          'the store refused a change of alert state: that change is dropped, the others are written',
        );
      },
    );
  }

  get subscribed(): boolean {
    return this.listeners.size > 0;
  }

  subscribe(listener: (event: AlertEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** An alert changed state at `now`: its history row, and its state kept or forgotten. */
  transition(
    record: AlertRecord,
    from: AlertState | 'inactive',
    to: AlertState | 'inactive',
    now: number,
  ): void {
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
  }

  /** A silence was added, replaced or expired. */
  silence(silence: Silence, now: number): void {
    this.writer.changes.silence(silence);
    this.emit({ type: 'silence', silence, status: silenceStatus(silence, now) });
  }

  /** A notification was sent, or failed after its retries; `entry` is what the receiver now knows. */
  delivered(record: NotificationRecord, entry: NotificationLogEntry | undefined): void {
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
  }

  emit(event: AlertEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.error({ error: String(error) }, 'an alert subscriber threw');
      }
    }
  }
}
