import { afterEach, describe, expect, it } from 'vitest';
import { TributaryError } from '../../src/errors.js';
import { createLogger } from '../../src/observability/logger.js';
import { expectError, post, type TestServer, testServer } from './helpers.js';

const URL = '/api/v1/streams/clicks/events';

describe('POST /api/v1/streams/:stream/events', () => {
  let server: TestServer;
  afterEach(() => server.app.close());

  it('appends one JSON object and answers 202 with its offset', async () => {
    server = await testServer();
    const response = await post(server.app, URL, JSON.stringify({ page: '/home', user: 'ann' }));
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({
      accepted: 1,
      firstOffset: 0,
      lastOffset: 0,
      partitions: [{ partition: 0, firstOffset: 0, lastOffset: 0 }],
    });
    expect(server.platform.logs.get('clicks')).toEqual([{ value: { page: '/home', user: 'ann' } }]);
  });

  it('appends a JSON array in order, and offsets continue from the log', async () => {
    server = await testServer();
    await post(server.app, URL, JSON.stringify({ n: 0 }));
    const response = await post(server.app, URL, JSON.stringify([{ n: 1 }, { n: 2 }, { n: 3 }]));
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({
      accepted: 3,
      firstOffset: 1,
      lastOffset: 3,
      partitions: [{ partition: 0, firstOffset: 1, lastOffset: 3 }],
    });
    expect(server.platform.logs.get('clicks')?.map((e) => e.value)).toEqual([
      { n: 0 },
      { n: 1 },
      { n: 2 },
      { n: 3 },
    ]);
  });

  it('appends NDJSON with one platform.ingest call, skipping blank lines and CRLF', async () => {
    server = await testServer();
    const body = '{"n":1}\r\n\n   \n{"n":2}\n{"n":3}\n';
    const response = await post(server.app, URL, body, 'application/x-ndjson');
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({
      accepted: 3,
      firstOffset: 0,
      lastOffset: 2,
      partitions: [{ partition: 0, firstOffset: 0, lastOffset: 2 }],
    });
    expect(server.platform.ingestCalls).toEqual([{ stream: 'clicks', events: 3 }]);
  });

  it('takes a charset parameter on the content type', async () => {
    server = await testServer();
    const response = await post(server.app, URL, '{"a":1}', 'application/json; charset=utf-8');
    expect(response.statusCode).toBe(202);
  });

  it('sets the partition key from ?keyField=', async () => {
    server = await testServer();
    const body = [{ user: 'ann' }, { user: 42 }, { user: true }, { other: 1 }, { user: null }];
    const response = await post(server.app, `${URL}?keyField=user`, JSON.stringify(body));
    expect(response.statusCode).toBe(202);
    expect(server.platform.logs.get('clicks')?.map((e) => e.key)).toEqual([
      'ann',
      '42',
      'true',
      undefined,
      undefined,
    ]);
    const bad = await post(
      server.app,
      `${URL}?keyField=user`,
      JSON.stringify([{ user: 'x' }, { user: { id: 1 } }]),
    );
    expect(expectError(bad, 400, 'TRB_HTTP_BAD_REQUEST')).toBe(
      '[1]: the key field "user" is an object; use a string, number or boolean',
    );
  });

  it('answers 404 for an unknown stream, listing the streams', async () => {
    server = await testServer();
    const message = expectError(
      await post(server.app, '/api/v1/streams/klicks/events', '{}'),
      404,
      'TRB_HTTP_NOT_FOUND',
    );
    expect(message).toBe('no stream "klicks"; known streams: "clicks", "ticks"');
  });

  it('lists the streams', async () => {
    server = await testServer();
    const response = await server.app.inject({ url: '/api/v1/streams' });
    expect(response.json()).toEqual({ streams: ['clicks', 'ticks'] });
  });

  it('answers 415 for a body that is neither JSON nor NDJSON', async () => {
    server = await testServer();
    expect(
      expectError(
        await post(server.app, URL, 'a,b\n1,2', 'text/csv'),
        415,
        'TRB_HTTP_UNSUPPORTED_MEDIA_TYPE',
      ),
    ).toBe(
      "the body's Content-Type (text/csv) is not one the server reads; send application/json, or " +
        'application/x-ndjson (one event a line) to /api/v1/streams/:stream/events',
    );
  });

  it('answers 413 beyond the body limit, with the limit in the message', async () => {
    server = await testServer({ bodyLimit: 1024 });
    const events = Array.from({ length: 100 }, (_, i) => ({ i, padding: 'x'.repeat(20) }));
    const message = expectError(
      await post(server.app, URL, JSON.stringify(events)),
      413,
      'TRB_HTTP_BODY_TOO_LARGE',
    );
    expect(message).toContain('1024 bytes');
    expect(server.platform.ingestCalls).toEqual([]);
  });

  it('maps platform failures: a user error to 400, an outage to 503, a bug to 500 without details', async () => {
    server = await testServer();
    server.platform.ingestFailure = new TributaryError('TRB_LOG_IO_FAILED', 'disk full');
    expect(expectError(await post(server.app, URL, '{}'), 503, 'TRB_LOG_IO_FAILED')).toBe('disk full');
    server.platform.ingestFailure = new TributaryError('TRB_LOG_BAD_RECORD', 'record 0: bad');
    expectError(await post(server.app, URL, '{}'), 400, 'TRB_LOG_BAD_RECORD');
    server.platform.ingestFailure = new TypeError('x is undefined at secret/path.ts');
    const message = expectError(await post(server.app, URL, '{}'), 500, 'TRB_HTTP_INTERNAL');
    expect(message).not.toContain('secret');
  });

  it('logs every 5xx with its cause and the request id the answer names', async () => {
    const lines: Record<string, any>[] = [];
    const loggerInstance = createLogger({
      level: 'info',
      destination: { write: (line: string) => lines.push(JSON.parse(line)) },
    });
    server = await testServer({ loggerInstance });
    server.platform.ingestFailure = new TypeError('x is undefined');
    const message = expectError(await post(server.app, `${URL}?apiKey=k1`, '{}'), 500, 'TRB_HTTP_INTERNAL');
    const id = /request id (\S+)\)/.exec(message)?.[1];
    expect(id).toBeDefined();
    server.platform.ingestFailure = new TributaryError('TRB_LOG_IO_FAILED', 'disk full');
    expectError(await post(server.app, URL, '{}'), 503, 'TRB_LOG_IO_FAILED');
    // One line per failure and none per request.
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ['error', `request ${id} failed: a bug`],
      ['warn', expect.stringMatching(/^request \S+ failed$/)],
    ]);
    expect(lines[0]).toMatchObject({
      reqId: id,
      method: 'POST',
      status: 500,
      url: `${URL}?apiKey=[redacted]`,
    });
    expect(lines[0].err.stack).toContain('TypeError: x is undefined');
    expect(lines[1]).toMatchObject({ status: 503, code: 'TRB_LOG_IO_FAILED', cause: 'disk full' });
  });
});

