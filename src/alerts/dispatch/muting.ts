import type { AlertRecord } from '../alert-record.js';
import { Inhibitor, type InhibitRule } from './inhibit.js';
import { Silences } from './silences.js';

/**
 * What mutes an alert now: a silence whose matchers all match its labels, or, while it
 * fires, a firing alert that inhibits it. The inhibition index is built from the firing
 * alerts only when asked after they changed (`alertsChanged`), not on every transition.
 */
export class Muting {
  readonly silences = new Silences();
  private inhibitor: Inhibitor;
  private stale = true;

  constructor(
    rules: readonly InhibitRule[],
    private readonly alerts: () => Iterable<AlertRecord>,
  ) {
    this.inhibitor = new Inhibitor(rules);
  }

  /** New inhibit rules (a configuration reload). */
  setInhibitRules(rules: readonly InhibitRule[]): void {
    this.inhibitor = new Inhibitor(rules);
    this.stale = true;
  }

  alertsChanged(): void {
    this.stale = true;
  }

  /** Indexes the firing alerts for inhibition, if they changed since the last time. */
  prepare(): void {
    if (!this.stale) return;
    const firing: AlertRecord[] = [];
    for (const record of this.alerts()) if (record.state === 'firing') firing.push(record);
    this.inhibitor.prepare(firing);
    this.stale = false;
  }

  /** Whether notifications about the alert are held back; `prepare` first. */
  isMuted(record: AlertRecord, now: number): boolean {
    if (this.silences.silencing(record.labels, now).length > 0) return true;
    return record.state === 'firing' && this.inhibitor.inhibitedBy(record).length > 0;
  }

  /** Ids of the silences that mute the alert at `now`. */
  silencedBy(record: AlertRecord, now: number): string[] {
    return this.silences.silencing(record.labels, now);
  }

  /** Fingerprints of the firing alerts that inhibit it; `prepare` first. */
  inhibitedBy(record: AlertRecord): string[] {
    return record.state === 'firing' ? this.inhibitor.inhibitedBy(record) : [];
  }
}
