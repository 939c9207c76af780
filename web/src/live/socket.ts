import { shallowRef } from 'vue';
import type { LiveMessage, LiveRequest } from '../../../src/contract/index.js';

/**
 * `connecting` before the first open; `connected`; `reconnecting` right after a loss;
 * `offline` once several attempts in a row have failed (the server is unreachable). The
 * socket keeps retrying in every state but `connected`.
 */
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'offline';

export type Listener = (data: unknown) => void;
export type ErrorListener = (message: string) => void;

interface Subscription {
  readonly listeners: Set<Listener>;
  readonly errorListeners: Set<ErrorListener>;
}

export interface LiveSocketOptions {
  readonly url: () => string;
  /** First retry delay; doubled per failed attempt up to `maxDelayMs`, with ±20 % jitter. */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Failed attempts in a row before the state reads `offline`. */
  readonly offlineAfter?: number;
  /**
   * `stats` and `pipeline:` channels push every second: with one of them subscribed and
   * nothing received for this long, the connection is presumed dead and replaced.
   */
  readonly staleAfterMs?: number;
}

const PERIODIC = /^(?:stats|pipeline:)/;

/**
 * One WebSocket for the page, multiplexing every view's subscriptions (`/ws` in
 * docs/api.md). Channels are reference-counted: the first listener subscribes, the last
 * one to leave unsubscribes. Each channel is requested in its own message because the
 * server applies a message whole or not at all: one unknown pipeline must not cost the
 * others. The server answers requests in order, so a refusal belongs to the oldest
 * request in flight.
 */
export class LiveSocket {
  readonly state = shallowRef<ConnectionState>('connecting');
  /** When the next attempt is due while not connected (for "retrying in 4 s"). */
  readonly nextAttemptAt = shallowRef<number | null>(null);

  private socket: WebSocket | undefined;
  private readonly subscriptions = new Map<string, Subscription>();
  /** Channels requested on the current socket, oldest first, awaiting the server's answer. */
  private inFlight: string[] = [];
  private readonly reconnectHandlers = new Set<() => void>();
  private attempt = 0;
  private everConnected = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private watchdog: ReturnType<typeof setInterval> | undefined;
  private lastFrameAt = 0;
  private stopped = true;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly offlineAfter: number;
  private readonly staleAfterMs: number;

  constructor(private readonly options: LiveSocketOptions) {
    this.baseDelayMs = options.baseDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 8000;
    this.offlineAfter = options.offlineAfter ?? 3;
    this.staleAfterMs = options.staleAfterMs ?? 10_000;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    window.addEventListener('online', this.retryNow);
    document.addEventListener('visibilitychange', this.onVisible);
    this.watchdog = setInterval(this.checkStale, 2000);
    this.open();
  }

  stop(): void {
    this.stopped = true;
    window.removeEventListener('online', this.retryNow);
    document.removeEventListener('visibilitychange', this.onVisible);
    clearInterval(this.watchdog);
    clearTimeout(this.retryTimer);
    this.socket?.close(1000, 'page closed');
    this.socket = undefined;
  }

  /** Listens to a channel until the returned function is called. */
  subscribe(channel: string, listener: Listener, onError?: ErrorListener): () => void {
    let subscription = this.subscriptions.get(channel);
    if (!subscription) {
      subscription = { listeners: new Set(), errorListeners: new Set() };
      this.subscriptions.set(channel, subscription);
      this.request('subscribe', channel);
    }
    subscription.listeners.add(listener);
    if (onError) subscription.errorListeners.add(onError);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const current = this.subscriptions.get(channel);
      if (!current) return;
      current.listeners.delete(listener);
      if (onError) current.errorListeners.delete(onError);
      if (current.listeners.size === 0) {
        this.subscriptions.delete(channel);
        this.request('unsubscribe', channel);
      }
    };
  }

  /** Called after each reconnection, for views to reload what they loaded over REST. */
  onReconnect(handler: () => void): () => void {
    this.reconnectHandlers.add(handler);
    return () => this.reconnectHandlers.delete(handler);
  }

  /** Channels with listeners (for tests and the diagnostics tooltip). */
  get channels(): string[] {
    return [...this.subscriptions.keys()];
  }

  readonly retryNow = (): void => {
    if (this.stopped || this.state.value === 'connected') return;
    if (this.socket && this.socket.readyState === WebSocket.CONNECTING) return;
    clearTimeout(this.retryTimer);
    this.open();
  };

  private readonly onVisible = (): void => {
    if (document.visibilityState === 'visible') this.retryNow();
  };

  private readonly checkStale = (): void => {
    if (this.state.value !== 'connected') return;
    const periodic = [...this.subscriptions.keys()].some((channel) => PERIODIC.test(channel));
    if (periodic && Date.now() - this.lastFrameAt > this.staleAfterMs) {
      // No close frame will come from a peer that vanished: drop it and dial again.
      this.socket?.close(4000, 'no updates');
      this.lost();
    }
  };

  private request(kind: 'subscribe' | 'unsubscribe', channel: string): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return; // sent on (re)connection
    socket.send(JSON.stringify({ [kind]: [channel] } satisfies LiveRequest));
    this.inFlight.push(kind === 'subscribe' ? channel : '');
  }

  private open(): void {
    this.nextAttemptAt.value = null;
    if (!this.everConnected) this.state.value = 'connecting';
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.options.url());
    } catch {
      this.lost();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      const reconnected = this.everConnected;
      this.everConnected = true;
      this.attempt = 0;
      this.inFlight = [];
      this.lastFrameAt = Date.now();
      this.state.value = 'connected';
      for (const channel of this.subscriptions.keys()) this.request('subscribe', channel);
      if (reconnected) for (const handler of this.reconnectHandlers) this.safely(handler);
    };
    socket.onmessage = (event) => {
      if (this.socket !== socket) return;
      this.lastFrameAt = Date.now();
      this.receive(event.data);
    };
    socket.onclose = () => {
      if (this.socket === socket) this.lost();
    };
  }

  private lost(): void {
    const socket = this.socket;
    this.socket = undefined;
    if (socket) {
      socket.onopen = socket.onmessage = socket.onclose = null;
      if (socket.readyState === WebSocket.CONNECTING || socket.readyState === WebSocket.OPEN) socket.close();
    }
    if (this.stopped) return;
    this.attempt++;
    this.state.value = this.attempt > this.offlineAfter ? 'offline' : 'reconnecting';
    const delay = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (this.attempt - 1));
    const jittered = Math.round(delay * (0.8 + Math.random() * 0.4));
    this.nextAttemptAt.value = Date.now() + jittered;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.open(), jittered);
  }

  private receive(raw: unknown): void {
    if (typeof raw !== 'string') return;
    let message: LiveMessage;
    try {
      message = JSON.parse(raw) as LiveMessage;
    } catch {
      return;
    }
    if ('channel' in message) {
      const subscription = this.subscriptions.get(message.channel);
      if (subscription)
        for (const listener of subscription.listeners) this.safely(() => listener(message.data));
      return;
    }
    if ('subscribed' in message || 'unsubscribed' in message) {
      this.inFlight.shift();
      return;
    }
    if ('error' in message) {
      const channel = this.inFlight.shift();
      const text = message.error?.message ?? 'refused';
      const subscription = channel ? this.subscriptions.get(channel) : undefined;
      if (subscription) for (const listener of subscription.errorListeners) this.safely(() => listener(text));
      else console.warn(`tributary: the live feed refused a request: ${text}`);
    }
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      console.error('tributary: a live update handler failed', error);
    }
  }
}
