import { afterEach, describe, expect, it } from 'vitest';
import type { StoredRecord } from '../../src/contract/index.js';
import { expectError, post, type TestServer, testServer } from './helpers.js';
import { MemoryPlatform, pipelineStatus } from './memory-platform.js';

const record = (i: number): StoredRecord => ({
  at: 1_700_000_000_000 + i,
  operator: 'parse',
  value: { raw: `bad ${i}` },
  timestamp: 1_700_000_000_000,
  key: `k${i}`,
  error: { name: 'TributaryError', message: 'ts is not a timestamp', code: 'TRB_BAD_RECORD' },
  position: { topic: 'clicks', offset: i },
});

describe('GET /api/v1/stats', () => {
  let server: TestServer;
  afterEach(() => server.app.close());

  it('answers the stats of the last seconds at /history, oldest first', async () => {
    server = await testServer();
    expect((await server.app.inject({ url: '/api/v1/stats/history' })).json()).toEqual({ samples: [] });
    const first = server.platform.stats();
    server.platform.recorded.record(1_000, first);
    server.platform.recorded.record(2_000, server.platform.stats());
    const { samples } = (await server.app.inject({ url: '/api/v1/stats/history' })).json();
    expect(samples.map((s: { at: number }) => s.at)).toEqual([1_000, 2_000]);
    expect(samples[0]).toEqual({ at: 1_000, ...first });
  });

  it('answers the platform stats, measured from what was ingested', async () => {
    server = await testServer();
    const before = (await server.app.inject({ url: '/api/v1/stats' })).json();
    expect(before).toMatchObject({
      eventsInPerSec: 0,
      activeSources: 2,
      latencyMs: { p50: null, p99: null },
    });
    await post(server.app, '/api/v1/streams/clicks/events', '[{"a":1},{"a":2}]');
    const after = (await server.app.inject({ url: '/api/v1/stats' })).json();
    expect(after).toMatchObject({ eventsInPerSec: 2, latencyMs: { p50: 1.5, p99: 7 }, deadLettered: 0 });
    expect(Object.keys(after).sort()).toEqual(
      [
        'activeSources',
        'deadLettered',
        'eventsInPerSec',
        'eventsOutPerSec',
        'lateEvents',
        'latencyMs',
        'uptimeSec',
      ].sort(),
    );
  });
});

describe('pipelines', () => {
  let server: TestServer;
  afterEach(() => server.app.close());

  const detailed = pipelineStatus('clicks-per-page', {
    status: 'failed',
    error: 'sink unreachable',
    recordsIn: 1200,
    watermark: 1_700_000_000_000,
    watermarkLagMs: 2500,
    lastCheckpoint: { at: 1_700_000_001_000, durationMs: 12 },
  });

  it('lists every pipeline with nulls kept as nulls', async () => {
    server = await testServer({}, new MemoryPlatform({ pipelines: [detailed, pipelineStatus('idle')] }));
    const body = (await server.app.inject({ url: '/api/v1/pipelines' })).json();
    expect(body.pipelines).toEqual([detailed, pipelineStatus('idle')]);
    expect(body.pipelines[1].watermark).toBeNull();
    expect(body.pipelines[1].lastCheckpoint).toBeNull();
  });

  it('answers one pipeline, and 404 naming the known ones', async () => {
    server = await testServer({}, new MemoryPlatform({ pipelines: [detailed, pipelineStatus('idle')] }));
    expect((await server.app.inject({ url: '/api/v1/pipelines/clicks-per-page' })).json()).toEqual(detailed);
    const message = expectError(
      await server.app.inject({ url: '/api/v1/pipelines/clicks' }),
      404,
      'TRB_HTTP_NOT_FOUND',
    );
    expect(message).toBe('no pipeline "clicks"; known pipelines: "clicks-per-page", "idle"');
  });

  it('says so when there are no pipelines at all', async () => {
    server = await testServer({}, new MemoryPlatform({ pipelines: [] }));
    const message = expectError(
      await server.app.inject({ url: '/api/v1/pipelines/x' }),
      404,
      'TRB_HTTP_NOT_FOUND',
    );
    expect(message).toBe('no pipeline "x"; there are no pipelines');
  });

  it('decodes percent-encoded names', async () => {
    server = await testServer({}, new MemoryPlatform({ pipelines: [pipelineStatus('a b/ü')] }));
    const response = await server.app.inject({ url: `/api/v1/pipelines/${encodeURIComponent('a b/ü')}` });
    expect(response.json().name).toBe('a b/ü');
  });

  it.each(['dead-letters', 'late-events'])('answers %s, newest last, bounded by ?limit', async (kind) => {
    server = await testServer();
    const records = Array.from({ length: 150 }, (_, i) => record(i));
    (kind === 'dead-letters' ? server.platform.deadLetterRecords : server.platform.lateRecords).set(
      'failed-logins',
      records,
    );
    const all = (await server.app.inject({ url: `/api/v1/pipelines/failed-logins/${kind}` })).json();
    expect(all.pipeline).toBe('failed-logins');
    expect(all.records).toHaveLength(100);
    expect(all.records.at(-1)).toEqual(records[149]);
    const three = (
      await server.app.inject({ url: `/api/v1/pipelines/failed-logins/${kind}?limit=3` })
    ).json();
    expect(three.records).toEqual(records.slice(-3));
  });

  it.each([
    ['limit=0', 'limit: must be >= 1 (query parameter)'],
    ['limit=1001', 'limit: must be <= 1000 (query parameter)'],
    ['limit=ten', 'limit: must be integer (query parameter)'],
    ['limit=1.5', 'limit: must be integer (query parameter)'],
  ])('refuses dead-letters?%s naming the parameter', async (query, message) => {
    server = await testServer();
    const response = await server.app.inject({
      url: `/api/v1/pipelines/failed-logins/dead-letters?${query}`,
    });
    expect(expectError(response, 400, 'TRB_HTTP_BAD_REQUEST')).toBe(message);
  });

  it('answers 404 for the dead letters of an unknown pipeline', async () => {
    server = await testServer();
    expectError(
      await server.app.inject({ url: '/api/v1/pipelines/nope/late-events' }),
      404,
      'TRB_HTTP_NOT_FOUND',
    );
  });
});
