import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig, type TributaryConfig } from '../../src/config/index.js';
import type { PlanNode } from '../../src/engine/index.js';
import { PipelineTest } from '../../src/testing/index.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const example = `${fixtures}example.yaml`;

const pipelineNamed = (config: TributaryConfig, name: string) => {
  const found = config.pipelines.find((p) => p.name === name);
  if (!found) throw new Error(`no pipeline ${name}`);
  return found;
};

const describeNodes = (nodes: readonly PlanNode[]) =>
  nodes.map((n) => `${n.kind} ${n.id}${n.describe ? ` [${n.describe}]` : ''}`);

describe('the example configuration', () => {
  it('loads with every setting resolved: durations in ms, sizes in bytes, paths absolute', async () => {
    const config = await loadConfig(example, { env: {} });
    expect(config.file).toBe(example);
    expect(config.server).toEqual({
      host: '127.0.0.1',
      port: 8080,
      bodyLimit: 16 * 1024 * 1024,
      corsOrigins: [],
      apiKeys: [
        { key: 'reader-key-0123456789', scopes: ['read', 'ingest'] },
        { key: 'admin-key-0123456789', scopes: ['admin'] },
      ],
    });
    expect(config.dataDir).toBe(`${fixtures}.tributary`);
    expect(config.log).toEqual({
      type: 'embedded',
      partitions: 1,
      topics: {},
      fsync: 'interval',
      fsyncIntervalMs: 1_000,
      segmentBytes: 64 * 1024 * 1024,
      retention: { maxBytes: 1024 ** 3, maxAgeMs: 7 * 86_400_000 },
    });
    expect(config.store).toEqual({ type: 'embedded', retentionMs: 30 * 86_400_000 });
    expect(config.checkpoint).toEqual({ intervalMs: 5_000 });
    expect(config.sources).toEqual({
      clicks: { type: 'generator', generator: 'clicks', rate: 1000 },
      sensors: { type: 'mqtt', url: 'mqtt://127.0.0.1:1883', topic: 'sensors/#', qos: 1 },
      app: { type: 'file', path: `${fixtures}app.log`, format: 'json' },
      orders: { type: 'http' },
    });
    // Declared sinks, plus a store series for the module pipeline's undeclared sink.
    expect(config.sinks).toEqual({
      'per-user': { type: 'store', series: 'clicks-per-user' },
      'alerts-out': { type: 'log', topic: 'alerts', format: 'json' },
      debug: { type: 'console' },
      'orders-per-customer': { type: 'store', series: 'orders-per-customer' },
    });
    expect(config.pipelines.map((p) => [p.name, p.sources, p.sinks, p.line])).toEqual([
      ['clicks-per-user', ['clicks'], ['per-user'], 23],
      ['custom', ['orders'], ['orders-per-customer'], 43],
    ]);
  });

  it('compiles the YAML pipeline to a plan with the config names and each expression as describe', async () => {
    const { plan } = pipelineNamed(await loadConfig(example, { env: {} }), 'clicks-per-user');
    expect(plan.name).toBe('clicks-per-user');
    expect(describeNodes(plan.nodes)).toEqual([
      'source source:clicks',
      'eventTime time:clicks [ts]',
      'filter filter#1 [user != null]',
      "map map#1 [{'user': user, 'id': id, 'price': price, 'latency': latency, 'ts': ts}]",
      'dedupe dedupe#1 [id]',
      'keyBy keyBy#1 [user]',
      'window window#1 [tumbling 10s; clicks: count, spend: sum(price), users: distinct(user), avg_price: avg(price), p99: percentile(latency, 0.99)]',
      'filter filter#2 [clicks > 5]',
      'sink sink:per-user',
    ]);
    const source = plan.nodes[0] as Extract<PlanNode, { kind: 'source' }>;
    expect(source.source).toBe('clicks');
    expect(source.config).toEqual({ type: 'generator', generator: 'clicks', rate: 1000 });
    expect(source.watermark.maxOutOfOrderness).toBe(2_000);
    const sink = plan.nodes.at(-1) as Extract<PlanNode, { kind: 'sink' }>;
    expect(sink.sink).toBe('per-user');
    expect(sink.config).toEqual({ type: 'store', series: 'clicks-per-user' });
    expect(Object.isFrozen(plan)).toBe(true);
  });

  it('runs the YAML pipeline: filter, map, dedupe, key_by, a tumbling window and a filter on its results', async () => {
    const { plan } = pipelineNamed(await loadConfig(example, { env: {} }), 'clicks-per-user');
    const t = new PipelineTest(plan);
    const click = (id: number, user: string | null, ts: number, price = 2.5, latency = 100) => ({
      id,
      user,
      ts,
      price,
      latency,
      page: '/home',
    });
    const clicks = [
      ...Array.from({ length: 7 }, (_, i) => click(i, 'ann', 1_000 + i * 1_000, 2 + i, 100 + i)),
      click(3, 'ann', 7_500, 99), // a repeat of id 3: dropped by dedupe
      click(20, 'bob', 2_000),
      click(21, 'bob', 3_000),
      click(22, null, 3_000), // no user: filtered out
    ];
    t.push('clicks', clicks);
    expect(t.values('per-user')).toEqual([]);
    t.push('clicks', [click(30, 'cid', 20_000)]); // the watermark passes 10 s: the first windows fire
    const results = t.values<Record<string, number | string>>('per-user');
    expect(results).toHaveLength(1); // bob had 2 clicks: not more than 5
    const [ann] = results;
    expect(ann).toMatchObject({
      key: 'ann',
      start: 0,
      end: 10_000,
      clicks: 7,
      spend: 35,
      users: 1,
      avg_price: 5,
    });
    expect(ann.p99).toBeCloseTo(106, -1);
    expect(t.deadLetters).toEqual([]);
  });

  it('loads the module pipeline, named as the config names it, and runs it', async () => {
    const custom = pipelineNamed(await loadConfig(example, { env: {} }), 'custom');
    expect(custom.module).toBe(`${fixtures}pipelines/custom.ts`);
    expect(custom.plan.name).toBe('custom');
    const t = new PipelineTest(custom.plan);
    t.push('orders', [
      { customer: 'c1', amount: 10, ts: 1_000 },
      { customer: 'c1', amount: 0, ts: 2_000 },
      { customer: 'c1', amount: 5, ts: 3_000 },
      { customer: 'c2', amount: 5, ts: 70_000 },
    ]);
    expect(t.values('orders-per-customer')).toEqual([{ key: 'c1', start: 0, end: 60_000, orders: 2 }]);
  });
});