describe('bad ingest bodies', () => {
  let server: TestServer;
  afterEach(() => server.app.close());

  const deep = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
  const cases: [string, string, string, number, RegExp][] = [
    ['malformed JSON', 'application/json', '{"a": 1,}', 400, /^the body is not valid JSON: .*\(column 9\)$/],
    ['truncated JSON', 'application/json', '{"a": [1, 2', 400, /not valid JSON/],
    ['a JSON string', 'application/json', '"hello"', 400, /the body is a string; send a JSON object/],
    ['a JSON number', 'application/json', '42', 400, /the body is a number/],
    ['JSON null', 'application/json', 'null', 400, /the body is null/],
    ['an empty body', 'application/json', '', 400, /empty/],
    ['whitespace only', 'application/json', '  \n ', 400, /empty/],
    ['an empty array', 'application/json', '[]', 400, /the array is empty/],
    [
      'an array with a number',
      'application/json',
      '[{"a":1}, 2]',
      400,
      /^\[1\]: an event must be a JSON object, not a number$/,
    ],
    [
      'an array of arrays',
      'application/json',
      '[[1]]',
      400,
      /^\[0\]: an event must be a JSON object, not an array$/,
    ],
    ['NaN literal', 'application/json', '{"v": NaN}', 400, /not valid JSON/],
    ['Infinity literal', 'application/json', '{"v": Infinity}', 400, /not valid JSON/],
    ['-Infinity literal', 'application/x-ndjson', '{"v": -Infinity}', 400, /^line 1: not valid JSON/],
    ['a number beyond double range', 'application/json', '{"v": 1e400}', 400, /\$\.v is out of range/],
    [
      'a nested huge number',
      'application/x-ndjson',
      '{"a":1}\n{"v": [1, {"w": -1e999}]}',
      400,
      /^line 2: \$\.v\[1\]\.w is out of range/,
    ],
    ['nesting beyond 64 levels', 'application/json', deep(100), 400, /nested deeper than 64 levels/],
    [
      'very deep nesting',
      'application/x-ndjson',
      deep(200_000),
      400,
      /^line 1: nested deeper than 64 levels/,
    ],
    [
      'NDJSON with a bad third line',
      'application/x-ndjson',
      '{"a":1}\n{"a":2}\n{"a":\n',
      400,
      /^line 3: not valid JSON/,
    ],
    [
      'NDJSON with a scalar line',
      'application/x-ndjson',
      '{"a":1}\n\n7\n',
      400,
      /^line 3: an event must be a JSON object, not a number$/,
    ],
    ['NDJSON with only blank lines', 'application/x-ndjson', '\n\n \r\n', 400, /has no events/],
    [
      'NDJSON sent as JSON',
      'application/json',
      '{"a":1}\n{"a":2}',
      400,
      /send Content-Type: application\/x-ndjson/,
    ],
    [
      'a JSON array sent as NDJSON',
      'application/x-ndjson',
      '[{"a":1},\n{"a":2}]',
      400,
      /^line 1: not valid JSON/,
    ],
    ['a raw control character in a string', 'application/json', '{"a":"x\u0001y"}', 400, /not valid JSON/],
  ];

  it.each(cases)('refuses %s with 400 naming the problem', async (_name, type, body, status, message) => {
    server = await testServer();
    expect(expectError(await post(server.app, URL, body, type), status, 'TRB_HTTP_BAD_REQUEST')).toMatch(
      message,
    );
    expect(server.platform.ingestCalls).toEqual([]);
    // The server still serves after each of them.
    expect((await server.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await post(server.app, URL, '{"ok":true}')).statusCode).toBe(202);
  });

  const accepted: [string, string, unknown][] = [
    ['an escaped lone surrogate', '{"s":"\\ud800"}', { s: '\ud800' }],
    ['emoji, raw and escaped', '{"s":"🚀 \\ud83d\\ude80"}', { s: '🚀 🚀' }],
    ['an escaped NUL', '{"s":"a\\u0000b"}', { s: 'a\u0000b' }],
    ['a huge integer (as a double)', '{"n": 123456789012345678901234567890}', { n: 1.2345678901234568e29 }],
    ['a byte-order mark before the JSON (ignored)', '\uFEFF{"a":1}', { a: 1 }],
    ['nesting at 63 levels', deep(63), JSON.parse(deep(63))],
    [
      'a __proto__ key (kept as data)',
      '{"__proto__": {"polluted": true}}',
      JSON.parse('{"__proto__": {"polluted": true}}'),
    ],
  ];

  it.each(accepted)('accepts %s as JSON defines it', async (_name, body, value) => {
    server = await testServer();
    const response = await post(server.app, URL, body);
    expect(response.statusCode, response.body).toBe(202);
    expect(server.platform.logs.get('clicks')?.[0].value).toEqual(value);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('decodes invalid UTF-8 bytes as U+FFFD rather than failing', async () => {
    server = await testServer();
    const body = Buffer.concat([Buffer.from('{"s":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    expect((await post(server.app, URL, body)).statusCode).toBe(202);
    expect(server.platform.logs.get('clicks')?.[0].value).toEqual({ s: '\ufffd\ufffd' });
  });

  it('serves after a burst of every bad body in a row', async () => {
    server = await testServer({ bodyLimit: 64 * 1024 });
    for (const [, type, body] of cases) await post(server.app, URL, body, type);
    await post(server.app, URL, JSON.stringify({ big: 'x'.repeat(100_000) }));
    expect((await server.app.inject({ url: '/readyz' })).statusCode).toBe(200);
    expect((await post(server.app, URL, '[{"a":1},{"a":2}]')).json()).toEqual({
      accepted: 2,
      firstOffset: 0,
      lastOffset: 1,
      partitions: [{ partition: 0, firstOffset: 0, lastOffset: 1 }],
    });
  });
});
