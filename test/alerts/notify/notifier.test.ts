import { describe, expect, it } from 'vitest';
import type { Notification } from '../../../src/alerts/notify/notification.js';
import {
  deliver,
  type Notifier,
  PermanentFailure,
  type RetryPolicy,
} from '../../../src/alerts/notify/notifier.js';

const notification = {} as Notification;
const retry: RetryPolicy = { attempts: 3, backoffMs: 10, maxBackoffMs: 40, timeoutMs: 50 };
const noSleep = async () => {};
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A notifier whose attempts fail with `failures` in turn, then succeed. */
const notifier = (failures: (Error | 'hang')[], extra: Partial<Notifier> = {}) => {
  const sent: AbortSignal[] = [];
  const n: Notifier = {
    type: 'test',
    sendResolved: true,
    retry,
    async send(_n, signal) {
      sent.push(signal);
      const failure = failures[sent.length - 1];
      if (failure === 'hang') return new Promise<void>(() => {});
      if (failure) throw failure;
    },
    ...extra,
  };
  return { n, sent };
};

describe('deliver', () => {
  it('retries a failed attempt with doubling waits up to the longest, and says how many it took', async () => {
    const waits: number[] = [];
    const { n } = notifier([new Error('a'), new Error('b')]);
    const result = await deliver(
      { ...n, retry: { ...retry, attempts: 4, maxBackoffMs: 15 } },
      notification,
      async (ms) => {
        waits.push(ms);
      },
    );
    expect(result).toEqual({ ok: true, attempts: 3 });
    expect(waits).toEqual([10, 15]);
  });

  it('gives up after the last attempt with its error, and at once on a permanent failure', async () => {
    expect(
      await deliver(notifier([new Error('a'), new Error('b'), new Error('c')]).n, notification, noSleep),
    ).toEqual({
      ok: false,
      attempts: 3,
      error: 'c',
    });
    expect(await deliver(notifier([new PermanentFailure('refused')]).n, notification, noSleep)).toEqual({
      ok: false,
      attempts: 1,
      error: 'refused',
    });
  });

  it('cuts an attempt off after the timeout, aborting its signal, and tries again', async () => {
    const { n, sent } = notifier(['hang']);
    expect(await deliver(n, notification, noSleep)).toEqual({ ok: true, attempts: 2 });
    expect(sent[0].aborted).toBe(true);
    expect(String(sent[0].reason)).toContain('timed out after 50 ms');
  });

  it('prepares the integration before the first attempt, outside its timeout', async () => {
    // A client loaded on first use, slower than an attempt's timeout (as under a busy machine).
    let loading: Promise<unknown> | undefined;
    const load = () => (loading ??= wait(3 * retry.timeoutMs));
    const { n, sent } = notifier([], { prepare: async () => void (await load()) });
    const send = n.send;
    n.send = async (notice, signal) => {
      await load();
      await send(notice, signal);
    };
    expect(await deliver(n, notification, noSleep)).toEqual({ ok: true, attempts: 1 });
    expect(sent).toHaveLength(1);
  });

  it('reports a failed preparation as a failed attempt, and sends nothing', async () => {
    const { n, sent } = notifier([], {
      prepare: async () => {
        throw new Error('the SMTP client could not be loaded');
      },
    });
    expect(await deliver(n, notification, noSleep)).toEqual({
      ok: false,
      attempts: 1,
      error: 'the SMTP client could not be loaded',
    });
    expect(sent).toEqual([]);
  });
});