describe('a minimal configuration', () => {
  it('gets the documented defaults', async () => {
    const config = await parseConfig('', { file: 'empty.yaml', env: {}, cwd: '/srv/app' });
    expect(config).toEqual({
      file: 'empty.yaml',
      server: { host: '127.0.0.1', port: 8080, bodyLimit: 16 * 1024 * 1024, corsOrigins: [], apiKeys: [] },
      dataDir: '/srv/app/.tributary',
      log: {
        type: 'embedded',
        partitions: 1,
        topics: {},
        fsync: 'interval',
        fsyncIntervalMs: 1_000,
        segmentBytes: 64 * 1024 * 1024,
        retention: { maxAgeMs: 604_800_000 },
      },
      store: { type: 'embedded' },
      checkpoint: { intervalMs: 5_000 },
      sources: {},
      sinks: {},
      pipelines: [],
      logLevel: 'info',
      alerts: undefined,
    });
  });

  it('fills source defaults and takes API keys as a list too', async () => {
    const config = await parseConfig(
      `server:
  api_keys:
    - { key: ingest-only, scopes: [ingest] }
sources:
  gen: { type: generator, generator: iot-sensors }
  mq: { type: mqtt, topic: "sensors/+/temp" }
  logs: { type: file, path: /var/log/app.log, format: pattern, pattern: '^(?<level>\\w+) (?<msg>.*)$' }
`,
      { file: 'conf/tributary.yaml', env: {}, cwd: '/srv' },
    );
    expect(config.server.apiKeys).toEqual([{ key: 'ingest-only', scopes: ['ingest'] }]);
    expect(config.sources).toEqual({
      gen: { type: 'generator', generator: 'iot-sensors', rate: 100 },
      mq: { type: 'mqtt', url: 'mqtt://127.0.0.1:1883', topic: 'sensors/+/temp', qos: 0 },
      logs: {
        type: 'file',
        path: '/var/log/app.log',
        format: 'pattern',
        pattern: '^(?<level>\\w+) (?<msg>.*)$',
      },
    });
  });
});

