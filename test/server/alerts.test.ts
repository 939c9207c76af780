import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertEngine, type RuleDocument } from '../../src/alerts/index.js';
import type { AlertingApi } from '../../src/contract/index.js';
import { ManualClock } from '../../src/testing/index.js';
import { expectError, testServer } from './helpers.js';

const T0 = Date.UTC(2025, 0, 1);
const S = 1_000;

const cpuHigh = {
  name: 'cpu-high',
  type: 'threshold',
  series: 'host-metrics',
  field: 'cpu_pct',
  threshold: 80,
} as RuleDocument;
const sensorSilent = {
  name: 'sensor-silent',
  type: 'absence',
  series: 'sensors',
  after: '1m',
} as RuleDocument;

/** What the engine hands out, as a client reads it back from JSON. */
const asJson = (value: unknown) => JSON.parse(JSON.stringify(value));

describe('the alert routes', () => {
  const clock = new ManualClock(T0);
  let engine: AlertEngine;
  let server: Awaited<ReturnType<typeof testServer>>;
  let web1: string;

  beforeAll(async () => {
    engine = await AlertEngine.open({ clock, config: { rules: [cpuHigh, sensorSilent] } });
    engine.observe([{ series: 'sensors', key: 'dev-1', field: 'temp_c', value: 21.5, timestamp: T0 }]);
    clock.set(T0 + 61 * S);
    engine.observe([
      { series: 'host-metrics', key: 'web-1', field: 'cpu_pct', value: 130, timestamp: T0 + 61 * S },
    ]);
    engine.tick();
    await engine.settled();
    web1 = engine.alerts().find((a) => a.labels.key === 'web-1')?.fingerprint ?? '';
    server = await testServer();
    server.platform.alertingApi = engine;
  });
  afterAll(async () => {
    await server.app.close();
    await engine.close();
  });

  const get = async (url: string) => {
    const response = await server.app.inject({ method: 'GET', url });
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  };

  it('answer 404 naming the missing configuration when alerting is off', async () => {
    const { app } = await testServer();
    const message = expectError(
      await app.inject({ method: 'GET', url: '/api/v1/alerts' }),
      404,
      'TRB_HTTP_NOT_FOUND',
    );
    expect(message).toContain('alerts: section');
    await app.close();
  });

  it('show every alert with every field the engine gives it', async () => {
    const { alerts } = await get('/api/v1/alerts');
    expect(alerts).toEqual(asJson(engine.alerts()));
    expect(new Set(alerts.map((a: { rule: string }) => a.rule))).toEqual(
      new Set(['cpu-high', 'sensor-silent']),
    );
    expect(Object.keys(alerts.find((a: { rule: string }) => a.rule === 'cpu-high')).sort()).toEqual(
      [
        'activeAt',
        'annotations',
        'fingerprint',
        'firedAt',
        'inhibitedBy',
        'labels',
        'observedAt',
        'rule',
        'severity',
        'silencedBy',
        'state',
        'threshold',
        'value',
      ].sort(),
    );
  });

  it('write a value that is not a number as null, as JSON.stringify does', async () => {
    // A snapshot restored from the store keeps a non-finite value as NaN: the answer must
    // still go out, with null for it.
    const [view] = engine.alerts({ state: 'firing' });
    const restored = { ...view, value: Number.NaN, threshold: Number.NaN };
    const { app, platform } = await testServer();
    platform.alertingApi = { alerts: () => [restored] } as unknown as AlertingApi;
    const response = await app.inject({ method: 'GET', url: '/api/v1/alerts' });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().alerts).toEqual([{ ...asJson(view), value: null, threshold: null }]);
    await app.close();
  });

  it('filter by state, and refuse a state that does not exist', async () => {
    const { alerts } = await get('/api/v1/alerts?state=pending,resolved');
    expect(alerts).toEqual(asJson(engine.alerts({ state: ['pending', 'resolved'] })));
    const message = expectError(
      await server.app.inject({ method: 'GET', url: '/api/v1/alerts?state=burning' }),
      400,
      'TRB_HTTP_BAD_REQUEST',
    );
    expect(message).toBe('state: "burning" is not a state; use pending, firing, resolved');
  });

  it('list the history of transitions and the rules as given', async () => {
    expect((await get('/api/v1/alerts/history?limit=10')).transitions).toEqual(
      asJson(await engine.history({ limit: 10 })),
    );
    expect((await get('/api/v1/alerts/rules')).rules).toEqual([cpuHigh, sensorSilent]);
    expect((await get('/api/v1/alerts/notifications')).notifications).toEqual([]);
  });

  it('silence one alert for a duration, and list the silence with its status', async () => {
    const response = await server.app.inject({
      method: 'POST',
      url: `/api/v1/alerts/${web1}/silence`,
      payload: { duration: '1h', comment: 'deploying' },
    });
    expect(response.statusCode, response.body).toBe(201);
    const { silence } = response.json();
    expect(silence).toMatchObject({
      matchers: expect.arrayContaining([{ name: 'key', type: '=', value: 'web-1' }]),
      startsAt: T0 + 61 * S,
      endsAt: T0 + 61 * S + 3_600_000,
      createdBy: 'api',
      comment: 'deploying',
    });
    expect((await get('/api/v1/alerts/silences')).silences).toEqual([{ ...silence, status: 'active' }]);
    expect((await get(`/api/v1/alerts?state=firing`)).alerts[0].silencedBy).toEqual([silence.id]);
  });

  it.each([
    [
      { matchers: [null], duration: '1m' },
      /^silence\.matchers\[0\]: must be a string or an object, got null$/,
    ],
    [{ matchers: ['alertname="x"'], ends_at: 1e308 }, /^silence\.ends_at: 1e\+308 is out of range/],
    [
      { matchers: ['alertname="x"'], duration: '1m', comment: { a: 1 } },
      /^silence\.comment: must be a string/,
    ],
  ])('refuse a silence the schema refuses, with 400 naming the field: %j', async (payload, message) => {
    const response = await server.app.inject({ method: 'POST', url: '/api/v1/alerts/silences', payload });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error).toMatchObject({
      code: 'TRB_ALERT_INVALID',
      message: expect.stringMatching(message),
    });
  });

  it('replace and remove a rule', async () => {
    const put = await server.app.inject({
      method: 'PUT',
      url: '/api/v1/alerts/rules/cpu-high',
      payload: { ...cpuHigh, threshold: 90 },
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toEqual({ rule: { ...cpuHigh, threshold: 90 } });
    const removed = await server.app.inject({ method: 'DELETE', url: '/api/v1/alerts/rules/cpu-high' });
    expect(removed.json()).toEqual({ removed: 'cpu-high' });
    expect((await get('/api/v1/alerts/rules')).rules).toEqual([sensorSilent]);
  });

  it('describe the alert views in the OpenAPI document', async () => {
    const doc = await get('/docs/json');
    const answer = doc.paths['/api/v1/alerts'].get.responses['200'].content['application/json'].schema;
    expect(Object.keys(answer.properties.alerts.items.properties)).toContain('silencedBy');
  });
});
