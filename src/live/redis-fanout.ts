import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import type { RedisSettings } from '../config/settings.js';
import { describeError, TributaryError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { redactUrl } from '../store/store-errors.js';
import type { FleetMessage } from './fleet-message.js';

export interface FanoutHandlers {
  /** A live update (`series:<name>`, `alerts`) that another process published. */
  readonly live?: (channel: string, update: unknown) => void;
  /** What a process of the deployment reported, this one's included. */
  readonly fleet?: (message: FleetMessage) => void;
}

/** How long the first connection may take before the start fails. */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * The processes of a deployment talking through Redis pub/sub: live updates on
 * `<prefix>:live:<channel>` (so a WebSocket client on any API node receives what any worker
 * produced), fleet reports on `<prefix>:fleet`.
 *
 * Live updates are live: while Redis is away they are dropped (counted, one warning per
 * outage) rather than queued without bound, and the stored results stay the truth to read
 * back. Both connections reconnect by themselves; the subscriber subscribes again, so
 * updates resume without a restart.
 */
export class RedisFanout {
  /** This process, as the others see it. */
  readonly node = `${hostname()}/${process.pid}`;
  /** Live updates and reports not sent because Redis was away. */
  dropped = 0;
  private readonly publisher: Redis;
  private readonly subscriber: Redis | undefined;
  private readonly liveChannel: string;
  private readonly fleetChannel: string;
  private away = false;

  constructor(
    private readonly settings: RedisSettings,
    handlers: FanoutHandlers,
    private readonly logger?: Logger,
  ) {
    this.liveChannel = `${settings.prefix}:live:`;
    this.fleetChannel = `${settings.prefix}:fleet`;
    const options = {
      lazyConnect: true,
      retryStrategy: (attempt: number) => Math.min(2_000, 100 * attempt),
    };
    // Sends fail at once while Redis is away instead of queueing unseen.
    this.publisher = new Redis(settings.url, {
      ...options,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
    });
    this.publisher.on('error', (error) => this.lost(error));
    this.publisher.on('ready', () => this.back());
    if (handlers.live || handlers.fleet) {
      const subscriber = new Redis(settings.url, options);
      subscriber.on('error', (error) => this.lost(error));
      // A connection can fail alone (an idle subscriber reset by a NAT, say): it too must end the outage.
      subscriber.on('ready', () => this.back());
      subscriber.on('pmessage', (_pattern, channel, text) => {
        const update = parse<{ n: string; u: unknown }>(text);
        if (update && update.n !== this.node)
          handlers.live?.(channel.slice(this.liveChannel.length), update.u);
      });
      subscriber.on('message', (_channel, text) => {
        const message = parse<FleetMessage>(text);
        if (message) handlers.fleet?.(message);
      });
      this.subscriber = subscriber;
    }
  }

  /** The connection that sends: for other writes that must not wait while Redis is away (the hot cache). */
  get client(): Redis {
    return this.publisher;
  }

  /** Connects, and subscribes where there are handlers; fails with the reason when Redis does not answer. */
  async start(): Promise<void> {
    try {
      await withTimeout(this.publisher.connect(), CONNECT_TIMEOUT_MS);
      if (this.subscriber) {
        await withTimeout(this.subscriber.connect(), CONNECT_TIMEOUT_MS);
        await this.subscriber.psubscribe(`${this.liveChannel}*`);
        await this.subscriber.subscribe(this.fleetChannel);
      }
    } catch (error) {
      await this.close();
      throw new TributaryError(
        'TRB_REDIS_FAILED',
        `Redis at ${redactUrl(this.settings.url)} does not answer (${describeError(error).message}); start it, or fix redis.url (REDIS_URL)`,
        { cause: error },
      );
    }
  }

  /** Sends a live update to every other process; this one delivers its own updates itself. */
  publish(channel: string, update: unknown): void {
    this.send(`${this.liveChannel}${channel}`, JSON.stringify({ n: this.node, u: update }));
  }

  /** Sends a report to every process, this one included. */
  tell(message: FleetMessage): void {
    this.send(this.fleetChannel, JSON.stringify(message));
  }

  async close(): Promise<void> {
    this.subscriber?.disconnect();
    this.publisher.disconnect();
  }

  private send(channel: string, text: string): void {
    if (this.publisher.status !== 'ready') {
      this.dropped++;
      return;
    }
    this.publisher.publish(channel, text).catch((error: unknown) => {
      this.dropped++;
      this.lost(error);
    });
  }

  private lost(error: unknown): void {
    if (this.away) return;
    this.away = true;
    this.logger?.warn(
      { redis: redactUrl(this.settings.url), error: describeError(error).message },
      'Redis is away: live updates across processes pause until it is back (stored results are unaffected)',
    );
  }

  private back(): void {
    if (!this.away) return;
    if (this.publisher.status !== 'ready' || (this.subscriber && this.subscriber.status !== 'ready')) return;
    this.away = false;
    this.logger?.info(
      { redis: redactUrl(this.settings.url), dropped: this.dropped },
      'Redis is back: live updates resume',
    );
  }
}

const parse = <T>(text: string): T | undefined => {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
};

const withTimeout = <T>(promise: Promise<T>, ms: number): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
