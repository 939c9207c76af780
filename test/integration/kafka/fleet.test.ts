/**
 * A deployment as docs/deployment.md describes it, on this machine's Kafka, PostgreSQL and
 * Redis: two API nodes (`tributary api`) and worker processes (`tributary worker`) from one
 * configuration file. Clicks are posted to API node B while workers are added (1 → 2 → 3)
 * and one is stopped; a WebSocket client on API node A must receive the results the
 * workers produce, both API nodes must answer alike, and the stored results must equal a
 * reference computed from the input.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type {
  PipelineStatus,
  PlatformStats,
  SeriesLatest,
  SeriesPoint,
} from '../../../src/contract/index.js';
import { CLI } from '../../cli/helpers.js';
import { DATABASE_URL } from '../../store/backends.js';
import {
  click,
  closingClicks,
  getJson,
  pointId as id,
  post,
  ready as readyIn,
  sleep,
  storedPoints,
  WINDOW_MS,
  writeDeploymentConfig,
} from './deployment.js';
import { checkAlive, type Proc, startNode, stopProc, tails } from './processes.js';
import { countPerWindow } from './reference.js';

const EVENTS = 36_000;
/** Posted in this many requests, one after the other; workers come and go between them. */
const CHUNKS = 36;

describe('a deployment: two API nodes and workers added and removed while clicks flow', () => {
  const procs: Proc[] = [];
  const hex = randomBytes(3).toString('hex');
  const schema = `fleet_${hex}`;
  let dir = '';
  afterAll(async () => {
    await Promise.all(procs.map((p) => stopProc(p, 'SIGKILL')));
    if (dir) await rm(dir, { recursive: true, force: true });
    const db = new pg.Client({ connectionString: DATABASE_URL });
    await db.connect();
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => db.end());
  });

  it('gives every API node the same results, equal to the reference, and live updates from every worker', {
    timeout: 420_000,
  }, async () => {
    expect(existsSync(CLI), 'the test runs the built CLI: run `npm run build` (npm test does)').toBe(true);
    dir = await mkdtemp(join(tmpdir(), 'tributary-fleet-'));
    // The stream is a Kafka topic of its name: a new one per run.
    const stream = `fleet_clicks_${hex}`;
    const pipeline = `fleet-${hex}`;
    const series = `per-user-${hex}`;
    // One file for every process; what differs between them comes from the environment.
    const config = await writeDeploymentConfig(
      dir,
      { stream, pipeline, series },
      {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the file's reference to each process's environment
        databaseUrl: '${DATABASE_URL}',
        schema,
        redisUrl: 'redis://127.0.0.1:6379',
        redisPrefix: `fleet-${hex}`,
      },
    );
    const proc = (name: string, command: 'api' | 'worker') =>
      startNode(procs, { name, command, config, dir }, { DATABASE_URL });
    const ready = (node: { proc: Proc; url: string }) => readyIn(procs, node);

    const [a, b, w1] = await Promise.all([
      proc('api-a', 'api'),
      proc('api-b', 'api'),
      proc('worker-1', 'worker'),
    ]);
    await Promise.all([ready(a), ready(b), ready(w1)]);
    // A worker serves operations only: no API.
    expect((await fetch(`${w1.url}/api/v1/stats`)).status).toBe(404);

    const received = new Map<string, unknown>();
    const ws = new WebSocket(`${a.url.replace('http', 'ws')}/ws`);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { channel?: string; data?: SeriesPoint[] };
      if (frame.channel === `series:${series}`)
        for (const p of frame.data ?? []) received.set(id(p), p.values.clicks);
    });
    ws.send(JSON.stringify({ subscribe: [`series:${series}`] }));

    // Clicks posted to B, keyed by user; workers 2 and 3 join and worker 1 leaves meanwhile.
    const workers = [w1];
    const rates: number[] = [];
    const ingest = `${b.url}/api/v1/streams/${stream}/events?keyField=user_id`;
    const chunk = EVENTS / CHUNKS;
    for (let c = 0; c < CHUNKS; c++) {
      await post(
        ingest,
        Array.from({ length: chunk }, (_, j) => click(c * chunk + j)),
      );
      if (c === 6) workers.push(await proc('worker-2', 'worker'));
      if (c === 14) workers.push(await proc('worker-3', 'worker'));
      if (c === 24) await stopProc(w1.proc, 'SIGTERM');
      // A counts what B appended: its rate comes from B's reports through Redis.
      rates.push((await getJson<PlatformStats>(`${a.url}/api/v1/stats`)).eventsInPerSec);
      checkAlive(procs);
      await sleep(400);
    }
    await post(ingest, closingClicks(EVENTS));
    expect(Math.max(...rates), 'API node A shows the events/s appended through API node B').toBeGreaterThan(
      0,
    );

    const expected = countPerWindow(EVENTS, click, WINDOW_MS);
    const deadline = Date.now() + 180_000;
    let fromA: SeriesPoint[] = [];
    while (Date.now() < deadline) {
      checkAlive(procs);
      fromA = await storedPoints(a.url, series, EVENTS).catch(() => []);
      if (fromA.length >= expected.size) break;
      await sleep(1_000);
    }
    expect(fromA.length, `every window stored; the processes said:\n${tails(procs)}`).toBe(expected.size);
    expect(new Map(fromA.map((p) => [id(p), p.values.clicks]))).toEqual(expected);
    const fromB = await storedPoints(b.url, series, EVENTS);
    expect(fromB).toEqual(fromA);

    // The hot cache: the newest window of each user, as the workers wrote it to Redis.
    const newest = new Map<string, SeriesPoint>();
    for (const p of fromA) if ((newest.get(p.key)?.start ?? -1) < p.start) newest.set(p.key, p);
    const users = [...newest.keys()].map((key) => `key=${encodeURIComponent(key)}`).join('&');
    const latest = `/api/v1/series/${series}/latest?${users}`;
    const latestOfA = await getJson<SeriesLatest>(`${a.url}${latest}`);
    expect(latestOfA.source).toBe('cache');
    expect(latestOfA.points).toEqual([...newest.values()].sort((x, y) => (x.key < y.key ? -1 : 1)));
    expect(await getJson<SeriesLatest>(`${b.url}${latest}`)).toEqual(latestOfA);
    // The whole series comes from the store while the cache is younger than its TTL, and agrees.
    expect(await getJson<SeriesLatest>(`${b.url}/api/v1/series/${series}/latest`)).toEqual({
      ...latestOfA,
      source: 'store',
    });

    // Live: every result reached the WebSocket client on A, from whichever worker produced it.
    const liveDeadline = Date.now() + 30_000;
    while (received.size < expected.size && Date.now() < liveDeadline) await sleep(250);
    ws.close();
    expect(received).toEqual(expected);

    // Every worker ran tasks of the pipeline at some point: the partitions moved as they came and went.
    for (const w of workers) expect(w.proc.output, w.proc.name).toMatch(/assigned partitions here/);
    // Both API nodes show the tasks where the workers that remain run them.
    const running = [workers[1], workers[2]].map((w) => w.proc.child!.pid);
    const members = async (url: string) => {
      const status = await getJson<PipelineStatus>(`${url}/api/v1/pipelines/${pipeline}`);
      return status.tasks.map((t) => `${t.task} ${t.member}`).sort();
    };
    const statusDeadline = Date.now() + 30_000;
    let seen: string[] = [];
    while (Date.now() < statusDeadline) {
      seen = await members(a.url);
      const pids = new Set(seen.map((m) => Number(/\/(\d+) /.exec(m)?.[1])));
      if (seen.length === 6 && running.every((pid) => pids.has(pid!)) && pids.size === 2) break;
      await sleep(500);
    }
    expect(seen, `tasks on A; the workers run as pids ${running.join(', ')}`).toHaveLength(6);
    expect(new Set(seen.map((m) => Number(/\/(\d+) /.exec(m)?.[1])))).toEqual(new Set(running));
    expect(await members(b.url)).toEqual(seen);
  });
});
