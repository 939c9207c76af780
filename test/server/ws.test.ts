import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type RunningServer, startServer } from '../../src/server/start.js';
import { sleep, TestClient } from './helpers.js';
import { MemoryPlatform } from './memory-platform.js';

describe('WS /ws', () => {
  let platform: MemoryPlatform;
  let server: RunningServer;
  let clients: TestClient[];

  const connect = async () => {
    const client = await TestClient.connect(`${server.url.replace('http', 'ws')}/ws`);
    clients.push(client);
    return client;
  };

  const subscribe = async (client: TestClient, ...channels: string[]) => {
    client.send({ subscribe: channels });
    await client.waitFor((f) => JSON.stringify(f.subscribed) === JSON.stringify(channels));
  };

  beforeEach(async () => {
    platform = new MemoryPlatform();
    server = await startServer(platform, { port: 0 });
    clients = [];
  });
  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await server.close();
  });

  it('pushes updates of a subscribed channel as {channel, data}', async () => {
    const client = await connect();
    await subscribe(client, 'stats');
    const stats = platform.stats();
    platform.publish('stats', stats);
    expect(await client.waitFor((f) => f.channel === 'stats')).toEqual({ channel: 'stats', data: stats });
  });

  it('sends nothing for channels the client did not subscribe to', async () => {
    const client = await connect();
    await subscribe(client, 'series:page-views');
    platform.publish('stats', { n: 1 });
    platform.publish('series:other', [{ key: 'a', start: 0, end: 1, values: {} }]);
    platform.publish('series:page-views', [{ key: 'a', start: 0, end: 1, values: { v: 1 } }]);
    await client.waitFor((f) => f.channel === 'series:page-views');
    await sleep(50);
    expect(client.frames.filter((f) => f.channel).map((f) => f.channel)).toEqual(['series:page-views']);
  });

  it('coalesces: 50 updates in one second reach the client as at most 5 frames, the latest last', async () => {
    const client = await connect();
    await subscribe(client, 'pipeline:clicks-per-page');
    for (let i = 1; i <= 50; i++) {
      platform.publish('pipeline:clicks-per-page', { seq: i });
      await sleep(20);
    }
    await sleep(400); // the trailing frame
    const seqs = client.updates('pipeline:clicks-per-page').map((d) => (d as { seq: number }).seq);
    expect(seqs.length).toBeGreaterThanOrEqual(3);
    expect(seqs.length).toBeLessThanOrEqual(6);
    expect(seqs[0]).toBe(1); // the first update is not held back
    expect(seqs.at(-1)).toBe(50);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
  });

  it('merges coalesced series points instead of dropping batches', async () => {
    const client = await connect();
    await subscribe(client, 'series:page-views');
    const point = (key: string, v: number) => ({ key, start: 0, end: 60_000, values: { v } });
    platform.publish('series:page-views', [point('a', 1)]);
    await client.waitFor((f) => f.channel === 'series:page-views');
    platform.publish('series:page-views', [point('b', 1)]);
    platform.publish('series:page-views', [point('c', 1), point('b', 2)]);
    await client.waitFor((f) => f.channel === 'series:page-views' && f.data.length > 1);
    expect(client.updates('series:page-views')).toEqual([[point('a', 1)], [point('c', 1), point('b', 2)]]);
  });

  it('shares one platform subscription per channel and drops it when the last client leaves', async () => {
    const [a, b] = [await connect(), await connect()];
    await subscribe(a, 'stats');
    await subscribe(b, 'stats');
    expect(platform.listenerCount('stats')).toBe(1);
    platform.publish('stats', { n: 1 });
    await a.waitFor((f) => f.channel === 'stats');
    await b.waitFor((f) => f.channel === 'stats');
    a.send({ unsubscribe: ['stats'] });
    await a.waitFor((f) => f.unsubscribed !== undefined);
    expect(platform.listenerCount('stats')).toBe(1);
    await b.close();
    await sleep(50);
    expect(platform.listenerCount('stats')).toBe(0);
  });

  it('stops pushing after unsubscribe', async () => {
    const client = await connect();
    await subscribe(client, 'stats', 'alerts');
    client.send({ unsubscribe: ['stats'] });
    expect(await client.waitFor((f) => f.unsubscribed !== undefined)).toEqual({ unsubscribed: ['stats'] });
    platform.publish('stats', { n: 1 });
    platform.publish('alerts', { firing: 1 });
    await client.waitFor((f) => f.channel === 'alerts');
    await sleep(50);
    expect(client.updates('stats')).toEqual([]);
  });

  const invalid: [string, string | Buffer, RegExp][] = [
    ['not JSON', '{subscribe', /not JSON/],
    ['a JSON array', '["stats"]', /must be an object/],
    ['a JSON string', '"stats"', /must be an object/],
    ['an unknown field', '{"subscrbe": ["stats"]}', /unknown field "subscrbe"/],
    ['an empty object', '{}', /neither "subscribe" nor "unsubscribe"/],
    ['subscribe not an array', '{"subscribe": "stats"}', /"subscribe" must be an array/],
    ['a channel that is not a string', '{"subscribe": [42]}', /a channel is a string/],
    ['an unknown channel', '{"subscribe": ["stats", "weather"]}', /unknown channel "weather"/],
    [
      'an unknown pipeline',
      '{"subscribe": ["pipeline:nope"]}',
      /no pipeline "nope"; known pipelines: "clicks-per-page", "failed-logins"/,
    ],
    ['a series without a name', '{"subscribe": ["series:"]}', /needs a series name/],
    ['a binary frame', Buffer.from([1, 2, 3]), /binary messages/],
    ['raw control characters', '{"subscribe": ["\u0000"]}', /not JSON/],
    ['odd Unicode', '{"subscribe": ["series:\\ud800🚀", "\\u0000"]}', /unknown channel "\\u0000"/],
  ];

  it.each(invalid)(
    'answers %s with an error frame and keeps the connection',
    async (_name, message, problem) => {
      const client = await connect();
      client.socket.send(message);
      const frame = await client.waitFor((f) => f.error !== undefined);
      expect(frame.error.code).toBe('TRB_WS_BAD_MESSAGE');
      expect(frame.error.message).toMatch(problem);
      // Nothing of a refused message is applied, and the connection still works.
      await subscribe(client, 'stats');
      platform.publish('stats', { ok: true });
      await client.waitFor((f) => f.channel === 'stats');
      expect(client.frames.filter((f) => f.subscribed)).toEqual([{ subscribed: ['stats'] }]);
    },
  );

  it('limits subscriptions per connection', async () => {
    await server.close();
    server = await startServer(platform, { port: 0, live: { maxSubscriptions: 2 } });
    const client = await connect();
    client.send({ subscribe: ['stats', 'alerts', 'series:a'] });
    expect((await client.waitFor((f) => f.error)).error.message).toMatch(/more than 2 channels/);
    await subscribe(client, 'stats', 'alerts');
    client.send({ subscribe: ['series:a'] });
    expect((await client.waitFor((f) => f.error && /at most 2/.test(f.error.message))).error.code).toBe(
      'TRB_WS_BAD_MESSAGE',
    );
  });

  it('closes a client with an over-long message without harming the server', async () => {
    await server.close();
    server = await startServer(platform, { port: 0, live: { maxMessageBytes: 1024 } });
    const big = await connect();
    const closed = new Promise<number>((resolve) => big.socket.once('close', (code) => resolve(code)));
    big.send({ subscribe: ['x'.repeat(2000)] });
    expect(await closed).toBe(1009);
    const other = await connect();
    await subscribe(other, 'stats');
  });

  it('drops a client that does not read, and keeps serving the others', async () => {
    await server.close();
    server = await startServer(platform, {
      port: 0,
      live: { maxBufferedBytes: 256 * 1024, updatesPerSecond: 1000 },
    });
    const slow = await connect();
    const fast = await connect();
    await subscribe(slow, 'series:big');
    await subscribe(fast, 'stats');
    const closed = new Promise<number>((resolve) => slow.socket.once('close', (code) => resolve(code)));
    slow.socket.pause(); // stop reading: the kernel buffers fill, then the server's
    const payload = 'x'.repeat(64 * 1024);
    let sent = 0;
    const pump = setInterval(() => {
      for (let i = 0; i < 20; i++) platform.publish('series:big', { payload, sent: sent++ });
    }, 2);
    try {
      await expect.poll(() => platform.listenerCount('series:big'), { timeout: 15_000 }).toBe(0);
    } finally {
      clearInterval(pump);
    }
    slow.socket.resume();
    expect([1008, 1006]).toContain(await closed);
    platform.publish('stats', { still: 'serving' });
    expect((await fast.waitFor((f) => f.channel === 'stats')).data).toEqual({ still: 'serving' });
    const metrics = await platform.metrics.metrics();
    expect(metrics).toMatch(/tributary_ws_clients_dropped_total\{reason="slow"\} 1/);
  }, 30_000);

  it('drops a client that stops answering pings', async () => {
    await server.close();
    server = await startServer(platform, { port: 0, live: { heartbeatMs: 100 } });
    const silent = new WebSocket(`${server.url.replace('http', 'ws')}/ws`, { autoPong: false });
    const closed = new Promise<number>((resolve) => silent.once('close', (code) => resolve(code)));
    const answering = await connect();
    expect(await closed).toBe(1006);
    expect(answering.socket.readyState).toBe(WebSocket.OPEN);
    expect(await platform.metrics.metrics()).toMatch(
      /tributary_ws_clients_dropped_total\{reason="heartbeat"\} 1/,
    );
  });

  it('closes clients with 1001 when the server shuts down', async () => {
    const client = await connect();
    await subscribe(client, 'stats');
    const closed = new Promise<number>((resolve) => client.socket.once('close', (code) => resolve(code)));
    await server.close();
    expect(await closed).toBe(1001);
    expect(platform.listenerCount('stats')).toBe(0);
    server = await startServer(platform, { port: 0 }); // for afterEach
  });

  it('answers a plain GET /ws with an error body', async () => {
    const response = await fetch(`${server.url}/ws`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(
      /WebSocket endpoint/,
    );
  });
});
