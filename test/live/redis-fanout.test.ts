/**
 * The processes of a deployment talking through a real Redis: the Redis of this machine
 * (REDIS_URL, or 127.0.0.1:6379) with a prefix of each test's own, and for an outage a
 * redis-server the test starts (and kills) on a port of its own.
 */
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { RedisSettings } from '../../src/config/settings.js';
import { TributaryError } from '../../src/errors.js';
import { type FleetMessage, intakeMessage } from '../../src/live/fleet-message.js';
import { type FanoutHandlers, RedisFanout } from '../../src/live/redis-fanout.js';
import { createLogger, type Logger } from '../../src/observability/logger.js';
import { failedToStart } from '../../src/runtime/task/task-report.js';
import { startRedisServer } from '../redis-server.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const cleanups: (() => Promise<unknown> | unknown)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Channels of a deployment of the test's own, so that tests sharing the Redis never hear each other. */
const settingsOn = (url: string): RedisSettings => ({
  url,
  prefix: `t${process.pid}x${randomBytes(4).toString('hex')}`,
  latestTtlMs: 3_600_000,
});

/**
 * A fanout standing for the process `node`. Every fanout of this test process would be
 * `<host>/<pid>`, and a process does not hear its own live updates; two processes have
 * two identities, so each fanout here gets the one of the process it stands for.
 */
const fanout = (settings: RedisSettings, node: string, handlers: FanoutHandlers = {}, logger?: Logger) => {
  const f = new RedisFanout(settings, handlers, logger);
  Object.defineProperty(f, 'node', { value: node });
  cleanups.push(() => f.close());
  return f;
};

/** A logger writing into an array of parsed JSON lines. */
const capture = () => {
  const lines: { level: string; msg: string; [field: string]: unknown }[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), lines };
};

const taskReport = (node: string): FleetMessage => ({
  kind: 'task',
  node,
  member: 'worker-1',
  report: { ...failedToStart({ pipeline: 'clicks', task: '0' }, ''), status: 'running', recordsIn: 7 },
});

describe('live updates through Redis', () => {
  it('reach the other processes, and never come back to the one that published them', async () => {
    const settings = settingsOn(REDIS_URL);
    const seenByA: [string, unknown][] = [];
    const seenByB: [string, unknown][] = [];
    const a = fanout(settings, 'api-a/1', { live: (channel, update) => seenByA.push([channel, update]) });
    const b = fanout(settings, 'api-b/2', { live: (channel, update) => seenByB.push([channel, update]) });
    await a.start();
    await b.start();

    a.publish('series:clicks-per-user', [{ key: 'u1', clicks: 3 }]);
    await expect.poll(() => seenByB).toEqual([['series:clicks-per-user', [{ key: 'u1', clicks: 3 }]]]);

    // B answers only now, so Redis ran A's publish first: had A heard its own update, it
    // would be in A's list before B's.
    b.publish('alerts', { rule: 'brute-force', state: 'firing' });
    await expect.poll(() => seenByA).toEqual([['alerts', { rule: 'brute-force', state: 'firing' }]]);
    expect(seenByB).toEqual([['series:clicks-per-user', [{ key: 'u1', clicks: 3 }]]]);
    expect(a.dropped + b.dropped).toBe(0);
  });

  it('are sent by a process that listens to nothing (a worker) and kept apart by prefix', async () => {
    const ours = settingsOn(REDIS_URL);
    const theirs = settingsOn(REDIS_URL);
    const seenByUs: [string, unknown][] = [];
    const seenByThem: [string, unknown][] = [];
    const worker = fanout(ours, 'worker/1');
    const api = fanout(ours, 'api/2', { live: (channel, update) => seenByUs.push([channel, update]) });
    const otherWorker = fanout(theirs, 'worker/3');
    const otherApi = fanout(theirs, 'api/4', {
      live: (channel, update) => seenByThem.push([channel, update]),
    });
    for (const f of [worker, api, otherWorker, otherApi]) await f.start();

    worker.publish('series:s', 'ours');
    await expect.poll(() => seenByUs).toEqual([['series:s', 'ours']]);
    // Published after ours ran, so the other deployment would have heard ours first.
    otherWorker.publish('series:s', 'theirs');
    await expect.poll(() => seenByThem).toEqual([['series:s', 'theirs']]);
    expect(seenByUs).toEqual([['series:s', 'ours']]);
  });
});

