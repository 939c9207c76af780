import type { PlatformApi } from '../../contract/index.js';
import { listNames } from '../http-errors.js';
import type { ResolvedLiveOptions } from '../options.js';
import { ChannelFeed, type FrameSink } from './channel-feed.js';

/** Counters the hub and its sessions report to; the metrics plugin backs them with prom-client. */
export interface LiveMetrics {
  clientConnected(): void;
  clientDisconnected(): void;
  clientDropped(reason: 'slow' | 'heartbeat'): void;
  messageReceived(): void;
  messageSent(kind: 'update' | 'control' | 'error'): void;
  subscriptionsChanged(delta: number): void;
  updateCoalesced(): void;
}

export const noLiveMetrics: LiveMetrics = {
  clientConnected: () => {},
  clientDisconnected: () => {},
  clientDropped: () => {},
  messageReceived: () => {},
  messageSent: () => {},
  subscriptionsChanged: () => {},
  updateCoalesced: () => {},
};

export const MAX_CHANNEL_LENGTH = 256;

/**
 * The channels of one server: creates a feed on the first subscription to a channel and
 * drops it (unsubscribing from the platform) when the last session leaves.
 */
export class LiveHub {
  private readonly feeds = new Map<string, ChannelFeed>();

  constructor(
    private readonly platform: PlatformApi,
    readonly options: ResolvedLiveOptions,
    readonly metrics: LiveMetrics,
    private readonly onError: (error: unknown, channel: string) => void = () => {},
  ) {}

  /** Why a channel name is refused, or undefined when it is fine. */
  channelProblem(channel: unknown): string | undefined {
    if (typeof channel !== 'string') return `a channel is a string, not ${JSON.stringify(channel)}`;
    if (channel.length > MAX_CHANNEL_LENGTH)
      return `channel names are at most ${MAX_CHANNEL_LENGTH} characters`;
    if (channel === 'stats' || channel === 'alerts') return undefined;
    const colon = channel.indexOf(':');
    const kind = colon === -1 ? channel : channel.slice(0, colon);
    const name = colon === -1 ? '' : channel.slice(colon + 1);
    if (kind === 'series')
      return name === '' ? '"series:" needs a series name, e.g. "series:clicks-per-page"' : undefined;
    if (kind === 'pipeline') {
      if (this.platform.pipeline(name) !== undefined) return undefined;
      const known = this.platform.pipelines().map((p) => p.name);
      return `no pipeline ${JSON.stringify(name)}; ${listNames('pipelines', known)}`;
    }
    return `unknown channel ${JSON.stringify(channel)}; use "stats", "alerts", "series:<name>" or "pipeline:<name>"`;
  }

  join(channel: string, sink: FrameSink): void {
    let feed = this.feeds.get(channel);
    if (!feed) {
      feed = new ChannelFeed(channel, (listener) => this.platform.subscribe(channel, listener), {
        minIntervalMs: 1000 / this.options.updatesPerSecond,
        onError: this.onError,
        onCoalesced: () => this.metrics.updateCoalesced(),
      });
      this.feeds.set(channel, feed);
    }
    feed.add(sink);
    this.metrics.subscriptionsChanged(1);
  }

  leave(channel: string, sink: FrameSink): void {
    const feed = this.feeds.get(channel);
    if (!feed) return;
    if (feed.remove(sink)) this.feeds.delete(channel);
    this.metrics.subscriptionsChanged(-1);
  }

  /** Channels with at least one subscriber. */
  get channels(): string[] {
    return [...this.feeds.keys()];
  }

  close(): void {
    for (const feed of this.feeds.values()) feed.close();
    this.feeds.clear();
  }
}
