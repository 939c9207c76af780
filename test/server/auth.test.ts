import { afterEach, describe, expect, it } from 'vitest';
import { TributaryError } from '../../src/errors.js';
import { parseApiKeys } from '../../src/server/api-keys.js';
import { buildServer } from '../../src/server/app.js';
import { isLoopback } from '../../src/server/options.js';
import { startServer } from '../../src/server/start.js';
import {
  ADMIN_KEY,
  API_KEYS,
  BOTH_KEY,
  expectError,
  INGEST_KEY,
  READ_KEY,
  TestClient,
  type TestServer,
  testServer,
} from './helpers.js';
import { MemoryPlatform } from './memory-platform.js';

describe('binding beyond loopback', () => {
  it.each(['0.0.0.0', '::', '192.168.1.20', 'example.com', ''])(
    'refuses %j without API keys',
    async (host) => {
      const attempt = buildServer(new MemoryPlatform(), { host });
      await expect(attempt).rejects.toBeInstanceOf(TributaryError);
      await expect(attempt).rejects.toMatchObject({ code: 'TRB_SERVER_BAD_CONFIG' });
      await expect(attempt).rejects.toThrow(/TRIBUTARY_API_KEYS/);
    },
  );

  it('refuses in startServer too, before listening', async () => {
    await expect(startServer(new MemoryPlatform(), { host: '0.0.0.0', port: 0 })).rejects.toThrow(
      /beyond loopback, without API keys.*TRIBUTARY_API_KEYS/,
    );
  });

  it('starts beyond loopback with keys', async () => {
    const app = await buildServer(new MemoryPlatform(), { host: '0.0.0.0', apiKeys: [...API_KEYS] });
    await app.close();
  });

  it.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['::ffff:127.0.0.1', true],
    ['0.0.0.0', false],
    ['::', false],
    ['10.0.0.1', false],
    ['127.example.com', false],
  ])('knows %s is loopback: %s', (host, loopback) => {
    expect(isLoopback(host)).toBe(loopback);
  });
});

describe('API keys from TRIBUTARY_API_KEYS', () => {
  it('parses key:scope,scope entries separated by ;', () => {
    expect(parseApiKeys(` ${READ_KEY}:read ; ${BOTH_KEY}:read,ingest;${ADMIN_KEY}:admin `)).toEqual([
      { key: READ_KEY, scopes: ['read'] },
      { key: BOTH_KEY, scopes: ['read', 'ingest'] },
      { key: ADMIN_KEY, scopes: ['admin'] },
    ]);
    expect(parseApiKeys('')).toEqual([]);
  });

  it.each([
    [`${READ_KEY}`, /entry 1 has no scopes; write it as <key>:read,ingest/],
    [`${READ_KEY}:write`, /"write" is not a scope; use read, ingest, admin/],
    ['short:read', /at least 16 characters/],
    [`${READ_KEY}:read;${READ_KEY}:admin`, /listed twice/],
  ])('refuses %j with a message naming the variable', (text, message) => {
    expect(() => parseApiKeys(text)).toThrow(message);
    expect(() => parseApiKeys(text)).toThrow(/^TRIBUTARY_API_KEYS/);
  });

  it('refuses bad keys given in code', async () => {
    await expect(
      buildServer(new MemoryPlatform(), { apiKeys: [{ key: READ_KEY, scopes: [] }] }),
    ).rejects.toThrow(/apiKeys\[0\]\.scopes: give at least one/);
  });
});

