import { pino } from 'pino';

export type Logger = pino.Logger;

/**
 * Fields that may carry secrets, wherever they appear in a log record: they are written as
 * "[redacted]". Connection strings are logged only through `redactUrl` (the store's).
 */
const SECRETS = [
  'apiKey',
  'apiKeys',
  'password',
  'authorization',
  'token',
  '*.apiKey',
  '*.apiKeys',
  '*.password',
  '*.authorization',
  '*.token',
  'headers["x-api-key"]',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
];

export interface LoggerOptions {
  /** `trace` … `fatal`, or `silent`. Default: `LOG_LEVEL`, else `info`. */
  readonly level?: string;
  /** Where JSON lines go; default stdout. */
  readonly destination?: pino.DestinationStream;
}

/**
 * Structured JSON logs, one object a line, with ISO timestamps and level names, and
 * secrets redacted. Components log with child loggers that carry their context
 * (`pipeline`, `operator`, `position`, …).
 */
export const createLogger = (options: LoggerOptions = {}): Logger =>
  pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { service: 'tributary' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: SECRETS, censor: '[redacted]' },
    },
    options.destination,
  );

/**
 * Lets through the first record per key, then at most one per `intervalMs`, counting the
 * rest: a burst of dead letters is visible in the log without flooding it.
 */
export class LogThrottle {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The number of records suppressed since the last one let through, or undefined to suppress this one. */
  admit(key: string): number | undefined {
    const now = this.now();
    const entry = this.last.get(key);
    if (entry && now - entry.at < this.intervalMs) {
      entry.suppressed++;
      return undefined;
    }
    const suppressed = entry?.suppressed ?? 0;
    this.last.set(key, { at: now, suppressed: 0 });
    return suppressed;
  }
}
