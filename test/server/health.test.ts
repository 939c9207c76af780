import { afterEach, describe, expect, it } from 'vitest';
import { API_KEYS, expectError, type TestServer, testServer } from './helpers.js';

describe('health', () => {
  let server: TestServer;
  afterEach(() => server.app.close());

  it('answers /healthz 200 whether or not the platform is ready', async () => {
    server = await testServer();
    server.platform.isReady = false;
    const response = await server.app.inject({ url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz 200 when ready and 503 with an error body when not', async () => {
    server = await testServer();
    expect((await server.app.inject({ url: '/readyz' })).json()).toEqual({ status: 'ready' });
    server.platform.isReady = false;
    expectError(await server.app.inject({ url: '/readyz' }), 503, 'TRB_HTTP_NOT_READY');
    server.platform.isReady = true;
    expect((await server.app.inject({ url: '/readyz' })).statusCode).toBe(200);
  });

  it('keeps both open when API keys are set', async () => {
    server = await testServer({ apiKeys: [...API_KEYS] });
    expect((await server.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await server.app.inject({ url: '/readyz' })).statusCode).toBe(200);
  });

  it('answers an unknown route 404 with the error body', async () => {
    server = await testServer();
    const message = expectError(await server.app.inject({ url: '/nope?x=1' }), 404, 'TRB_HTTP_NOT_FOUND');
    expect(message).toBe('no route GET /nope; the routes are listed at /docs');
    expectError(
      await server.app.inject({ method: 'DELETE', url: '/api/v1/stats' }),
      404,
      'TRB_HTTP_NOT_FOUND',
    );
    expectError(
      await server.app.inject({ method: 'PROPFIND', url: '/api/v1/series' }),
      404,
      'TRB_HTTP_NOT_FOUND',
    );
  });

  it("answers the router's own refusals with the error body, without repeating the URL", async () => {
    server = await testServer();
    const broken = expectError(
      await server.app.inject({ url: '/api/v1/series/%E0%A4%A' }),
      400,
      'TRB_HTTP_BAD_REQUEST',
    );
    expect(broken).toBe(
      'the URL has a %-escape that is not UTF-8 (e.g. %E0%A4%A); escape names with encodeURIComponent',
    );
    const long = expectError(
      await server.app.inject({ url: `/api/v1/series/${'x'.repeat(5_000)}` }),
      414,
      'TRB_HTTP_BAD_REQUEST',
    );
    expect(long).toBe('a name in the URL is over 1000 characters, longer than this server reads');
    // A name of 249 characters (Kafka's longest topic name) is read.
    expectError(
      await server.app.inject({ url: `/api/v1/series/${'x'.repeat(249)}` }),
      404,
      'TRB_HTTP_NOT_FOUND',
    );
  });
});
