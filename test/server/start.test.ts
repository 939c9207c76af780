import { describe, expect, it } from 'vitest';
import { startServer } from '../../src/server/start.js';
import { MemoryPlatform } from './memory-platform.js';

describe('startServer', () => {
  it('listens on 127.0.0.1 by default and closes', async () => {
    const server = await startServer(new MemoryPlatform(), { port: 0 });
    expect(server.host).toBe('127.0.0.1');
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    const response = await fetch(`${server.url}/healthz`);
    expect(await response.json()).toEqual({ status: 'ok' });
    await server.close();
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });

  it('ingests over a real socket, NDJSON in one request', async () => {
    const platform = new MemoryPlatform();
    const server = await startServer(platform, { port: 0 });
    try {
      const body = Array.from({ length: 1000 }, (_, i) => JSON.stringify({ i })).join('\n');
      const response = await fetch(`${server.url}/api/v1/streams/ticks/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body,
      });
      expect(response.status).toBe(202);
      expect(await response.json()).toEqual({
        accepted: 1000,
        firstOffset: 0,
        lastOffset: 999,
        partitions: [{ partition: 0, firstOffset: 0, lastOffset: 999 }],
      });
      expect(platform.ingestCalls).toEqual([{ stream: 'ticks', events: 1000 }]);
    } finally {
      await server.close();
    }
  });

  it('refuses an oversize body on a real socket with 413 and stays up', async () => {
    const server = await startServer(new MemoryPlatform(), { port: 0, bodyLimit: 1000 });
    try {
      const response = await fetch(`${server.url}/api/v1/streams/ticks/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ pad: 'x'.repeat(5000) }),
      });
      expect(response.status).toBe(413);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
        'TRB_HTTP_BODY_TOO_LARGE',
      );
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('reports a port in use and leaves nothing open', async () => {
    const first = await startServer(new MemoryPlatform(), { port: 0 });
    try {
      await expect(startServer(new MemoryPlatform(), { port: first.port })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await first.close();
    }
  });
});
