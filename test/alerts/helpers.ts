import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Notification, Notifier, Observation } from '../../src/alerts/index.js';
import { ManualClock } from '../../src/testing/index.js';

export { ManualClock };

/** One value of a series for a key at an event time. */
export const obs = (
  series: string,
  key: string,
  value: number,
  timestamp: number,
  field?: string,
): Observation =>
  field === undefined ? { series, key, value, timestamp } : { series, key, field, value, timestamp };

/** A notifier that keeps what it is sent: routing and lifecycle tests read the notifications back. */
export class RecordingNotifier implements Notifier {
  readonly type = 'recording';
  readonly retry = { attempts: 1, backoffMs: 1, maxBackoffMs: 1, timeoutMs: 1000 };
  readonly sent: Notification[] = [];

  constructor(readonly sendResolved = true) {}

  async send(notification: Notification): Promise<void> {
    this.sent.push(notification);
  }

  /** Each notification as `status: firing fingerprints… / resolved …` by alertname and severity. */
  summary(): string[] {
    return this.sent.map(
      (n) =>
        `${n.status}: ${n.alerts.map((a) => `${a.labels.alertname}/${a.labels.key ?? ''}/${a.labels.severity}=${a.status}`).join(' ')}`,
    );
  }

  clear(): void {
    this.sent.length = 0;
  }
}

export interface ReceivedRequest {
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: unknown;
}

/**
 * A real HTTP receiver on 127.0.0.1 (port 0). Each request is answered by the next scripted
 * answer (then 200 "ok"); `delayMs` holds an answer back, to test timeouts.
 */
export class HttpReceiver {
  readonly requests: ReceivedRequest[] = [];
  private answers: { status: number; body?: string; delayMs?: number }[] = [];
  private server!: Server;
  url = '';

  static async start(): Promise<HttpReceiver> {
    const receiver = new HttpReceiver();
    receiver.server = createServer((req, res) => {
      let data = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => {
        data += chunk;
      });
      req.on('end', () => {
        let body: unknown = data;
        try {
          body = JSON.parse(data);
        } catch {}
        receiver.requests.push({ url: req.url ?? '', headers: req.headers, body });
        const answer = receiver.answers.shift() ?? { status: 200, body: 'ok' };
        const reply = () => {
          if (res.destroyed) return;
          res.writeHead(answer.status, { 'content-type': 'text/plain' });
          res.end(answer.body ?? '');
        };
        if (answer.delayMs) setTimeout(reply, answer.delayMs);
        else reply();
      });
    });
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    receiver.url = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}`;
    return receiver;
  }

  /** The next answers, in order. */
  script(...answers: { status: number; body?: string; delayMs?: number }[]): void {
    this.answers.push(...answers);
  }

  bodies<T = Record<string, unknown>>(): T[] {
    return this.requests.map((r) => r.body as T);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Retries in tests wait a millisecond, not seconds. */
export const fastSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.min(ms, 5)));
