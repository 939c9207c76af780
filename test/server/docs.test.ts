import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type TestServer, testServer } from './helpers.js';

/** Every route the server serves, as OpenAPI writes it. */
const ROUTES = [
  'get /healthz',
  'get /readyz',
  'get /metrics',
  'get /api/v1/stats',
  'get /api/v1/stats/history',
  'get /api/v1/pipelines',
  'get /api/v1/pipelines/{name}',
  'get /api/v1/pipelines/{name}/dead-letters',
  'get /api/v1/pipelines/{name}/late-events',
  'get /api/v1/streams',
  'post /api/v1/streams/{stream}/events',
  'get /api/v1/series',
  'get /api/v1/series/{name}',
  'get /api/v1/series/{name}/latest',
  'get /api/v1/alerts',
  'get /api/v1/alerts/history',
  'get /api/v1/alerts/notifications',
  'get /api/v1/alerts/rules',
  'put /api/v1/alerts/rules/{name}',
  'delete /api/v1/alerts/rules/{name}',
  'get /api/v1/alerts/silences',
  'post /api/v1/alerts/silences',
  'delete /api/v1/alerts/silences/{id}',
  'post /api/v1/alerts/{fingerprint}/silence',
  'get /ws',
];

/** `method path` of each route in Fastify's route tree (`printRoutes({ commonPrefix: false })`). */
const servedRoutes = (tree: string): string[] => {
  const stack: string[] = [];
  return tree
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) => {
      const match = /^((?:│ {3}| {4})*)[├└]── (.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
      if (!match) throw new Error(`unexpected route tree line ${line}`);
      const depth = match[1].length / 4;
      stack.length = depth;
      stack.push(match[2]);
      const path = stack.join('');
      return (match[3] ?? '')
        .split(', ')
        .filter(Boolean)
        .map((method) => `${method.toLowerCase()} ${path}`);
    });
};

describe('docs/api.md', () => {
  it('lists every route in its table, and nothing else', () => {
    const rows = readFileSync('docs/api.md', 'utf8').matchAll(/^\| \[`(GET|PUT|POST|DELETE|WS) ([^`]+)`\]/gm);
    const table = [...rows]
      .map(
        ([, method, path]) =>
          `${method === 'WS' ? 'get' : method.toLowerCase()} ${path.replace(/:(\w+)/g, '{$1}')}`,
      )
      .filter((route) => route !== 'get /docs');
    expect(table.sort()).toEqual([...ROUTES].sort());
  });
});

describe('OpenAPI at /docs', () => {
  let server: TestServer;
  afterEach(() => server.app.close());

  it('lists every route, and nothing else', async () => {
    server = await testServer();
    const spec = (await server.app.inject({ url: '/docs/json' })).json();
    expect(spec.openapi).toBe('3.1.0');
    const listed = Object.entries(spec.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, methods]) => Object.keys(methods).map((method) => `${method} ${path}`),
    );
    expect(listed.sort()).toEqual([...ROUTES].sort());
  });

  it('names every route Fastify serves (the docs UI and the dashboard aside)', async () => {
    server = await testServer();
    await server.app.ready();
    // The dashboard's files (plugins/dashboard.ts: /, /assets/*, favicon.svg) are pages, not API routes.
    const dashboard = /^get \/(?:$|assets\/|\*|[\w.-]+\.\w+$)/;
    const served = servedRoutes(server.app.printRoutes({ commonPrefix: false })).filter(
      (r) => !r.includes(' /docs') && !dashboard.test(r),
    );
    expect(served.sort()).toEqual(ROUTES.map((r) => r.replace(/\{(\w+)\}/g, ':$1')).sort());
  });

  it('documents parameters, error bodies and the ingest content types', async () => {
    server = await testServer();
    const spec = (await server.app.inject({ url: '/docs/json' })).json();
    const series = spec.paths['/api/v1/series/{name}'].get;
    expect(series.parameters.map((p: { name: string }) => p.name).sort()).toEqual(
      ['agg', 'fields', 'from', 'key', 'limit', 'name', 'step', 'to'].sort(),
    );
    expect(series.responses['400'].content['application/json'].schema.properties.error).toBeDefined();
    const ingest = spec.paths['/api/v1/streams/{stream}/events'].post;
    expect(Object.keys(ingest.requestBody.content).sort()).toEqual([
      'application/json',
      'application/x-ndjson',
    ]);
    expect(Object.keys(ingest.responses).sort()).toEqual([
      '202',
      '400',
      '401',
      '403',
      '404',
      '413',
      '415',
      '503',
    ]);
    expect(spec.components.securitySchemes.bearer).toEqual(expect.objectContaining({ scheme: 'bearer' }));
  });

  it('serves Swagger UI', async () => {
    server = await testServer();
    const response = await server.app.inject({ url: '/docs' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/text\/html/);
  });
});