describe('scopes', () => {
  let server: TestServer;
  afterEach(() => server.app.close());

  const routes: [string, string, string][] = [
    ['GET', '/api/v1/stats', 'read'],
    ['GET', '/api/v1/pipelines', 'read'],
    ['GET', '/api/v1/pipelines/clicks-per-page', 'read'],
    ['GET', '/api/v1/pipelines/clicks-per-page/dead-letters', 'read'],
    ['GET', '/api/v1/pipelines/clicks-per-page/late-events', 'read'],
    ['GET', '/api/v1/streams', 'read'],
    ['GET', '/api/v1/series', 'read'],
    ['GET', '/metrics', 'read'],
    ['POST', '/api/v1/streams/clicks/events', 'ingest'],
  ];
  const ok = (method: string) => (method === 'POST' ? 202 : 200);

  const call = (method: string, url: string, headers: Record<string, string> = {}) =>
    server.app.inject({
      method: method as 'GET' | 'POST',
      url,
      headers: { ...headers, ...(method === 'POST' && { 'content-type': 'application/json' }) },
      ...(method === 'POST' && { payload: '{"a":1}' }),
    });

  it.each(routes)('%s %s needs %s', async (method, url, scope) => {
    server = await testServer({ apiKeys: [...API_KEYS] });
    const none = await call(method, url);
    expect(expectError(none, 401, 'TRB_HTTP_UNAUTHORIZED')).toMatch(/needs an API key/);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="tributary"');
    expectError(
      await call(method, url, { authorization: 'Bearer not-a-known-key-at-all' }),
      401,
      'TRB_HTTP_UNAUTHORIZED',
    );
    const wrong = scope === 'read' ? INGEST_KEY : READ_KEY;
    const forbidden = await call(method, url, { authorization: `Bearer ${wrong}` });
    expect(expectError(forbidden, 403, 'TRB_HTTP_FORBIDDEN')).toBe(
      `this route needs the "${scope}" scope; the API key has ${scope === 'read' ? 'ingest' : 'read'}`,
    );
    const right = scope === 'read' ? READ_KEY : INGEST_KEY;
    expect((await call(method, url, { authorization: `Bearer ${right}` })).statusCode).toBe(ok(method));
    expect((await call(method, url, { 'x-api-key': right })).statusCode).toBe(ok(method));
    expect((await call(method, url, { authorization: `bearer  ${BOTH_KEY}` })).statusCode).toBe(ok(method));
    expect((await call(method, url, { 'x-api-key': ADMIN_KEY })).statusCode).toBe(ok(method));
  });

  it('refuses a malformed Authorization header with 401', async () => {
    server = await testServer({ apiKeys: [...API_KEYS] });
    const message = expectError(
      await call('GET', '/api/v1/stats', { authorization: `Basic ${READ_KEY}` }),
      401,
      'TRB_HTTP_UNAUTHORIZED',
    );
    expect(message).toBe('the Authorization header must be "Bearer <key>"');
  });

  it('asks for a key before saying whether a stream or route exists', async () => {
    server = await testServer({ apiKeys: [...API_KEYS] });
    expectError(await call('POST', '/api/v1/streams/secret/events'), 401, 'TRB_HTTP_UNAUTHORIZED');
    expectError(await call('GET', '/admin'), 401, 'TRB_HTTP_UNAUTHORIZED');
    expectError(await call('GET', '/admin', { 'x-api-key': READ_KEY }), 404, 'TRB_HTTP_NOT_FOUND');
  });

  it('does not take keys from the query string on HTTP routes', async () => {
    server = await testServer({ apiKeys: [...API_KEYS] });
    expectError(await call('GET', `/api/v1/stats?apiKey=${READ_KEY}`), 401, 'TRB_HTTP_UNAUTHORIZED');
  });

  it('keeps the docs open', async () => {
    server = await testServer({ apiKeys: [...API_KEYS] });
    expect((await call('GET', '/docs/json')).statusCode).toBe(200);
    expect((await call('GET', '/docs')).statusCode).toBe(200);
  });

  it('leaves everything open on loopback without keys', async () => {
    server = await testServer();
    for (const [method, url] of routes) expect((await call(method, url)).statusCode).toBe(ok(method));
  });
});

describe('logging', () => {
  it('never writes an API key given in the query string to the log', async () => {
    const lines: string[] = [];
    const stream = { write: (line: string) => lines.push(line) };
    const app = await buildServer(new MemoryPlatform(), {
      apiKeys: [...API_KEYS],
      logger: { level: 'info', stream },
    });
    await app.inject({ url: `/ws?apiKey=${READ_KEY}&x=1` });
    await app.close();
    expect(lines.join('')).toContain('/ws?apiKey=[redacted]&x=1');
    expect(lines.join('')).not.toContain(READ_KEY);
  });
});

describe('WebSocket authentication', () => {
  const platform = new MemoryPlatform();

  it('refuses the upgrade without a key, and takes a header or ?apiKey=', async () => {
    const running = await startServer(platform, { port: 0, apiKeys: [...API_KEYS] });
    try {
      const ws = running.url.replace('http', 'ws');
      await expect(TestClient.connect(`${ws}/ws`)).rejects.toThrow(/401/);
      await expect(TestClient.connect(`${ws}/ws?apiKey=${INGEST_KEY}`)).rejects.toThrow(/403/);
      const byHeader = await TestClient.connect(`${ws}/ws`, { authorization: `Bearer ${READ_KEY}` });
      const byQuery = await TestClient.connect(`${ws}/ws?apiKey=${READ_KEY}`);
      byQuery.send({ subscribe: ['stats'] });
      await byQuery.waitFor((f) => f.subscribed !== undefined);
      await byHeader.close();
      await byQuery.close();
    } finally {
      await running.close();
    }
  });
});
