import type { RawData, WebSocket } from 'ws';
import type { ErrorBody, LiveMessage } from '../../contract/index.js';
import type { FrameSink } from './channel-feed.js';
import type { LiveHub } from './live-hub.js';

const OPEN = 1;
/** Close code for a client dropped by the server for reading too slowly (policy violation). */
export const CLOSE_SLOW_CLIENT = 1008;
const TERMINATE_AFTER_MS = 1000;

const problemFrame = (message: string): string =>
  JSON.stringify({ error: { code: 'TRB_WS_BAD_MESSAGE', message } } satisfies ErrorBody);

/**
 * One WebSocket client: its subscriptions and its bounded send path. Everything a client
 * sends is checked; a bad message gets an error frame and the connection stays open.
 */
export class LiveSession implements FrameSink {
  private readonly channels = new Set<string>();
  private closed = false;
  /** Cleared by each ping, set by each pong: a session still false at the next ping is gone. */
  alive = true;

  constructor(
    private readonly socket: WebSocket,
    private readonly hub: LiveHub,
  ) {
    hub.metrics.clientConnected();
    socket.on('message', (data, isBinary) => this.receive(data, isBinary));
    socket.on('pong', () => {
      this.alive = true;
    });
    socket.on('close', () => this.close());
    socket.on('error', () => this.close());
  }

  get subscriptions(): readonly string[] {
    return [...this.channels];
  }

  deliver(frame: string): void {
    this.send(frame, 'update');
  }

  ping(): void {
    if (this.closed) return;
    if (!this.alive) {
      this.hub.metrics.clientDropped('heartbeat');
      this.socket.terminate();
      this.close();
      return;
    }
    this.alive = false;
    if (this.socket.readyState === OPEN) this.socket.ping();
  }

  /** For server shutdown: the socket has been sent a close frame; cut it if the client does not answer. */
  shutDown(): void {
    this.close();
    setTimeout(() => this.socket.terminate(), TERMINATE_AFTER_MS).unref();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const channel of this.channels) this.hub.leave(channel, this);
    this.channels.clear();
    this.hub.metrics.clientDisconnected();
  }

  private send(frame: string, kind: 'update' | 'control' | 'error'): void {
    if (this.closed || this.socket.readyState !== OPEN) return;
    // bufferedAmount counts bytes accepted but not yet written to the kernel: a client that
    // reads slower than we push makes it grow. Past the bound, drop the client rather than
    // hold its backlog in memory; it can reconnect and catch up from the REST API.
    if (this.socket.bufferedAmount > this.hub.options.maxBufferedBytes) {
      this.dropSlow();
      return;
    }
    this.socket.send(frame);
    this.hub.metrics.messageSent(kind);
  }

  private dropSlow(): void {
    const unsent = this.socket.bufferedAmount;
    this.hub.metrics.clientDropped('slow');
    this.close();
    this.socket.close(CLOSE_SLOW_CLIENT, `client too slow: ${unsent} bytes unsent`);
    setTimeout(() => this.socket.terminate(), TERMINATE_AFTER_MS).unref();
  }

  private receive(data: RawData, isBinary: boolean): void {
    this.hub.metrics.messageReceived();
    const problem = this.apply(data, isBinary);
    if (problem !== undefined) this.send(problemFrame(problem), 'error');
  }

  /** Carries out a client message; returns why it was refused, if it was. */
  private apply(data: RawData, isBinary: boolean): string | undefined {
    if (isBinary) return 'binary messages are not understood; send JSON text';
    let message: unknown;
    try {
      message = JSON.parse(data.toString());
    } catch {
      return 'the message is not JSON; send {"subscribe": ["stats"]}';
    }
    if (typeof message !== 'object' || message === null || Array.isArray(message)) {
      return 'the message must be an object such as {"subscribe": ["stats"]}';
    }
    const request = message as Record<string, unknown>;
    const unknownField = Object.keys(request).find((k) => k !== 'subscribe' && k !== 'unsubscribe');
    if (unknownField !== undefined) {
      return `unknown field ${JSON.stringify(unknownField)}; use "subscribe" or "unsubscribe"`;
    }
    if (request.subscribe === undefined && request.unsubscribe === undefined) {
      return 'the message has neither "subscribe" nor "unsubscribe"';
    }
    const unsubscribe = this.channelList(request.unsubscribe, 'unsubscribe', false);
    if (typeof unsubscribe === 'string') return unsubscribe;
    const subscribe = this.channelList(request.subscribe, 'subscribe', true);
    if (typeof subscribe === 'string') return subscribe;
    const after = new Set(this.channels);
    for (const channel of unsubscribe) after.delete(channel);
    for (const channel of subscribe) after.add(channel);
    if (after.size > this.hub.options.maxSubscriptions) {
      return `at most ${this.hub.options.maxSubscriptions} subscriptions per connection`;
    }
    // Checked whole, applied whole: a message with one bad channel changes nothing.
    if (unsubscribe.length > 0) {
      for (const channel of unsubscribe) {
        if (this.channels.delete(channel)) this.hub.leave(channel, this);
      }
      this.send(JSON.stringify({ unsubscribed: unsubscribe } satisfies LiveMessage), 'control');
    }
    if (subscribe.length > 0) {
      for (const channel of subscribe) {
        if (this.channels.has(channel)) continue;
        this.channels.add(channel);
        this.hub.join(channel, this);
      }
      this.send(JSON.stringify({ subscribed: subscribe } satisfies LiveMessage), 'control');
    }
    return undefined;
  }

  /** The channels of a field, deduplicated, or the reason to refuse the message. */
  private channelList(value: unknown, field: string, check: boolean): string[] | string {
    if (value === undefined) return [];
    if (!Array.isArray(value)) return `"${field}" must be an array of channel names, e.g. ["stats"]`;
    if (value.length > this.hub.options.maxSubscriptions) {
      return `"${field}" lists more than ${this.hub.options.maxSubscriptions} channels`;
    }
    for (const channel of value) {
      const problem = typeof channel !== 'string' || check ? this.hub.channelProblem(channel) : undefined;
      if (problem !== undefined) return `${field}: ${problem}`;
    }
    return [...new Set(value as string[])];
  }
}