describe('the redis: section', () => {
  it('resolves with the documented defaults: prefix tributary, the latest values kept an hour', async () => {
    const config = await parseConfig('redis: { url: "redis://:pw@cache:6379/2" }\n', {
      file: 'redis.yaml',
      env: {},
    });
    expect(config.redis).toEqual({
      url: 'redis://:pw@cache:6379/2',
      prefix: 'tributary',
      latestTtlMs: 3_600_000,
    });
  });

  it('takes a prefix and a TTL, and a TLS URL', async () => {
    const config = await parseConfig(
      'redis: { url: "rediss://cache.example.com:6380", prefix: staging-eu.1, latest_ttl: 90s }\n',
      { file: 'redis.yaml', env: {} },
    );
    expect(config.redis).toEqual({
      url: 'rediss://cache.example.com:6380',
      prefix: 'staging-eu.1',
      latestTtlMs: 90_000,
    });
  });

  it('is absent without the section: a single process needs no Redis', async () => {
    const config = await parseConfig('', { file: 'empty.yaml', env: {} });
    expect(config).not.toHaveProperty('redis');
  });
});

describe('partitions of the log topics', () => {
  it('gives every topic log.partitions, and a source that says so its own topic another count', async () => {
    const config = await parseConfig(
      `log: { partitions: 2 }
sources:
  clicks: { type: http, partitions: 4 }
  gen: { type: generator, generator: clicks, partitions: 8 }
  mq: { type: mqtt, topic: "sensors/#", partitions: 3 }
  app: { type: file, path: app.log, partitions: 1 }
  orders: { type: http }
`,
      { file: 'p.yaml', env: {}, cwd: '/srv' },
    );
    expect(config.log.partitions).toBe(2);
    expect(config.log.topics).toEqual({
      clicks: { partitions: 4 },
      gen: { partitions: 8 },
      mq: { partitions: 3 },
      app: { partitions: 1 },
    });
    // The count is the topic's, not the ingestor's: the sources' own settings are as before.
    expect(config.sources.clicks).toEqual({ type: 'http' });
    expect(config.sources.gen).toEqual({ type: 'generator', generator: 'clicks', rate: 100 });
  });
});

