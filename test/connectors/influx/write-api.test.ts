/**
 * The requests the influx sink makes, against a small local HTTP server that records them
 * and answers as scripted. InfluxDB 2 cannot run here, so its API (`/api/v2/write`, a
 * token) is checked this way only; the answers a real InfluxDB 1.x gives are in
 * influx-sink.test.ts. Also the retry rules, which need answers on cue: 5xx, 429 with
 * Retry-After.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { influxConnector } from '../../../src/connectors/influx/connector.js';
import { InfluxSink } from '../../../src/connectors/influx/influx-sink.js';
import { retryAfterMs } from '../../../src/connectors/influx/write-endpoint.js';
import type { Batch } from '../../../src/engine/batch.js';
import type { TributaryError } from '../../../src/errors.js';

interface Recorded {
  readonly at: number;
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

interface Answer {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

const servers: Server[] = [];
const sinks: InfluxSink[] = [];
afterEach(async () => {
  for (const s of sinks.splice(0)) await s.close();
  for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve));
});

/** A server that records each request and gives the next scripted answer (then 204s). */
const recordingServer = async (answers: Answer[] = []) => {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      requests.push({ at: Date.now(), method: req.method!, url: req.url!, headers: req.headers, body });
      const answer = answers.shift() ?? { status: 204 };
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, requests };
};

const sink = (block: Record<string, unknown>) => {
  const problems: string[] = [];
  const spec = influxConnector.resolve(
    'cpu',
    { type: 'influx', flush_interval: 0, ...block },
    {
      report: (path, message) => problems.push(`${path.join('.')}: ${message}`),
    },
  );
  expect(problems).toEqual([]);
  const rejected: TributaryError[] = [];
  const s = new InfluxSink('cpu', spec, {
    reject: (_sink, _batch, _i, error) => rejected.push(error as TributaryError),
  });
  sinks.push(s);
  return { sink: s, rejected };
};

const v2 = { token: 'secret-token', org: 'acme', bucket: 'metrics' };

const results = (rows: [string, unknown][]): Batch<unknown> => ({
  values: rows.map(([host, load]) => ({ key: host, start: 0, end: 10_000, load })),
  timestamps: rows.map(() => 9_999),
  keys: rows.map(([host]) => host),
});

describe('the InfluxDB 2 write API', () => {
  it('posts line protocol to /api/v2/write with org, bucket, ms precision and the token', async () => {
    const server = await recordingServer();
    const { sink: s } = sink({ url: `${server.url}/influx`, ...v2 });
    s.write(
      results([
        ['h1', 0.5],
        ['h2', 2],
      ]),
    );
    await s.flush();
    expect(server.requests).toEqual([
      expect.objectContaining({
        method: 'POST',
        url: '/influx/api/v2/write?org=acme&bucket=metrics&precision=ms',
        headers: expect.objectContaining({
          authorization: 'Token secret-token',
          'content-type': 'text/plain; charset=utf-8',
        }),
        body: 'cpu,key=h1 load=0.5 10000\ncpu,key=h2 load=2 10000',
      }),
    ]);
  });

  it('dead-letters the point a 422 names, and sends the rest again to be sure it was written', async () => {
    const message =
      'failure writing points to database: partial write: field type conflict: input field "load" on measurement "cpu" is type string, already exists as type float dropped=1';
    const server = await recordingServer([{ status: 422, body: { code: 'unprocessable entity', message } }]);
    const { sink: s, rejected } = sink({ url: server.url, ...v2 });
    s.write(
      results([
        ['h1', 0.5],
        ['h2', 'high'],
        ['h3', 1],
      ]),
    );
    await s.flush();
    expect(rejected.map((e) => [e.code, e.message])).toEqual([
      ['TRB_INFLUX_REFUSED', expect.stringContaining(`InfluxDB refused the point: ${message}`)],
    ]);
    expect(server.requests.map((r) => r.body)).toEqual([
      'cpu,key=h1 load=0.5 10000\ncpu,key=h2 load="high" 10000\ncpu,key=h3 load=1 10000',
      'cpu,key=h1 load=0.5 10000\ncpu,key=h3 load=1 10000',
    ]);
  });

  it('names the token when it is refused, and keeps the points', async () => {
    const server = await recordingServer([
      { status: 401, body: { code: 'unauthorized', message: 'unauthorized access' } },
    ]);
    const { sink: s } = sink({ url: server.url, ...v2 });
    s.write(results([['h1', 1]]));
    await expect(s.flush()).rejects.toThrow(
      `sink "cpu": writing 1 points to InfluxDB at ${server.url}/ failed: InfluxDB answered 401: unauthorized access; check token: it needs write access to bucket "metrics"`,
    );
    expect(s.pending).toBe(1);
  });
});

describe('retries', () => {
  it('tries a 5xx again after 0.25 s, then 0.5 s, and writes', async () => {
    const unavailable = { status: 503, body: { error: 'overloaded' } };
    const server = await recordingServer([unavailable, unavailable]);
    const { sink: s } = sink({ url: server.url, database: 'db' });
    s.write(results([['h1', 1]]));
    await s.flush();
    expect(s.pending).toBe(0);
    const [first, second, third] = server.requests.map((r) => r.at);
    expect(server.requests.map((r) => r.url)).toEqual(Array(3).fill('/write?db=db&precision=ms'));
    expect(second - first).toBeGreaterThanOrEqual(240);
    expect(third - second).toBeGreaterThanOrEqual(490);
  });

  it('waits as long as a 429 asks (Retry-After), and fails a flush at once when it asks for long', async () => {
    const server = await recordingServer([
      { status: 429, headers: { 'retry-after': '1' } },
      { status: 429, headers: { 'retry-after': '120' } },
    ]);
    const { sink: s } = sink({ url: server.url, database: 'db', max_retries: 1 });
    s.write(results([['h1', 1]]));
    const error = await s.flush().catch((e: unknown) => e as Error);
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1].at - server.requests[0].at).toBeGreaterThanOrEqual(990);
    expect((error as Error).message).toContain(
      'InfluxDB answered 429: Too Many Requests (2 attempts); InfluxDB failed or is overloaded',
    );
    // The next flush does not even ask: 120 s are not over.
    await expect(s.flush()).rejects.toThrow(/InfluxDB asked to wait 1[12]\d s more \(Retry-After\)/);
    expect(server.requests).toHaveLength(2);
    expect(s.pending).toBe(1);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(retryAfterMs('3')).toBe(3_000);
    expect(retryAfterMs('Thu, 01 Jan 1970 00:00:10 GMT', 4_000)).toBe(6_000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });
});
