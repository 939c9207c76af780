import { afterEach, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/server/app.js';
import { API_KEYS, type TestServer, testServer } from './helpers.js';
import { MemoryPlatform } from './memory-platform.js';

describe('CORS', () => {
  let server: TestServer;
  afterEach(() => server.app.close());

  const DASH = 'https://dash.example.com';

  it('sends no CORS headers by default', async () => {
    server = await testServer();
    const response = await server.app.inject({ url: '/api/v1/stats', headers: { origin: DASH } });
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('allows only the listed origins, never with credentials', async () => {
    server = await testServer({ corsOrigins: [DASH] });
    const allowed = await server.app.inject({ url: '/api/v1/stats', headers: { origin: DASH } });
    expect(allowed.headers['access-control-allow-origin']).toBe(DASH);
    expect(allowed.headers['access-control-allow-credentials']).toBeUndefined();
    const other = await server.app.inject({
      url: '/api/v1/stats',
      headers: { origin: 'https://evil.example' },
    });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers preflights without a key, allowing the auth headers', async () => {
    server = await testServer({ corsOrigins: [DASH], apiKeys: [...API_KEYS] });
    const preflight = await server.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/streams/clicks/events',
      headers: {
        origin: DASH,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(DASH);
    expect(preflight.headers['access-control-allow-headers']).toContain('authorization');
  });

  it.each([['*'], ['dash.example.com'], ['https://dash.example.com/app']])(
    'refuses the origin %j',
    async (origin) => {
      await expect(buildServer(new MemoryPlatform(), { corsOrigins: [origin] })).rejects.toMatchObject({
        code: 'TRB_SERVER_BAD_CONFIG',
      });
    },
  );
});