describe('fleet reports through Redis', () => {
  it('reach every process, the one that told them included', async () => {
    const settings = settingsOn(REDIS_URL);
    const heardByA: FleetMessage[] = [];
    const heardByB: FleetMessage[] = [];
    const liveAtA: unknown[] = [];
    const a = fanout(settings, 'api-a/1', {
      fleet: (message) => heardByA.push(message),
      live: (_channel, update) => liveAtA.push(update),
    });
    const b = fanout(settings, 'api-b/2', { fleet: (message) => heardByB.push(message) });
    await a.start();
    await b.start();

    // An API node counts its own intake from what it tells the fleet, as it counts the others'.
    const intake: FleetMessage = { kind: 'intake', node: 'api-a/1', appended: 42, activeSources: ['clicks'] };
    a.tell(intake);
    await expect.poll(() => heardByB).toEqual([intake]);
    await expect.poll(() => heardByA).toEqual([intake]);

    // And a worker, which listens to nothing, tells both.
    const worker = fanout(settings, 'worker/3');
    await worker.start();
    const report = taskReport('worker/3');
    worker.tell(report);
    await expect.poll(() => heardByA).toEqual([intake, report]);
    await expect.poll(() => heardByB).toEqual([intake, report]);
    // Reports are not live updates.
    expect(liveAtA).toEqual([]);
  });
});

describe('an intake report', () => {
  it('says what the process appended since it started and which sources are active; nothing without an intake', () => {
    const intake = { rate: { count: 1_234 }, active: () => ['clicks', 'orders'] };
    expect(intakeMessage('api/1', intake)).toEqual({
      kind: 'intake',
      node: 'api/1',
      appended: 1_234,
      activeSources: ['clicks', 'orders'],
    });
    expect(intakeMessage('worker/2', undefined)).toEqual({
      kind: 'intake',
      node: 'worker/2',
      appended: 0,
      activeSources: [],
    });
  });
});

describe('a fanout whose Redis is not there', () => {
  it('fails to start with TRB_REDIS_FAILED, naming the URL without its password', async () => {
    const port = await freePort();
    const settings = settingsOn(`redis://:secret@127.0.0.1:${port}`);
    const f = fanout(settings, 'api/1', { live: () => {}, fleet: () => {} });
    const error = await f.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TributaryError);
    expect((error as TributaryError).code).toBe('TRB_REDIS_FAILED');
    expect((error as TributaryError).message).toMatch(
      new RegExp(
        `^Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port} does not answer \\(.+\\); start it, or fix redis\\.url \\(REDIS_URL\\)$`,
      ),
    );
    expect((error as TributaryError).message).not.toContain('secret');
    expect((error as TributaryError).cause).toBeInstanceOf(Error);
  });

  it('drops what is sent while Redis is away, and resumes by itself once it is back', async () => {
    const port = await freePort();
    const server = await startRedisServer({ port });
    cleanups.push(() => server.kill());
    const settings = settingsOn(`redis://127.0.0.1:${port}`);
    const { logger, lines } = capture();
    const seen: unknown[] = [];
    const heard: FleetMessage[] = [];
    const worker = fanout(settings, 'worker/1', {}, logger);
    const api = fanout(settings, 'api/2', {
      live: (_channel, update) => seen.push(update),
      fleet: (message) => heard.push(message),
    });
    await worker.start();
    await api.start();
    worker.publish('series:s', 'before');
    await expect.poll(() => seen).toEqual(['before']);

    await server.kill();
    // The worker has noticed once it says so; from then on a send cannot go out.
    await expect.poll(() => lines.map((l) => l.level)).toEqual(['warn']);
    expect(lines[0].msg).toMatch(/^Redis is away/);
    for (const n of [1, 2, 3]) expect(() => worker.publish('series:s', `away ${n}`)).not.toThrow();
    expect(() => worker.tell(taskReport('worker/1'))).not.toThrow();
    await expect.poll(() => worker.dropped).toBe(4);
    // Hold the outage until every connection has tried, and failed, to reconnect a few times.
    const refusing = await refuseOn(port);
    await expect.poll(refusing.attempts, { timeout: 20_000 }).toBeGreaterThanOrEqual(9);
    await refusing.close();

    await server.start();
    let sent = 0;
    // Both connections reconnect, and the API's subscribes again: keep publishing until one arrives.
    await expect
      .poll(
        () => {
          worker.publish('series:s', `back ${++sent}`);
          return seen.some((u) => String(u).startsWith('back'));
        },
        { timeout: 20_000, interval: 100 },
      )
      .toBe(true);
    // Dropped, not queued: what was sent while Redis was away never arrives.
    expect(seen.filter((u) => String(u).startsWith('away'))).toEqual([]);
    expect(heard).toEqual([]);
    // One warning for the whole outage (the reconnection attempts failed many times), then one notice.
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ['warn', expect.stringMatching(/^Redis is away/)],
      ['info', 'Redis is back: live updates resume'],
    ]);
    expect(lines[1].dropped).toBeGreaterThanOrEqual(4);

    // The fleet channel is subscribed again too.
    const report = taskReport('worker/1');
    worker.tell(report);
    await expect.poll(() => heard).toEqual([report]);
  });
});

