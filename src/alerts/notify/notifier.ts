import { toMillis } from '../../engine/time/duration.js';
import { TributaryError } from '../../errors.js';
import type { Notification } from './notification.js';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly attempts: number;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  /** Per attempt. */
  readonly timeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  backoffMs: 500,
  maxBackoffMs: 30_000,
  timeoutMs: 10_000,
};

/**
 * One integration of a receiver: a webhook, an e-mail address list, a chat room. `send`
 * makes one attempt and throws on failure; retries, timeouts and counting are the caller's.
 */
export interface Notifier {
  /** `webhook`, `email`, `slack`, `dingtalk`, or a custom integration's name. */
  readonly type: string;
  readonly sendResolved: boolean;
  readonly retry: RetryPolicy;
  /**
   * Loads what the integration needs (its client library) before the first attempt's clock
   * starts: loading is this process's work, not the receiver being slow.
   */
  prepare?(): Promise<void>;
  send(notification: Notification, signal: AbortSignal): Promise<void>;
  close?(): Promise<void>;
}

/** A failure worth no retry: the receiver refused the request itself (a 4xx, a 5xx SMTP reply). */
export class PermanentFailure extends Error {
  override readonly name = 'PermanentFailure';
}

export interface DeliveryResult {
  readonly ok: boolean;
  readonly attempts: number;
  readonly error?: string;
}

export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref?.());

/**
 * Sends with retries: exponential backoff from `backoffMs`, doubling up to `maxBackoffMs`,
 * each attempt cut off after `timeoutMs`. Never throws: the result says how it went.
 */
export const deliver = async (
  notifier: Notifier,
  notification: Notification,
  sleep: Sleep = realSleep,
  onRetry?: (error: unknown, attempt: number) => void,
): Promise<DeliveryResult> => {
  const { attempts, backoffMs, maxBackoffMs, timeoutMs } = notifier.retry;
  try {
    await notifier.prepare?.();
  } catch (error) {
    // Counted as a failed attempt, so that the failure is journaled and counted like any other.
    return { ok: false, attempts: 1, error: messageOf(error) };
  }
  let wait = backoffMs;
  for (let attempt = 1; ; attempt++) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    try {
      await Promise.race([
        notifier.send(notification, controller.signal),
        new Promise<never>((_, reject) => {
          controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
        }),
      ]);
      return { ok: true, attempts: attempt };
    } catch (error) {
      if (attempt >= attempts || error instanceof PermanentFailure) {
        return { ok: false, attempts: attempt, error: messageOf(error) };
      }
      onRetry?.(error, attempt);
      await sleep(wait);
      wait = Math.min(wait * 2, maxBackoffMs);
    } finally {
      clearTimeout(timer);
    }
  }
};

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export interface DeliveryDocument {
  readonly send_resolved?: boolean;
  readonly timeout?: string | number;
  readonly retry?: { attempts?: number; backoff?: string | number; max_backoff?: string | number };
}

export const retryOf = (doc: DeliveryDocument, field: string): RetryPolicy => {
  const attempts = doc.retry?.attempts ?? DEFAULT_RETRY.attempts;
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 20) {
    throw new TributaryError(
      'TRB_ALERT_INVALID',
      `${field}.retry.attempts: must be a whole number from 1 to 20`,
    );
  }
  const timeoutMs =
    doc.timeout === undefined ? DEFAULT_RETRY.timeoutMs : toMillis(doc.timeout, `${field}.timeout`);
  if (timeoutMs <= 0) throw new TributaryError('TRB_ALERT_INVALID', `${field}.timeout: must be above 0`);
  return {
    attempts,
    backoffMs:
      doc.retry?.backoff === undefined
        ? DEFAULT_RETRY.backoffMs
        : toMillis(doc.retry.backoff, `${field}.retry.backoff`),
    maxBackoffMs:
      doc.retry?.max_backoff === undefined
        ? DEFAULT_RETRY.maxBackoffMs
        : toMillis(doc.retry.max_backoff, `${field}.retry.max_backoff`),
    timeoutMs,
  };
};

/** A URL fit for messages and logs: no credentials, no query (tokens live there). */
export const safeUrl = (url: string): string => {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}${u.search ? '?…' : ''}`;
  } catch {
    return '(a URL that does not parse)';
  }
};

export const checkHttpUrl = (url: string, field: string): string => {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch (error) {
    throw new TributaryError('TRB_ALERT_INVALID', `${field}: ${safeUrl(url)} is not a URL`, { cause: error });
  }
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new TributaryError('TRB_ALERT_INVALID', `${field}: must be an http:// or https:// URL`);
  }
  return url;
};
