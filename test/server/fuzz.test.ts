/**
 * Every route of the OpenAPI document, fuzzed: 12,000 requests generated from the contract
 * (its paths, parameters and bodies, with values meant to break them — huge and negative
 * numbers, times past a date's range, broken %-escapes, long and odd names, wrong types,
 * bodies that are no JSON or not what the route takes) against a real platform (an embedded
 * store and log, a pipeline and alerting), in process. No answer is a 5xx, every 4xx has the
 * documented error body, and none takes more than 1 s. Seeded: a failure replays.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { platformOptions } from '../../src/runtime/from-config.js';
import { Platform } from '../../src/runtime/platform.js';
import { buildServer } from '../../src/server/app.js';

const REQUESTS = 12_000;
const SLOWEST_MS = 1_000;
const SEED = 20261206;

/** A small fast PRNG (mulberry32): the same requests on every run. */
const random = (() => {
  let state = SEED;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
})();
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];

const TEXT = [
  '',
  'a',
  'per-user',
  'clicks',
  'many',
  'x'.repeat(300),
  'x'.repeat(5_000),
  '💥',
  '../../etc/passwd',
  '<script>',
  'now',
  'now-1h',
  'now-300000000d',
  '2024-05-01T12:00:00Z',
  '2024-13-45T99:00:00Z',
  '9007199254740991',
  '-9007199254740991',
  '99999999999999999999',
  '1e308',
  '-1',
  '0',
  '1.5',
  'NaN',
  'null',
  'true',
  '{"a":1}',
  '[1,2]',
  'key=~"(a+)+$"',
  'alertname="x"',
  '(((',
  'a'.repeat(31) + '!',
  'firing,pending',
  'burning',
  '1m',
  '0.5ms',
  'avg',
  'median',
];
const NUMBERS = [0, -1, 1, 1.5, 1e308, -1e308, 9007199254740991, 8.64e15 + 1, Number.MAX_VALUE, 2 ** 53 + 2];

/** A JSON value meant to be taken, or refused. */
const jsonValue = (depth = 0): unknown => {
  const r = random();
  if (r < 0.15) return pick(TEXT);
  if (r < 0.3) return pick(NUMBERS);
  if (r < 0.38) return pick([null, true, false]);
  if (depth > 3) return pick(TEXT);
  if (r < 0.55) return Array.from({ length: Math.floor(random() * 4) }, () => jsonValue(depth + 1));
  const keys = [
    'matchers',
    'duration',
    'ends_at',
    'starts_at',
    'id',
    'comment',
    'created_by',
    'type',
    'series',
    'field',
    'threshold',
    'severity',
    'op',
    'for',
    'hysteresis',
    'resolve_after',
    'user',
    'ts',
    'value',
    'key',
    '__proto__',
    'constructor',
  ];
  return Object.fromEntries(
    Array.from({ length: 1 + Math.floor(random() * 6) }, () => [pick(keys), jsonValue(depth + 1)]),
  );
};

/** A body a route that takes one might get: a rule, a silence, events, or anything. */
const body = (): { payload: string; contentType: string } => {
  const r = random();
  const contentType = pick([
    'application/json',
    'application/json',
    'application/json',
    'application/x-ndjson',
    'text/plain',
    'application/xml',
  ]);
  if (r < 0.1) return { payload: pick(['{', '[1,', 'not json', '\u0000', '{"a":1}{', '']), contentType };
  if (r < 0.25)
    return {
      payload: JSON.stringify({
        type: 'threshold',
        series: pick(TEXT),
        field: 'n',
        threshold: pick(NUMBERS),
        ...(random() < 0.5 && { resolve_after: pick(TEXT) }),
      }),
      contentType,
    };
  if (r < 0.4)
    return {
      payload: JSON.stringify({
        matchers: [pick(TEXT), ...(random() < 0.3 ? [null] : [])],
        ...(random() < 0.5
          ? { duration: pick([...TEXT, ...NUMBERS]) }
          : { ends_at: pick([...TEXT, ...NUMBERS]) }),
        ...(random() < 0.3 && { comment: jsonValue(2) }),
      }),
      contentType,
    };
  if (r < 0.55)
    return {
      payload: JSON.stringify(
        Array.from({ length: 1 + Math.floor(random() * 3) }, () =>
          random() < 0.6 ? { user: pick(TEXT), ts: pick(NUMBERS) } : jsonValue(1),
        ),
      ),
      contentType,
    };
  return { payload: JSON.stringify(jsonValue()), contentType };
};

interface Operation {
  readonly method: string;
  readonly path: string;
  readonly query: readonly string[];
  readonly takesBody: boolean;
}

/** A path parameter: a name as a client would send it, or one meant to break the router. */
const pathValue = (): string => {
  const r = random();
  if (r < 0.1) return pick(['%E0%A4%A', '%', '%zz', '%00', '..', '.', '%2F']);
  return encodeURIComponent(pick(TEXT)) || 'x';
};