describe('a connection that fails alone', () => {
  it('is reported back once it is back, so that the next outage is reported too', async () => {
    // An idle subscriber connection reset by a NAT or a load balancer, say: the publisher never notices.
    const proxy = await resettingProxy(new URL(REDIS_URL));
    const settings = settingsOn(proxy.url);
    const { logger, lines } = capture();
    const seen: unknown[] = [];
    const api = fanout(settings, 'api/1', { live: (_channel, update) => seen.push(update) }, logger);
    await api.start();
    // start() connects the publisher, then the subscriber.
    expect(proxy.sockets).toHaveLength(2);
    const [publisher, subscriber] = proxy.sockets;
    const levels = () => lines.map((l) => l.level);

    subscriber.resetAndDestroy();
    await expect.poll(levels, { timeout: 10_000 }).toEqual(['warn', 'info']);
    expect(lines[0].error).toBe('read ECONNRESET');
    const worker = fanout(settingsOfRedis(settings), 'worker/2');
    await worker.start();
    worker.publish('series:s', 'after the reset');
    await expect.poll(() => seen).toEqual(['after the reset']);

    publisher.resetAndDestroy();
    await expect.poll(levels, { timeout: 10_000 }).toEqual(['warn', 'info', 'warn', 'info']);
  });
});

/** The same deployment, straight to Redis rather than through the proxy. */
const settingsOfRedis = (settings: RedisSettings): RedisSettings => ({ ...settings, url: REDIS_URL });

/**
 * A TCP proxy in front of Redis whose client connections the test can reset, one at a
 * time, in the order they were opened.
 */
const resettingProxy = async (redis: URL) => {
  const sockets: Socket[] = [];
  const server = createServer((client) => {
    sockets.push(client);
    const upstream = connect(Number(redis.port || 6379), redis.hostname);
    client.pipe(upstream).pipe(client);
    // A reset connection is the point of this proxy, not a failure of the test.
    client.on('error', () => {});
    upstream.on('error', () => {});
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as { port: number };
  const url = new URL(redis);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return { url: url.toString(), sockets };
};

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

/** Redis away, its port held: a listener that resets every connection, counting them. */
const refuseOn = async (port: number) => {
  let attempts = 0;
  const server = createServer((socket) => {
    attempts++;
    socket.resetAndDestroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  cleanups.push(() => (server.listening ? close() : undefined));
  return { attempts: () => attempts, close };
};
