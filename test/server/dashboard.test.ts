/**
 * The dashboard plugin on its own, over a small fake build: which paths get the page,
 * which keep the API's JSON 404, how files are cached, and what a missing build answers.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dashboardPlugin } from '../../src/server/plugins/dashboard.js';
import { API_KEYS, expectError, READ_KEY, testServer } from './helpers.js';

const PAGE = '<!doctype html><div id="app"></div>';

let root: string;
let app: FastifyInstance;

/** The plugin behind the same JSON 404 as the real server. */
const serve = async (dir: string) => {
  const instance = Fastify();
  instance.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: { code: 'TRB_HTTP_NOT_FOUND', message: `no route ${request.url}` } });
  });
  instance.get('/api/v1/stats', async () => ({ eventsInPerSec: 1 }));
  await instance.register(dashboardPlugin, { root: dir });
  return instance;
};

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tributary-web-'));
  await mkdir(join(root, 'assets'));
  await writeFile(join(root, 'index.html'), PAGE);
  await writeFile(join(root, 'assets', 'index-abc123.js'), 'console.log(1)');
  await writeFile(join(root, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
});

afterEach(async () => {
  await app?.close();
  await rm(root, { recursive: true, force: true });
});

const html = { accept: 'text/html,application/xhtml+xml' };

describe('the dashboard plugin', () => {
  it('serves index.html at /, revalidated, with a strict content security policy', async () => {
    app = await serve(root);
    const response = await app.inject({ url: '/' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.body).toBe(PAGE);
    expect(response.headers['cache-control']).toBe('no-cache');
    expect(response.headers['content-security-policy']).toContain("script-src 'self'");
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });

  it('caches hashed assets for a year, other files not', async () => {
    app = await serve(root);
    const asset = await app.inject({ url: '/assets/index-abc123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const icon = await app.inject({ url: '/favicon.svg' });
    expect(icon.statusCode).toBe(200);
    expect(icon.headers['cache-control']).toBe('public, max-age=0');
    expectError(await app.inject({ url: '/assets/missing.js' }), 404, 'TRB_HTTP_NOT_FOUND');
    expect((await app.inject({ url: '/assets/..%2f..%2fetc%2fpasswd' })).statusCode).toBeGreaterThanOrEqual(
      400,
    );
  });

  it('answers a browser page load of a client route with index.html', async () => {
    app = await serve(root);
    for (const url of ['/pipelines', '/pipelines/clicks-per-user', '/series?name=x', '/no/such/page']) {
      const response = await app.inject({ url, headers: html });
      expect(response.statusCode, url).toBe(200);
      expect(response.body, url).toBe(PAGE);
    }
  });

  it('keeps the JSON 404 for API paths, missing files and clients that do not ask for HTML', async () => {
    app = await serve(root);
    for (const [url, headers] of [
      ['/api/v1/nope', html],
      ['/ws/extra', html],
      ['/docs/nope', html],
      ['/favicon.ico', html],
      ['/pipelines', {}],
      ['/pipelines', { accept: 'application/json' }],
    ] as const) {
      expectError(await app.inject({ url, headers }), 404, 'TRB_HTTP_NOT_FOUND');
    }
    expect((await app.inject({ url: '/api/v1/stats', headers: html })).json()).toEqual({ eventsInPerSec: 1 });
  });

  it('explains how to build the dashboard when there is no build', async () => {
    app = await serve(join(root, 'missing'));
    const response = await app.inject({ url: '/' });
    expect(response.statusCode).toBe(503);
    expect(response.body).toContain('npm run build');
  });
});

describe('the dashboard in the server', () => {
  it('is open with API keys (it holds no data), while the API and unknown paths still ask for one', async () => {
    const { app: server } = await testServer({ apiKeys: [...API_KEYS] });
    app = server;
    // 200 with a build, 503 (how to build) without: never 401.
    expect([200, 503]).toContain((await server.inject({ url: '/' })).statusCode);
    expectError(await server.inject({ url: '/api/v1/stats' }), 401, 'TRB_HTTP_UNAUTHORIZED');
    expectError(await server.inject({ url: '/no-such-route' }), 401, 'TRB_HTTP_UNAUTHORIZED');
    expect(
      (await server.inject({ url: '/api/v1/stats', headers: { 'x-api-key': READ_KEY } })).statusCode,
    ).toBe(200);
  });
});
