import type { MessageToProduce } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import {
  produceRequests,
  REQUEST_BYTES,
  REQUEST_MESSAGES,
} from '../../../src/connectors/kafka/produce-requests.js';

const message = (n: number, bytes: number): MessageToProduce => ({
  topic: 't',
  key: Buffer.from(`k${n}`),
  value: Buffer.alloc(bytes),
  headers: new Map([[Buffer.from('h'), Buffer.from('v')]]),
});

describe('produceRequests', () => {
  it('cuts messages in order into requests of about REQUEST_BYTES', () => {
    const messages = Array.from({ length: 2_000 }, (_, n) => message(n, 1_000));
    const requests = produceRequests(messages);
    expect(requests.flat()).toEqual(messages);
    expect(requests.length).toBeGreaterThan(1);
    for (const request of requests) {
      const bytes = request.reduce((sum, m) => sum + (m.value as Buffer).length, 0);
      expect(bytes).toBeLessThanOrEqual(REQUEST_BYTES);
    }
    // Full but the last: no request is cut short of what fits.
    for (const request of requests.slice(0, -1))
      expect(request.length).toBeGreaterThan(REQUEST_BYTES / 1_100);
  });

  it('cuts small messages by count, and sends one larger than a request alone', () => {
    const small = Array.from({ length: REQUEST_MESSAGES * 2 + 1 }, (_, n) => message(n, 1));
    expect(produceRequests(small).map((r) => r.length)).toEqual([REQUEST_MESSAGES, REQUEST_MESSAGES, 1]);
    const huge = [message(0, 10), message(1, REQUEST_BYTES * 2), message(2, 10)];
    expect(produceRequests(huge).map((r) => r.map((m) => String(m.key)))).toEqual([['k0'], ['k1'], ['k2']]);
    expect(produceRequests([])).toEqual([]);
  });
});
