import type { LiveUpdate } from '../../contract/index.js';
import { coalesce } from './coalesce.js';

/** Something that takes the serialized frames of a channel: one WebSocket session. */
export interface FrameSink {
  deliver(frame: string): void;
}

export interface FeedOptions {
  /** Least time between two frames of the channel. */
  readonly minIntervalMs: number;
  readonly now?: () => number;
  /** Called when an update cannot be serialized (a BigInt, a cycle). */
  readonly onError?: (error: unknown, channel: string) => void;
  /** Called for each update folded into a pending one instead of sent. */
  readonly onCoalesced?: () => void;
}

type Source = (listener: (update: unknown) => void) => () => void;

/**
 * One platform channel, shared by every session subscribed to it: subscribed to the
 * platform while it has sessions, throttled to one frame per `minIntervalMs` (the first
 * update goes out at once, later ones fold into the next frame, which carries the latest),
 * serialized once per frame whatever the number of sessions.
 */
export class ChannelFeed {
  private readonly sinks = new Set<FrameSink>();
  private unsubscribe: (() => void) | undefined;
  private active = false;
  private pending: unknown;
  private hasPending = false;
  private lastEmit = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(
    readonly channel: string,
    private readonly source: Source,
    private readonly options: FeedOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.sinks.size;
  }

  add(sink: FrameSink): void {
    this.sinks.add(sink);
    if (this.active) return;
    this.active = true;
    this.unsubscribe = this.source((update) => this.offer(update));
  }

  /** Returns true when the feed has no sinks left and was closed. */
  remove(sink: FrameSink): boolean {
    this.sinks.delete(sink);
    if (this.sinks.size > 0) return false;
    this.close();
    return true;
  }

  close(): void {
    this.active = false;
    this.sinks.clear();
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
    this.hasPending = false;
  }

  private offer(update: unknown): void {
    if (!this.active) return;
    if (this.hasPending) {
      this.pending = coalesce(this.channel, this.pending, update);
      this.options.onCoalesced?.();
    } else {
      this.pending = update;
      this.hasPending = true;
    }
    if (this.timer) return;
    // Even an update due now waits for a timer: the fan-out to every session then runs off
    // the platform's call stack, not inside the pipeline that published the update.
    const wait = Math.max(0, this.lastEmit + this.options.minIntervalMs - this.now());
    this.timer = setTimeout(() => this.emit(), wait);
  }

  private emit(): void {
    this.timer = undefined;
    if (!this.hasPending) return;
    const data = this.pending;
    this.pending = undefined;
    this.hasPending = false;
    this.lastEmit = this.now();
    let frame: string;
    try {
      frame = JSON.stringify({ channel: this.channel, data } satisfies LiveUpdate);
    } catch (error) {
      this.options.onError?.(error, this.channel);
      return;
    }
    for (const sink of this.sinks) sink.deliver(frame);
  }
}
