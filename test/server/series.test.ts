import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SeriesPoint } from '../../src/contract/index.js';
import { expectError, type TestServer, testServer } from './helpers.js';

const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
const MINUTE = 60_000;

/** Ten one-minute windows of page views for two pages. */
const points: SeriesPoint[] = Array.from({ length: 10 }, (_, i) => [
  { key: '/home', start: T0 + i * MINUTE, end: T0 + (i + 1) * MINUTE, values: { views: i, users: 1 } },
  { key: '/cart', start: T0 + i * MINUTE, end: T0 + (i + 1) * MINUTE, values: { views: 10 * i, users: 2 } },
]).flat();

describe('series', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await testServer();
    server.platform.store('page-views', points);
  });
  afterEach(() => server.app.close());

  const get = (url: string) => server.app.inject({ url });

  it('lists the stored series', async () => {
    const body = (await get('/api/v1/series')).json();
    expect(body).toEqual({
      series: [
        {
          name: 'page-views',
          keys: 2,
          rows: 20,
          firstStart: T0,
          lastStart: T0 + 9 * MINUTE,
          lastEnd: T0 + 10 * MINUTE,
        },
      ],
    });
  });

  it('answers the points in [from, to) with from/to as ms', async () => {
    const body = (await get(`/api/v1/series/page-views?from=${T0}&to=${T0 + 2 * MINUTE}`)).json();
    expect(body.name).toBe('page-views');
    expect(body.from).toBe(T0);
    expect(body.to).toBe(T0 + 2 * MINUTE);
    expect(body.points).toEqual([points[1], points[0], points[3], points[2]]);
  });

  it('takes ISO-8601 times, with or without a zone (UTC then)', async () => {
    const zoned = (
      await get('/api/v1/series/page-views?from=2024-05-01T12:01:00Z&to=2024-05-01T14:02:00%2B02:00')
    ).json();
    expect(zoned.from).toBe(T0 + MINUTE);
    expect(zoned.to).toBe(T0 + 2 * MINUTE);
    expect(zoned.points).toHaveLength(2);
    const bare = (
      await get('/api/v1/series/page-views?from=2024-05-01T12:01&to=2024-05-01T12:02:00.000')
    ).json();
    expect([bare.from, bare.to]).toEqual([T0 + MINUTE, T0 + 2 * MINUTE]);
  });

  it('takes now-relative times and defaults to the last hour', async () => {
    const before = Date.now();
    const body = (await get('/api/v1/series/page-views')).json();
    expect(body.to).toBeGreaterThanOrEqual(before);
    expect(body.to - body.from).toBe(3_600_000);
    const relative = (await get('/api/v1/series/page-views?from=now-15m&to=now')).json();
    expect(relative.to - relative.from).toBe(15 * MINUTE);
  });

  it('re-buckets by step (a duration or ms) and aggregates with agg', async () => {
    const range = `from=${T0}&to=${T0 + 4 * MINUTE}`;
    const sum = (await get(`/api/v1/series/page-views?${range}&step=2m&agg=sum&key=/home`)).json();
    expect(sum.step).toBe(2 * MINUTE);
    expect(sum.agg).toBe('sum');
    expect(sum.points).toEqual([
      { key: '/home', start: T0, end: T0 + 2 * MINUTE, values: { views: 1, users: 2 } },
      { key: '/home', start: T0 + 2 * MINUTE, end: T0 + 4 * MINUTE, values: { views: 5, users: 2 } },
    ]);
    const avg = (await get(`/api/v1/series/page-views?${range}&step=120000&key=/cart`)).json();
    expect(avg.points.map((p: SeriesPoint) => p.values.views)).toEqual([5, 25]);
  });

  it('filters by several keys, limits, and picks fields', async () => {
    const body = (
      await get(
        `/api/v1/series/page-views?from=${T0}&to=${T0 + 10 * MINUTE}&key=/home&key=/cart&limit=3&fields=views`,
      )
    ).json();
    expect(body.points).toHaveLength(3);
    expect(body.points[0].values).toEqual({ views: 0 });
  });

  it('answers 404 naming the known series for an unknown one', async () => {
    const message = expectError(await get('/api/v1/series/page-vews'), 404, 'TRB_HTTP_NOT_FOUND');
    expect(message).toBe('no series "page-vews"; known series: "page-views"');
  });

  it('answers the newest result of each key, of the keys asked for, and where it came from', async () => {
    expect((await get('/api/v1/series/page-views/latest')).json()).toEqual({
      name: 'page-views',
      source: 'store',
      points: [points[19], points[18]],
    });
    expect((await get('/api/v1/series/page-views/latest?key=/home')).json().points).toEqual([points[18]]);
    expect((await get('/api/v1/series/page-views/latest?key=/none')).json().points).toEqual([]);
    const message = expectError(await get('/api/v1/series/page-vews/latest'), 404, 'TRB_HTTP_NOT_FOUND');
    expect(message).toBe('no series "page-vews"; known series: "page-views"');
  });

  it('answers an empty list for a known series with no points in range', async () => {
    const body = (await get('/api/v1/series/page-views?from=0&to=1000')).json();
    expect(body.points).toEqual([]);
  });

  it('knows a series a pipeline stores into before its first result: empty, not 404', async () => {
    server.platform.declared = ['brute-force'];
    try {
      expect((await get('/api/v1/series/brute-force')).json().points).toEqual([]);
      expect((await get('/api/v1/series/brute-force/latest')).json()).toMatchObject({ points: [] });
      const message = expectError(await get('/api/v1/series/brute-forse'), 404, 'TRB_HTTP_NOT_FOUND');
      expect(message).toBe('no series "brute-forse"; known series: "brute-force", "page-views"');
    } finally {
      server.platform.declared = [];
    }
  });

  it.each([
    ['from=yesterday', /^from: "yesterday" is not a time; use milliseconds since the epoch, ISO-8601/],
    ['to=2024-13-45T99:00:00Z', /^to: "2024-13-45T99:00:00Z" is not a time/],
    ['from=1.5', /^from: "1.5" is not a time/],
    ['from=99999999999999999999', /^from: .* is out of range/],
    [
      'from=9007199254740991&to=0',
      /^from: "9007199254740991" is out of range; a time is at most 8640000000000000 ms/,
    ],
    ['from=now-1 minute', /^from: "1 minute" is not a duration; use "1m"/],
    [`from=${T0 + 1}&to=${T0}`, /^from: 2024-05-01T12:00:00.001Z is after to \(2024-05-01T12:00:00.000Z\)$/],
    ['step=fast', /^step: "fast" is not a duration/],
    ['step=0', /^step: "0" is not a whole number of at least 1 ms/],
    ['step=0.5ms', /^step: "0.5ms" is not a whole number/],
    ['agg=median&step=1m', /^agg: must be one of avg, sum, min, max, count, last \(query parameter\)$/],
    ['agg=sum', /^agg: needs step/],
    ['limit=0', /^limit: must be >= 1 \(query parameter\)$/],
    ['limit=100001', /^limit: must be <= 100000/],
    ['limit=lots', /^limit: must be integer/],
    ['from=1&from=2', /^from: must be string \(query parameter\)$/],
    ['key=', /^key: empty/],
  ])('refuses ?%s naming the parameter', async (query, message) => {
    const response = await get(`/api/v1/series/page-views?${query.replace(' ', '%20')}`);
    expect(expectError(response, 400, 'TRB_HTTP_BAD_REQUEST')).toMatch(message);
  });

  it('passes store errors through with their code', async () => {
    const { TributaryError } = await import('../../src/errors.js');
    server.platform.querySeries = async () => {
      throw new TributaryError('TRB_STORE_UNREACHABLE', 'cannot reach postgres://db:5432/tributary');
    };
    expectError(await get('/api/v1/series/page-views'), 503, 'TRB_STORE_UNREACHABLE');
  });
});
