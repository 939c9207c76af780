import type { Registry } from 'prom-client';
import type { AlertState } from '../contract/index.js';
import type { Clock } from '../engine/time/clock.js';
import type { Notifier, Sleep } from './notify/notifier.js';
import type { AlertPersistence } from './persistence/alert-persistence.js';
import type { AlertingDocument } from './schema.js';

/** A pino-compatible logger (only what alerting uses). */
export interface AlertLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export const silentLogger: AlertLogger = { info() {}, warn() {}, error() {} };

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

/** Which alerts `AlertEngine.alerts` lists. */
export interface AlertFilter {
  readonly state?: AlertState | readonly AlertState[];
  readonly rule?: string;
  readonly fingerprint?: string;
  /** false: only alerts neither silenced nor inhibited; true: only muted ones. */
  readonly muted?: boolean;
}
