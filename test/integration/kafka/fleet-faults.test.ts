/**
 * A deployment through the faults of a production day, one after the other while clicks
 * flow: its PostgreSQL stopped and started (a cluster of the test's own, test/postgres-server.ts),
 * its Redis killed and started empty (a redis-server of the test's own), a worker SIGKILLed
 * and another started, and the API node a dashboard client is connected to SIGKILLed. The
 * client reaches the API nodes through a load balancer, as in docs/deployment.md: it
 * reconnects to the other node, subscribes again and refetches, as the dashboard does.
 *
 * Nothing is lost and nothing is counted twice: the stored results equal a reference
 * computed from the input (the PostgreSQL sink is exactly-once), and the client ends with
 * every one of them.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ErrorBody, SeriesPoint } from '../../../src/contract/index.js';
import { CLI, freePort } from '../../cli/helpers.js';
import { type PostgresServer, startPostgresServer } from '../../postgres-server.js';
import { type RedisServer, startRedisServer } from '../../redis-server.js';
import { type Balancer, startBalancer } from './balancer.js';
import {
  click,
  closingClicks,
  pointId,
  post,
  ready,
  sleep,
  storedPoints,
  WINDOW_MS,
  writeDeploymentConfig,
} from './deployment.js';
import { checkAlive, type Node, type Proc, startNode, stopProc, tails } from './processes.js';
import { countPerWindow } from './reference.js';

const EVENTS = 24_000;
const CHUNKS = 24;
/** How long each outage lasts: several checkpoint intervals (1 s) and heartbeats. */
const OUTAGE_MS = 4_000;

/**
 * A client as the dashboard is one: one WebSocket through the balancer; when it drops, it
 * connects again, subscribes again, and once the subscription is confirmed refetches what
 * it may have missed meanwhile. Results are merged by key and window.
 */
class DashboardClient {
  readonly points = new Map<string, number>();
  connections = 0;
  private socket: WebSocket | undefined;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly series: string,
    private readonly events: number,
  ) {}

  connect(): void {
    const socket = new WebSocket(`${this.url.replace('http', 'ws')}/ws`);
    this.socket = socket;
    socket.on('open', () => {
      this.connections++;
      socket.send(JSON.stringify({ subscribe: [`series:${this.series}`] }));
    });
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as {
        channel?: string;
        data?: SeriesPoint[];
        subscribed?: string[];
      };
      if (frame.subscribed) void this.refetch();
      if (frame.channel === `series:${this.series}`) this.merge(frame.data ?? []);
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      if (!this.closed) setTimeout(() => this.connect(), 250);
    });
  }

  close(): void {
    this.closed = true;
    this.socket?.close();
  }

  private async refetch(): Promise<void> {
    this.merge(await storedPoints(this.url, this.series, this.events).catch(() => []));
  }

  private merge(points: readonly SeriesPoint[]): void {
    for (const p of points) this.points.set(pointId(p), Number(p.values.clicks));
  }
}

describe('a deployment through PostgreSQL and Redis restarts, a killed worker and a killed API node', () => {
  const procs: Proc[] = [];
  const hex = randomBytes(3).toString('hex');
  let dir = '';
  let postgres: PostgresServer | undefined;
  let redis: RedisServer | undefined;
  let balancer: Balancer | undefined;
  let client: DashboardClient | undefined;
  afterAll(async () => {
    client?.close();
    await Promise.all(procs.map((p) => stopProc(p, 'SIGKILL')));
    await balancer?.close();
    await redis?.kill();
    await postgres?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('stores exactly the reference and the client ends with every result', { timeout: 420_000 }, async () => {
    expect(existsSync(CLI), 'the test runs the built CLI: run `npm run build` (npm test does)').toBe(true);
    dir = await mkdtemp(join(tmpdir(), 'tributary-fleet-faults-'));
    [postgres, redis] = await Promise.all([
      startPostgresServer(),
      freePort().then((port) => startRedisServer({ port })),
    ]);
    const stream = `faults_clicks_${hex}`;
    const series = `per-user-${hex}`;
    const config = await writeDeploymentConfig(
      dir,
      { stream, pipeline: `faults-${hex}`, series },
      { databaseUrl: postgres.url, schema: 'tributary', redisUrl: redis.url, redisPrefix: 'tributary' },
    );
    const node = (name: string, command: 'api' | 'worker') =>
      startNode(procs, { name, command, config, dir }, {});
    let w3: Node | undefined;
    const [a, b, w1, w2] = await Promise.all([
      node('api-a', 'api'),
      node('api-b', 'api'),
      node('worker-1', 'worker'),
      node('worker-2', 'worker'),
    ]);
    await Promise.all([a, b, w1, w2].map((n) => ready(procs, n)));
    // Every new connection goes to A while A is there.
    balancer = await startBalancer([a.url, b.url]);
    client = new DashboardClient(balancer.url, series, EVENTS);
    client.connect();
    await expect.poll(() => client?.connections, { timeout: 10_000 }).toBe(1);

    // Posted to B, which lives through it all: a post cut by a killed node could go in twice.
    const ingest = `${b.url}/api/v1/streams/${stream}/events?keyField=user_id`;
    const chunk = EVENTS / CHUNKS;
    const faults: Record<number, () => Promise<void>> = {
      3: async () => {
        await postgres!.stop();
        // The API answers without its database, naming what is missing, and stays up.
        const answer = await fetch(`${b.url}/api/v1/series/${series}?from=0&to=1`);
        expect(answer.status).toBe(503);
        expect(((await answer.json()) as ErrorBody).error.code).toBe('TRB_STORE_UNREACHABLE');
      },
      6: () => sleep(OUTAGE_MS).then(() => postgres!.start()),
      9: () => redis!.kill(),
      12: () => sleep(OUTAGE_MS).then(() => redis!.start()),
      14: () => stopProc(w1.proc, 'SIGKILL'),
      15: async () => {
        w3 = await node('worker-3', 'worker');
      },
      18: () => stopProc(a.proc, 'SIGKILL'),
    };
    for (let c = 0; c < CHUNKS; c++) {
      await post(
        ingest,
        Array.from({ length: chunk }, (_, j) => click(c * chunk + j)),
      );
      await faults[c]?.();
      checkAlive(procs);
      await sleep(300);
    }
    await post(ingest, closingClicks(EVENTS));

    const expected = countPerWindow(EVENTS, click, WINDOW_MS);
    const deadline = Date.now() + 180_000;
    let stored: SeriesPoint[] = [];
    while (Date.now() < deadline) {
      checkAlive(procs);
      stored = await storedPoints(b.url, series, EVENTS).catch(() => []);
      if (stored.length >= expected.size) break;
      await sleep(1_000);
    }
    expect(stored.length, `every window stored; the processes said:\n${tails(procs)}`).toBe(expected.size);
    expect(new Map(stored.map((p) => [pointId(p), p.values.clicks]))).toEqual(expected);
    // The killed worker's partitions went on elsewhere, from their checkpoints.
    expect(w3?.proc.output).toMatch(/assigned partitions here/);

    // The client moved to B when A died, and has every result: refetched, then live.
    expect(client.connections).toBeGreaterThanOrEqual(2);
    expect(balancer.handed.get(b.url)).toBeGreaterThanOrEqual(1);
    await expect.poll(() => client?.points.size, { timeout: 30_000 }).toBe(expected.size);
    expect(client.points).toEqual(expected);
  });
});