describe('YAML pipelines', () => {
  const load = async (pipelines: string) =>
    parseConfig(
      `sources:
  a: { type: http }
  b: { type: http }
pipelines:
${pipelines}`,
      { file: 'p.yaml', env: {} },
    );

  it('merge several sources into one stream, each with its event time', async () => {
    const config = await load(`  - name: both
    sources: [a, b]
    time: at
    steps:
      - key_by: region
      - window: { tumbling: 1m }
        aggregate: { n: count, total: { sum: amount } }
    sinks: [totals, debug]
`);
    const { plan, sources, sinks } = config.pipelines[0];
    expect([sources, sinks]).toEqual([
      ['a', 'b'],
      ['totals', 'debug'],
    ]);
    const t = new PipelineTest(plan);
    t.push('a', [{ region: 'eu', amount: 1, at: '2025-01-01T00:00:10Z' }]);
    t.push('b', [{ region: 'eu', amount: 2, at: '2025-01-01T00:00:20Z' }]);
    t.push('a', [{ region: 'eu', amount: 0, at: '2025-01-01T00:02:00Z' }]);
    t.push('b', [{ region: 'eu', amount: 0, at: '2025-01-01T00:02:00Z' }]);
    const start = Date.UTC(2025, 0, 1);
    const expected = [{ key: 'eu', start, end: start + 60_000, n: 2, total: 3 }];
    expect(t.values('totals')).toEqual(expected);
    expect(t.values('debug')).toEqual(expected);
    // An undeclared sink name is a store series of that name.
    expect(config.sinks).toEqual({
      totals: { type: 'store', series: 'totals' },
      debug: { type: 'store', series: 'debug' },
    });
  });

  it('validate dead-letters with its message; dedupe on a keyed stream uses the key', async () => {
    const config = await load(`  - name: checked
    source: a
    steps:
      - validate: { expr: "amount >= 0.0", message: "amount must not be negative" }
      - key_by: order
      - dedupe: { within: 1h }
      - map: "{'order': order, 'cents': amount * 100}"
    sink: out
`);
    const t = new PipelineTest(config.pipelines[0].plan);
    t.push('a', [
      { order: 'o1', amount: 5 },
      { order: 'o2', amount: -1 },
      { order: 'o1', amount: 5 },
      { order: 'o3', amount: 1.5 },
    ]);
    expect(t.values('out')).toEqual([
      { order: 'o1', cents: 500 },
      { order: 'o3', cents: 150 },
    ]);
    expect(t.deadLetters.map((d) => [d.operator, d.error.message])).toEqual([
      ['validate#1', 'validate#1: amount must not be negative'],
    ]);
  });

  it('hopping, session and processing-time windows, named steps and lateness', async () => {
    const config = await load(`  - name: hop
    source: a
    time: ts
    steps:
      - key_by: k
      - name: per-20s
        window: { hopping: { size: 20s, slide: 10s }, lateness: 5s }
        aggregate: { n: count, last_v: { last: v }, first_v: { first: v }, lo: { min: v }, hi: { max: v } }
    sink: out
  - name: sessions
    source: a
    time: ts
    steps:
      - key_by: k
      - window: { session: 30s }
        aggregate: { n: count, qs: { percentile: v, q: [0.5, 0.9] } }
    sink: out
  - name: by-arrival
    source: b
    steps:
      - key_by: k
      - window: { tumbling: 10s, time: processing }
        aggregate: { n: count }
    sink: out
`);
    const [hop, sessions, byArrival] = config.pipelines.map((p) => p.plan);
    const window = hop.nodes.find((n) => n.id === 'per-20s') as Extract<PlanNode, { kind: 'window' }>;
    expect(window.lateness).toBe(5_000);
    expect(window.assigner).toEqual({ kind: 'hopping', size: 20_000, slide: 10_000, offset: 0 });

    const h = new PipelineTest(hop);
    h.push('a', [
      { k: 'x', v: 3, ts: 12_000 },
      { k: 'x', v: 1, ts: 15_000 },
    ]);
    h.push('a', [{ k: 'x', v: 9, ts: 60_000 }]);
    expect(h.values('out')).toEqual([
      { key: 'x', start: 0, end: 20_000, n: 2, last_v: 1, first_v: 3, lo: 1, hi: 3 },
      { key: 'x', start: 10_000, end: 30_000, n: 2, last_v: 1, first_v: 3, lo: 1, hi: 3 },
    ]);

    const s = new PipelineTest(sessions);
    // Eleven records a second apart, valued 0, 10, …, 100: one session.
    s.push(
      'a',
      Array.from({ length: 11 }, (_, i) => ({ k: 'x', v: i * 10, ts: i * 1_000 })),
    );
    s.push('a', [{ k: 'y', v: 1, ts: 100_000 }]);
    const [session] = s.values<{ key: string; n: number; qs: Record<string, number> }>('out');
    expect(session).toMatchObject({ key: 'x', start: 0, end: 40_000, n: 11 });
    // DDSketch answers within 1 % of a true value.
    expect(Math.abs(session.qs.p50 - 50)).toBeLessThan(0.5);
    expect(Math.abs(session.qs.p90 - 90)).toBeLessThan(0.9);

    const p = new PipelineTest(byArrival, { now: 0 });
    p.push('b', [{ k: 'x' }, { k: 'x' }]);
    p.advance('10s');
    expect(p.values('out')).toEqual([{ key: 'x', start: 0, end: 10_000, n: 2 }]);
  });
});
