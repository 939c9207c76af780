import { sleep } from '../../abortable.js';
import { describeError, TributaryError } from '../../errors.js';
import { redactUrl } from '../../store/store-errors.js';
import type { PointShape } from './line-protocol.js';

/** Which write API: InfluxDB 1.x (`/write`, a database) or 2.x (`/api/v2/write`, a token). */
export type InfluxApi =
  | { readonly version: 1; readonly database: string; readonly username?: string; readonly password?: string }
  | { readonly version: 2; readonly org: string; readonly bucket: string; readonly token: string };

/** What a task builds an influx sink from: plain data, it crosses to worker threads. */
export interface InfluxSinkSpec {
  readonly type: 'influx';
  readonly url: string;
  readonly api: InfluxApi;
  readonly shape: PointShape;
  /** Lines in one request. */
  readonly batchSize: number;
  /** How long a batch smaller than batchSize waits for more before it is written. */
  readonly flushIntervalMs: number;
  /** Attempts after the first of a request that failed on the network, a 5xx or a 429. */
  readonly maxRetries: number;
  readonly timeoutMs: number;
}

/** Written (2xx), or lines refused: 400 (1.x, v2), 422 (v2: points the store refused), 413 (too large). */
export type WriteAnswer =
  | { readonly written: true }
  | { readonly written: false; readonly status: number; readonly message: string };

const WRITTEN: WriteAnswer = { written: true };
const REFUSED_LINES = new Set([400, 413, 422]);
const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 8_000;
/** A longer Retry-After is not waited out inside one flush: the flush fails, and later ones wait for it. */
const MAX_WAIT_MS = 30_000;

/**
 * The write API of one InfluxDB: posts line protocol, and retries what may pass on a second
 * try — no answer, a 5xx, a 429 — with exponential backoff (0.25 s doubling, at most 8 s) or
 * as long as the server's Retry-After asks, which later posts honour too. Lines the server
 * refused are the caller's to sort out; anything else is a TRB_INFLUX_FAILED that names the
 * sink, the URL without its password, and the fix.
 */
export class WriteEndpoint {
  private readonly target: URL;
  private readonly headers: Record<string, string>;
  /** Not before this time (ms): the server's Retry-After. */
  private retryAt = 0;

  constructor(
    private readonly sink: string,
    private readonly spec: InfluxSinkSpec,
    /** Aborted when the sink closes: ends a request or a wait at once. */
    private readonly closed: AbortSignal,
  ) {
    const base = new URL(spec.url);
    const { api } = spec;
    // fetch refuses a URL with credentials: those of a 1.x URL go into the header instead.
    const username = api.version === 1 ? (api.username ?? decodeURIComponent(base.username)) : '';
    const password = api.version === 1 ? (api.password ?? decodeURIComponent(base.password)) : '';
    base.username = '';
    base.password = '';
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    this.target =
      api.version === 1
        ? new URL(`write?${new URLSearchParams({ db: api.database, precision: 'ms' })}`, base)
        : new URL(
            `api/v2/write?${new URLSearchParams({ org: api.org, bucket: api.bucket, precision: 'ms' })}`,
            base,
          );
    this.headers = { 'content-type': 'text/plain; charset=utf-8' };
    if (api.version === 2) this.headers.authorization = `Token ${api.token}`;
    else if (username || password)
      this.headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  }

  /** Posts `count` lines of line protocol. */
  async post(body: string, count: number): Promise<WriteAnswer> {
    for (let attempt = 0; ; attempt++) {
      await this.waitForRetryAfter(count);
      let problem: string;
      let fix = 'InfluxDB failed or is overloaded; the task keeps the points and tries again';
      let cause: unknown;
      let retryAfter: number | undefined;
      try {
        const response = await fetch(this.target, {
          method: 'POST',
          headers: this.headers,
          body,
          signal: AbortSignal.any([this.closed, AbortSignal.timeout(this.spec.timeoutMs)]),
        });
        if (response.ok) {
          await response.body?.cancel();
          return WRITTEN;
        }
        const message = await errorMessage(response);
        if (REFUSED_LINES.has(response.status)) return { written: false, status: response.status, message };
        problem = `InfluxDB answered ${response.status}: ${message}`;
        if (response.status < 500 && response.status !== 429)
          throw this.failed(count, problem, this.fixFor(response.status));
        retryAfter = retryAfterMs(response.headers.get('retry-after'));
      } catch (error) {
        if (error instanceof TributaryError) throw error;
        if (this.closed.aborted)
          throw this.failed(
            count,
            'the sink was closed before InfluxDB answered',
            'a restart from the last checkpoint writes them again',
          );
        problem =
          (error as Error).name === 'TimeoutError'
            ? `no answer within ${this.spec.timeoutMs} ms`
            : `InfluxDB cannot be reached: ${describeError(error).message}`;
        fix = 'check url and that InfluxDB runs; the task keeps the points and tries again';
        cause = error;
      }
      if (retryAfter !== undefined) this.retryAt = Date.now() + retryAfter;
      if (attempt >= this.spec.maxRetries)
        throw this.failed(count, `${problem} (${attempt + 1} attempts)`, fix, cause);
      if (retryAfter === undefined)
        await sleep(Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** attempt), this.closed);
    }
  }

  /** Where the points go, for messages: the URL without password or token. */
  describe(): string {
    return redactUrl(this.spec.url);
  }

  private async waitForRetryAfter(count: number): Promise<void> {
    const wait = this.retryAt - Date.now();
    if (wait <= 0) return;
    if (wait > MAX_WAIT_MS)
      throw this.failed(
        count,
        `InfluxDB asked to wait ${Math.ceil(wait / 1000)} s more (Retry-After)`,
        'the task keeps the points and tries again then',
      );
    await sleep(wait, this.closed);
  }

  private fixFor(status: number): string {
    const { api } = this.spec;
    if (status === 401 || status === 403)
      return api.version === 1
        ? `check username and password: the user needs WRITE on database "${api.database}"`
        : `check token: it needs write access to bucket "${api.bucket}"`;
    if (status === 404)
      return api.version === 1
        ? `create the database (influx -execute 'CREATE DATABASE "${api.database}"'), or set database`
        : 'check org and bucket: both must exist';
    return 'the task keeps the points and tries again';
  }

  private failed(count: number, problem: string, fix: string, cause?: unknown): TributaryError {
    return new TributaryError(
      'TRB_INFLUX_FAILED',
      `sink "${this.sink}": writing ${count} points to InfluxDB at ${this.describe()} failed: ${problem}; ${fix}`,
      cause === undefined ? undefined : { cause },
    );
  }
}

/** The server's reason: `error` of a 1.x body, `message` of a v2 one, else its header or text. */
const errorMessage = async (response: Response): Promise<string> => {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown };
    if (typeof body.error === 'string') return body.error;
    if (typeof body.message === 'string') return body.message;
  } catch {}
  return response.headers.get('x-influxdb-error') ?? (text.slice(0, 500) || response.statusText);
};

/** Retry-After in ms: seconds, or an HTTP date; undefined when absent or unreadable. */
export const retryAfterMs = (header: string | null, now = Date.now()): number | undefined => {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (header.trim() !== '' && Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
};