/**
 * Values a query parameter is likely to take, right or nearly: a request whose other
 * parameters are all wild is refused by the schema before the route's own checks run.
 */
const PLAUSIBLE: Readonly<Record<string, readonly string[]>> = {
  from: [
    'now-1h',
    '0',
    '1700000000000',
    '2024-05-01T12:00:00Z',
    '9007199254740991',
    '-8640000000000001',
    'now-300000000d',
  ],
  to: ['now', '0', '1700000000000', '2024-05-01', '99999999999999999999', '8640000000000000'],
  step: ['1m', '10s', '1', '0', '-1', '0.5ms', '300000000d'],
  agg: ['avg', 'sum', 'min', 'max', 'count', 'last', 'median'],
  limit: ['1', '10', '100000', '0', '100001'],
  fields: ['n', 'n,x', ','],
  state: ['firing', 'pending', 'resolved', 'firing,pending', 'burning'],
  keyField: ['user', 'x'.repeat(300)],
};
const paramValue = (name: string): string =>
  random() < 0.8 && PLAUSIBLE[name] ? pick(PLAUSIBLE[name]) : pick(TEXT);

const requestFor = (operation: Operation) => {
  // Mostly a name the platform knows, so that the routes' own checks are reached.
  const path = operation.path.replace(/\{\w+\}/g, () =>
    random() < 0.5 ? pick(['per-user', 'clicks', 'many']) : pathValue(),
  );
  const params = new URLSearchParams();
  for (const name of operation.query) {
    if (random() < 0.4) params.append(name, paramValue(name));
    if (random() < 0.05) params.append(name, paramValue(name)); // given twice
  }
  if (random() < 0.1) params.append(pick(['unknown', 'apiKey', 'limit']), pick(TEXT));
  const query = params.toString();
  const url = `${path}${query ? `?${query}` : ''}`;
  if (!operation.takesBody) return { method: operation.method, url };
  const { payload, contentType } = body();
  return { method: operation.method, url, payload, headers: { 'content-type': contentType } };
};

describe('the HTTP API, fuzzed from its OpenAPI document', () => {
  let dir = '';
  let platform: Platform;
  let app: FastifyInstance;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tributary-fuzz-'));
    const config = await parseConfig(
      `
sources:
  clicks: { type: http }
pipelines:
  - name: per-user
    source: clicks
    time: ts
    steps:
      - key_by: user
      - window: { tumbling: 10s }
        aggregate: { n: count }
    sink: per-user
alerts:
  rules:
    - { name: many, type: threshold, series: per-user, field: n, threshold: 5 }
`,
      { file: 'fuzz.yaml', env: { TRIBUTARY_DATA_DIR: dir } },
    );
    platform = new Platform({ ...platformOptions(config), onError: () => {} });
    await platform.start();
    app = await buildServer(platform);
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await platform?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it(`answers ${REQUESTS} generated requests without a 5xx, each in the error body when refused, within ${SLOWEST_MS} ms`, {
    timeout: 600_000,
  }, async () => {
    const spec = (await app.inject({ url: '/docs/json' })).json() as {
      paths: Record<
        string,
        Record<string, { parameters?: { in: string; name: string }[]; requestBody?: unknown }>
      >;
    };
    const operations: Operation[] = Object.entries(spec.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
        takesBody: op.requestBody !== undefined,
      })),
    );
    expect(operations.length).toBeGreaterThan(20);

    const failures: string[] = [];
    const statuses = new Map<number, number>();
    for (let i = 0; i < REQUESTS; i++) {
      const request = requestFor(operations[i % operations.length]);
      const started = performance.now();
      const response = await app.inject(request as InjectOptions);
      const ms = performance.now() - started;
      statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
      const shown = `${request.method} ${request.url.slice(0, 200)} ${'payload' in request ? String(request.payload).slice(0, 200) : ''}`;
      if (response.statusCode >= 500)
        failures.push(`${response.statusCode} for ${shown}: ${response.body.slice(0, 300)}`);
      else if (ms > SLOWEST_MS) failures.push(`${Math.round(ms)} ms for ${shown}`);
      else if (response.statusCode >= 400) {
        const parsed = (() => {
          try {
            return response.json() as { error?: { code?: unknown; message?: unknown } };
          } catch {
            return undefined;
          }
        })();
        if (typeof parsed?.error?.code !== 'string' || typeof parsed.error.message !== 'string')
          failures.push(
            `no error body (${response.statusCode}) for ${shown}: ${response.body.slice(0, 200)}`,
          );
      }
    }
    expect(failures.slice(0, 20)).toEqual([]);
    // The generated requests reach the routes, not only the refusals in front of them.
    expect([...statuses.keys()].filter((s) => s < 300).length).toBeGreaterThan(0);
  });
});
