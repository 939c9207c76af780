/**
 * The whole journey in one process: the demo configuration running live, events POSTed
 * over HTTP, their results read back from the series API and received over the WebSocket,
 * and `/metrics` readable by Prometheus.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DEMO_CONFIG } from '../../src/cli/start.js';
import { loadConfig } from '../../src/config/index.js';
import { DEMO_GENERATOR_CATALOGUE } from '../../src/demo/generators/index.js';
import { platformOptions } from '../../src/runtime/from-config.js';
import { Platform } from '../../src/runtime/platform.js';
import { type RunningServer, startServer } from '../../src/server/start.js';

let dataDir: string;
let platform: Platform;
let server: RunningServer;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'tributary-demo-'));
  const config = await loadConfig(DEMO_CONFIG, {
    env: { ...process.env, TRIBUTARY_DATA_DIR: dataDir },
    generators: DEMO_GENERATOR_CATALOGUE,
  });
  platform = new Platform({
    ...platformOptions(config, { generators: DEMO_GENERATOR_CATALOGUE }),
    onError: () => {},
  });
  await platform.start();
  server = await startServer(platform, { port: 0 });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await platform?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

const get = async (path: string) => {
  const response = await fetch(`${server.url}${path}`);
  return { status: response.status, body: (await response.json()) as any };
};

/** Polls `check` until it gives a value. */
const eventually = async <T>(
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 40_000,
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
};

describe('the demo, live', () => {
  it('is ready, with every demo source producing and every pipeline running', async () => {
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const stats = await eventually(async () => {
      const { body } = await get('/api/v1/stats');
      return body.activeSources === 5 && body.eventsInPerSec > 0 ? body : undefined;
    }, 'all five sources to produce');
    expect(stats.latencyMs.p50).toBeGreaterThanOrEqual(0);
    const { body } = await get('/api/v1/pipelines');
    expect(body.pipelines.map((p: { name: string; status: string }) => [p.name, p.status])).toEqual([
      ['clicks-per-user', 'running'],
      ['top-pages', 'running'],
      ['stock-averages', 'running'],
      ['sensor-temperatures', 'running'],
      ['failed-logins', 'running'],
      ['host-metrics', 'running'],
      // The brute-force alert rule is a pattern matched on the engine: a pipeline of its own.
      ['alert:brute-force', 'running'],
    ]);
  });

  it('stores POSTed events as results, readable over REST and pushed over the WebSocket', async () => {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws`);
    const pushed: { key: string; values: { clicks: number } }[] = [];
    ws.on('message', (data) => {
      const message = JSON.parse(String(data));
      if (message.channel === 'series:clicks-per-user') pushed.push(...message.data);
    });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.send(JSON.stringify({ subscribe: ['series:clicks-per-user'] }));

    const now = Date.now();
    const clicks = [0, 1, 2].map((i) => ({
      user: 'e2e-visitor',
      page: '/pricing',
      ts: now + i,
      session: 's',
      referrer: 'test',
      dwellMs: 100,
    }));
    const response = await fetch(`${server.url}/api/v1/streams/clicks/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: clicks.map((c) => JSON.stringify(c)).join('\n'),
    });
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ accepted: 3 });

    // The 10 s window holding them closes once the generators' event time passes its end.
    const point = await eventually(async () => {
      const { body } = await get(
        `/api/v1/series/clicks-per-user?from=${now - 20_000}&to=${now + 20_000}&key=e2e-visitor`,
      );
      return body.points?.[0];
    }, 'the POSTed clicks to be stored');
    expect(point.values.clicks).toBe(3);
    await eventually(
      async () => (pushed.some((p) => p.key === 'e2e-visitor') ? true : undefined),
      'the live update',
    );
    expect(pushed.find((p) => p.key === 'e2e-visitor')?.values.clicks).toBe(3);
    ws.close();
  });

  it("dead-letters the generators' malformed events and keeps running", async () => {
    const letters = await eventually(async () => {
      const { body } = await get('/api/v1/pipelines/sensor-temperatures/dead-letters?limit=5');
      const list = body.deadLetters ?? body.records ?? body;
      return Array.isArray(list) && list.length > 0 ? list : undefined;
    }, 'a dead letter from the malformed sensor readings');
    expect(letters[0].error.message).toBeTruthy();
    expect((await get('/api/v1/pipelines/sensor-temperatures')).body.status).toBe('running');
  });

  it('serves /metrics in the Prometheus text format', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const sample =
      /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? -?(\d+(\.\d+)?([eE][-+]?\d+)?|NaN|\+Inf|-Inf)( \d+)?$/;
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
      expect(line).toMatch(sample);
    }
    for (const name of [
      'tributary_events_ingested_total',
      'tributary_pipeline_records_in_total',
      'tributary_processing_latency_seconds_bucket',
      'tributary_dead_letters_total',
      'tributary_consumer_lag_records',
      'tributary_watermark_lag_seconds',
    ]) {
      expect(text).toContain(name);
    }
  });
});
