import type { MessagePort, TransferListItem, Worker } from 'node:worker_threads';
import { describeError, ERROR_CODES, type ErrorCode, TributaryError } from '../errors.js';

/**
 * Calls between threads over a message port: the main thread serves the embedded log and
 * the store to pipeline tasks on worker threads and tells them which tasks to run; the
 * embedded database answers the main thread from a thread of its own. Each side answers
 * the other's calls with its handlers. A handler's error crosses with its `code` — a
 * `TributaryError` stays one, a database error keeps its SQLSTATE — so the caller can tell
 * a disk or database failure (retry) from a bug.
 */

type Handler = (...args: any[]) => unknown;
export type Handlers = Readonly<Record<string, Handler>>;

/** A handler's answer whose buffers move to the caller instead of being copied. */
export class Transfer<T> {
  constructor(
    readonly value: T,
    readonly list: readonly TransferListItem[],
  ) {}
}

type Message =
  | { readonly t: 'call'; readonly id: number; readonly m: string; readonly a: unknown[] }
  | { readonly t: 'note'; readonly m: string; readonly a: unknown[] }
  | { readonly t: 'ok'; readonly id: number; readonly v: unknown }
  | {
      readonly t: 'err';
      readonly id: number;
      readonly e: { name: string; message: string; code?: string; stack?: string };
    };

type Channel = MessagePort | Worker;

export class RpcEndpoint {
  private nextId = 1;
  private readonly waiting = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: unknown) => void }
  >();
  private closed: Error | undefined;
  private readonly onMessage = (message: Message) => void this.receive(message);

  constructor(
    private readonly channel: Channel,
    private readonly handlers: Handlers,
  ) {
    channel.on('message', this.onMessage);
  }

  /** Calls `method` on the other side; `transfer` moves buffers of the arguments instead of copying them. */
  call<T>(method: string, args: unknown[] = [], transfer: readonly TransferListItem[] = []): Promise<T> {
    if (this.closed) return Promise.reject(this.closed);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.channel.postMessage({ t: 'call', id, m: method, a: args } satisfies Message, [...transfer]);
    });
  }

  /** A call that expects no answer (progress reports, notices). */
  notify(method: string, args: unknown[] = []): void {
    if (!this.closed) this.channel.postMessage({ t: 'note', m: method, a: args } satisfies Message);
  }

  /** Fails every call still waiting (the other side is gone) and stops listening. */
  close(reason: Error): void {
    if (this.closed) return;
    this.closed = reason;
    this.channel.off('message', this.onMessage);
    for (const { reject } of this.waiting.values()) reject(reason);
    this.waiting.clear();
  }

  private async receive(message: Message): Promise<void> {
    switch (message.t) {
      case 'ok':
      case 'err': {
        const waiting = this.waiting.get(message.id);
        if (!waiting) return;
        this.waiting.delete(message.id);
        if (message.t === 'ok') waiting.resolve(message.v);
        else waiting.reject(toError(message.e));
        return;
      }
      case 'note':
        try {
          await this.handle(message.m, message.a);
        } catch {
          // A notice has nobody to answer to; the handler reports its own failures.
        }
        return;
      case 'call': {
        let reply: Message;
        let transfer: readonly TransferListItem[] = [];
        try {
          const result = await this.handle(message.m, message.a);
          if (result instanceof Transfer) {
            reply = { t: 'ok', id: message.id, v: result.value };
            transfer = result.list;
          } else reply = { t: 'ok', id: message.id, v: result };
        } catch (error) {
          const info = describeError(error);
          const code = (error as { code?: unknown } | null)?.code;
          reply = {
            t: 'err',
            id: message.id,
            e: {
              ...info,
              ...(typeof code === 'string' ? { code } : {}),
              stack: error instanceof Error ? error.stack : undefined,
            },
          };
        }
        if (!this.closed) this.channel.postMessage(reply, [...transfer]);
        return;
      }
    }
  }

  private handle(method: string, args: unknown[]): unknown {
    const handler = this.handlers[method];
    if (!handler) throw new TributaryError('TRB_INTERNAL', `no handler for "${method}" on this thread`);
    return handler(...args);
  }
}

/** The error as the other side threw it: a TributaryError keeps its code and domain, another error its code. */
const toError = (e: { name: string; message: string; code?: string; stack?: string }): Error => {
  const error =
    e.code !== undefined && e.code in ERROR_CODES
      ? new TributaryError(e.code as ErrorCode, e.message)
      : Object.assign(new Error(e.message), { name: e.name }, e.code === undefined ? {} : { code: e.code });
  if (e.stack) error.stack = `${error.name}: ${e.message}\n    (thrown on another thread)\n${e.stack}`;
  return error;
};
