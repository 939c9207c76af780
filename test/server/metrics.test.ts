import { afterEach, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/server/app.js';
import { startServer } from '../../src/server/start.js';
import {
  API_KEYS,
  expectError,
  parsePrometheusText,
  post,
  READ_KEY,
  TestClient,
  type TestServer,
  testServer,
} from './helpers.js';
import { MemoryPlatform } from './memory-platform.js';

describe('GET /metrics', () => {
  let server: TestServer;
  afterEach(() => server.app.close());

  it('serves the platform registry in Prometheus text format', async () => {
    server = await testServer();
    await post(server.app, '/api/v1/streams/clicks/events', '[{"a":1},{"a":2}]');
    const response = await server.app.inject({ url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parsePrometheusText(response.body);
    const eventsIn = families.get('tributary_events_in_total');
    expect(eventsIn?.samples).toEqual([
      { name: 'tributary_events_in_total', labels: { stream: 'clicks' }, value: 2 },
    ]);
    expect(families.get('tributary_http_ingested_events_total')?.samples[0]).toMatchObject({
      labels: { stream: 'clicks' },
      value: 2,
    });
  });

  it('counts and times requests by route template and status, never by raw URL', async () => {
    server = await testServer();
    await server.app.inject({ url: '/api/v1/pipelines/clicks-per-page' });
    await server.app.inject({ url: '/api/v1/pipelines/nope' });
    await server.app.inject({ url: '/no/such/route/12345' });
    const families = parsePrometheusText((await server.app.inject({ url: '/metrics' })).body);
    const requests = families.get('tributary_http_requests_total');
    expect(requests?.type).toBe('counter');
    const seen = requests?.samples.map(
      (s) => `${s.labels.method} ${s.labels.route} ${s.labels.status_code} ${s.value}`,
    );
    expect(seen).toEqual(
      expect.arrayContaining([
        'GET /api/v1/pipelines/:name 200 1',
        'GET /api/v1/pipelines/:name 404 1',
        'GET unmatched 404 1',
      ]),
    );
    expect(JSON.stringify(requests?.samples)).not.toContain('12345');
    const duration = families.get('tributary_http_request_duration_seconds');
    expect(duration?.type).toBe('histogram');
    const count = duration?.samples.find(
      (s) =>
        s.name.endsWith('_count') &&
        s.labels.route === '/api/v1/pipelines/:name' &&
        s.labels.status_code === '200',
    );
    expect(count?.value).toBe(1);
  });

  it('needs the read scope when keys are set', async () => {
    server = await testServer({ apiKeys: [...API_KEYS] });
    expectError(await server.app.inject({ url: '/metrics' }), 401, 'TRB_HTTP_UNAUTHORIZED');
    const response = await server.app.inject({ url: '/metrics', headers: { 'x-api-key': READ_KEY } });
    expect(response.statusCode).toBe(200);
    parsePrometheusText(response.body);
  });

  it('lets a second server share the platform registry', async () => {
    server = await testServer();
    const second = await buildServer(server.platform, {});
    await second.inject({ url: '/healthz' });
    parsePrometheusText((await second.inject({ url: '/metrics' })).body);
    await second.close();
  });
});

describe('WebSocket metrics', () => {
  it('reports clients, subscriptions and messages', async () => {
    const platform = new MemoryPlatform();
    const running = await startServer(platform, { port: 0 });
    const scrape = async () => parsePrometheusText((await running.app.inject({ url: '/metrics' })).body);
    try {
      const client = await TestClient.connect(`${running.url.replace('http', 'ws')}/ws`);
      client.send({ subscribe: ['stats'] });
      client.send('not json');
      await client.waitFor((f) => f.error !== undefined);
      const families = await scrape();
      expect(families.get('tributary_ws_clients')?.samples[0].value).toBe(1);
      expect(families.get('tributary_ws_subscriptions')?.samples[0].value).toBe(1);
      expect(families.get('tributary_ws_messages_received_total')?.samples[0].value).toBe(2);
      const sent = families
        .get('tributary_ws_messages_sent_total')
        ?.samples.map((s) => [s.labels.kind, s.value]);
      expect(sent).toEqual(
        expect.arrayContaining([
          ['control', 1],
          ['error', 1],
        ]),
      );
      await client.close();
      await expect.poll(async () => (await scrape()).get('tributary_ws_clients')?.samples[0].value).toBe(0);
      expect((await scrape()).get('tributary_ws_subscriptions')?.samples[0].value).toBe(0);
    } finally {
      await running.close();
    }
  });
});

describe('the Prometheus text checker', () => {
  it('refuses what Prometheus would refuse', () => {
    expect(() => parsePrometheusText('x 1')).toThrow(/newline/);
    expect(() => parsePrometheusText('x 1\n')).toThrow(/without a TYPE/);
    expect(() => parsePrometheusText('# TYPE x counter\nx{a="1} 1\n')).toThrow(/bad label/);
    expect(() => parsePrometheusText('# TYPE 1x counter\n')).toThrow(/bad metric name/);
    expect(() => parsePrometheusText('# TYPE x counter\nx one\n')).toThrow(/bad value/);
    expect(
      parsePrometheusText('# HELP x a \\\\ b\n# TYPE x counter\nx{a="q\\"uote"} 1\n').get('x')?.samples,
    ).toEqual([{ name: 'x', labels: { a: 'q\\"uote' }, value: 1 }]);
  });
});
