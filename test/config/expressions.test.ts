import { describe, expect, it } from 'vitest';
import { compileExpression, parseConfig } from '../../src/config/index.js';
import type { TributaryError } from '../../src/engine/index.js';
import { PipelineTest } from '../../src/testing/index.js';

const evaluate = (text: string, record: unknown, use?: 'bool' | 'value' | 'key' | 'time' | 'number') =>
  compileExpression(text, { use }).evaluate(record);

const failure = (run: () => unknown): TributaryError => {
  try {
    run();
  } catch (error) {
    return error as TributaryError;
  }
  throw new Error('it did not throw');
};

describe('expressions', () => {
  it('read a record’s fields as variables, and the whole record as event', () => {
    const order = {
      user: 'ann',
      price: 12.5,
      tags: ['new', 'promo'],
      address: { city: 'Oslo' },
      'user-id': 7,
    };
    expect(evaluate('price > 10.0 && user == "ann"', order, 'bool')).toBe(true);
    expect(evaluate('address.city', order)).toBe('Oslo');
    expect(evaluate("event['user-id']", order)).toBe(7);
    expect(evaluate('event.user + "!"', order)).toBe('ann!');
    expect(evaluate('"promo" in tags', order, 'bool')).toBe(true);
    expect(evaluate('tags.exists(t, t.startsWith("pro"))', order, 'bool')).toBe(true);
    expect(evaluate('has(event.coupon)', order, 'bool')).toBe(false);
    expect(evaluate('price > 10.0 ? "big" : "small"', order)).toBe('big');
  });

  it('mix JSON numbers (doubles) with integer literals, and give integers back as numbers', () => {
    expect(evaluate('(temp_f - 32) * 5 / 9', { temp_f: 212 })).toBe(100);
    expect(evaluate('count > 5', { count: 7 }, 'bool')).toBe(true);
    expect(evaluate('size(tags)', { tags: ['a', 'b'] })).toBe(2);
    expect(evaluate("{'n': size(tags), 'list': [1, 2], 'nested': {'x': 3}}", { tags: [] })).toEqual({
      n: 0,
      list: [1, 2],
      nested: { x: 3 },
    });
    expect(evaluate('int(ts / 1000.0)', { ts: 5_500 }, 'time')).toBe(5);
  });

  it('build a new record with map, keeping values it passes through as they are', () => {
    const address = { city: 'Oslo' };
    const result = evaluate("{'user': user, 'temp_c': (temp_f - 32.0) * 5.0 / 9.0, 'address': address}", {
      user: 'u1',
      temp_f: 50,
      address,
    }) as Record<string, unknown>;
    expect(result).toEqual({ user: 'u1', temp_c: 10, address: { city: 'Oslo' } });
    expect(result.address).toBe(address);
  });

  it('give times as numbers, strings or timestamps', () => {
    expect(evaluate('ts', { ts: 1_700_000_000_000 }, 'time')).toBe(1_700_000_000_000);
    expect(evaluate('at', { at: '2025-01-01T00:00:00Z' }, 'time')).toBe('2025-01-01T00:00:00Z');
    expect(evaluate('timestamp(at)', { at: '2025-01-01T00:00:00Z' }, 'time')).toEqual(
      new Date('2025-01-01T00:00:00Z'),
    );
  });

  it('throw TRB_EXPRESSION_FAILED naming the expression when a record does not fit', () => {
    const missing = failure(() =>
      compileExpression('price > 10.0', { use: 'bool', label: 'filter' }).evaluate({}),
    );
    expect(missing.code).toBe('TRB_EXPRESSION_FAILED');
    expect(missing.message).toBe(
      'filter "price > 10.0": the record has no field "price" (test for it with has(event.price))',
    );
    const wrongType = failure(() => evaluate('price > 10.0', { price: 'cheap' }, 'bool'));
    expect(wrongType.message).toBe('expression "price > 10.0": no such overload: string > double');
    const notBool = failure(() =>
      compileExpression('user', { use: 'bool', label: 'filter' }).evaluate({ user: 'x' }),
    );
    expect(notBool.message).toBe('filter "user": gave "x", not true or false');
    const noKey = failure(() => evaluate('address.city', { address: {} }));
    expect(noKey.message).toBe('expression "address.city": no field "city"');
    // A record that is no object: what it is, not a missing field.
    const filter = compileExpression('price > 10.0', { use: 'bool', label: 'filter' });
    expect(failure(() => filter.evaluate(null)).message).toBe(
      'filter "price > 10.0": the record is null, not an object with fields (it has no "price")',
    );
    expect(failure(() => filter.evaluate(42)).message).toContain('the record is a number, not an object');
    expect(failure(() => filter.evaluate([1])).message).toContain('the record is a list, not an object');
  });

  it('refuse at compile time what cannot parse or can never fit', () => {
    const syntax = failure(() => compileExpression('price >', { label: 'filter' }));
    expect(syntax.code).toBe('TRB_EXPRESSION_INVALID');
    expect(syntax.message).toBe('"price >" is not a valid expression: unexpected token: EOF at column 8');
    expect(failure(() => compileExpression('"a" + 1')).message).toBe(
      '"\\"a\\" + 1" is not a valid expression: no such overload: string + int at column 1',
    );
    expect(failure(() => compileExpression('user + "x"', { use: 'bool', label: 'filter' })).message).toBe(
      '"user + \\"x\\"" gives a string, but filter needs true or false',
    );
    expect(failure(() => compileExpression('[user]', { use: 'key', label: 'key_by' })).message).toBe(
      '"[user]" gives a list, but key_by needs a string, number or bool',
    );
  });

  it('cannot reach JavaScript: no globals, no prototypes, no functions', () => {
    expect(failure(() => evaluate('constructor', {})).message).toMatch(/^expression "constructor": /);
    expect(failure(() => evaluate('process', {})).message).toMatch(/has no field "process"/);
    expect(failure(() => evaluate('event.constructor', {})).message).toMatch(
      /^expression "event.constructor": /,
    );
    expect(failure(() => compileExpression('require("fs")')).code).toBe('TRB_EXPRESSION_INVALID');
  });

  it('match regular expressions in time linear in the text (RE2, as CEL specifies)', () => {
    // Exponential on a backtracking engine: 2^40 steps for this record, the test would never end.
    const record = { name: `${'a'.repeat(40)}!`, pattern: '(a+)+$' };
    expect(evaluate('name.matches("(a+)+$")', record)).toBe(false);
    expect(evaluate('name.matches(pattern)', record)).toBe(false);
    expect(evaluate('name . matches ("^a{3}") && !"web-1".matches("^db")', record)).toBe(true);
    // Text that only looks like a call is left alone.
    expect(evaluate('"x.matches(y)" == "x.matches(" + "y)"', record)).toBe(true);
    // A literal pattern RE2 refuses is refused with the configuration; one from a record, per record.
    expect(failure(() => compileExpression('name.matches("(?=a)a")'))).toMatchObject({
      code: 'TRB_EXPRESSION_INVALID',
      message: expect.stringMatching(
        /^"name\.matches\(\\"\(\?=a\)a\\"\)" "\(\?=a\)a" is not a regular expression: .*\(lookaround and backreferences are not supported/,
      ),
    });
    expect(failure(() => evaluate('name.matches(pattern)', { name: 'a', pattern: '(' }))).toMatchObject({
      code: 'TRB_EXPRESSION_FAILED',
      message: expect.stringContaining('"(" is not a regular expression: missing closing )'),
    });
  });

  it('are bounded in cost: comprehensions nest at most twice, and at most ten in one expression', () => {
    const nested = (depth: number): string =>
      depth === 0 ? 'true' : `l.exists(x${depth}, ${nested(depth - 1)})`;
    expect(evaluate(nested(2), { l: [1, 2] }, 'bool')).toBe(true);
    expect(failure(() => compileExpression(nested(3)))).toMatchObject({
      code: 'TRB_EXPRESSION_INVALID',
      message: expect.stringContaining('nests 3 comprehensions'),
    });
    expect(failure(() => compileExpression(nested(12))).message).toContain('nests 12 comprehensions');
    const siblings = Array.from({ length: 11 }, (_, i) => `l.exists(x${i}, x${i} > 0)`).join(' || ');
    expect(failure(() => compileExpression(siblings)).message).toContain('has 11 comprehensions');
  });

  it('list the fields they read', () => {
    expect(compileExpression('price * quantity > limit').fields).toEqual(['price', 'quantity', 'limit']);
  });
});

describe('expressions in a YAML pipeline', () => {
  const config = `sources:
  readings: { type: http }
pipelines:
  - name: temps
    source: readings
    time: ts
    steps:
      - filter: "kind == 'temp'"
      - map: "{'sensor': sensor, 'c': (value - 32.0) * 5.0 / 9.0}"
      - key_by: sensor
      - window: { tumbling: 1m }
        aggregate: { n: count, avg_c: { avg: c }, max_c: { max: c }, sensors: { distinct: sensor } }
    sink: temps-per-sensor
`;

  it('compile once and run per record in filter, map, key_by, time and aggregators', async () => {
    const { plan } = (await parseConfig(config, { env: {} })).pipelines[0];
    const t = new PipelineTest(plan);
    t.push('readings', [
      { kind: 'temp', sensor: 's1', value: 212, ts: 1_000 },
      { kind: 'temp', sensor: 's1', value: 32, ts: 2_000 },
      { kind: 'humidity', sensor: 's1', value: 80, ts: 3_000 },
      { kind: 'temp', sensor: 's2', value: 50, ts: 4_000 },
      { kind: 'temp', sensor: 's2', value: 50, ts: 120_000 },
    ]);
    expect(t.values('temps-per-sensor')).toEqual([
      { key: 's1', start: 0, end: 60_000, n: 2, avg_c: 50, max_c: 100, sensors: 1 },
      { key: 's2', start: 0, end: 60_000, n: 1, avg_c: 10, max_c: 10, sensors: 1 },
    ]);
  });

  it('dead-letter a record whose fields do not fit, with the expression and the reason, and go on', async () => {
    const { plan } = (await parseConfig(config, { env: {} })).pipelines[0];
    const t = new PipelineTest(plan);
    t.push('readings', [
      { kind: 'temp', sensor: 's1', value: 'hot', ts: 1_000 },
      { sensor: 's1', value: 60, ts: 1_500 },
      { kind: 'temp', value: 60, ts: 1_600 },
      { kind: 'temp', sensor: 's1', value: 212 },
      { kind: 'temp', sensor: 's1', value: 212, ts: 2_000 },
      { kind: 'temp', sensor: 's1', value: 212, ts: 70_000 },
    ]);
    expect(t.deadLetters.map((d) => [d.operator, d.error.code, d.error.message])).toEqual([
      [
        'time:readings',
        'TRB_EXPRESSION_FAILED',
        'time "ts": the record has no field "ts" (test for it with has(event.ts))',
      ],
      [
        'filter#1',
        'TRB_EXPRESSION_FAILED',
        'filter "kind == \'temp\'": the record has no field "kind" (test for it with has(event.kind))',
      ],
      [
        'map#1',
        'TRB_EXPRESSION_FAILED',
        "map \"{'sensor': sensor, 'c': (value - 32.0) * 5.0 / 9.0}\": no such overload: string - double",
      ],
      [
        'map#1',
        'TRB_EXPRESSION_FAILED',
        'map "{\'sensor\': sensor, \'c\': (value - 32.0) * 5.0 / 9.0}": the record has no field "sensor" (test for it with has(event.sensor))',
      ],
    ]);
    expect(t.deadLetters[0].value).toEqual({ kind: 'temp', sensor: 's1', value: 212 });
    expect(t.values('temps-per-sensor')).toEqual([
      { key: 's1', start: 0, end: 60_000, n: 1, avg_c: 100, max_c: 100, sensors: 1 },
    ]);
  });

  it('dead-letter a key that is not a string, number or bool, and a non-number for sum', async () => {
    const { plan } = (
      await parseConfig(
        `sources: { s: { type: http } }
pipelines:
  - name: p
    source: s
    steps:
      - key_by: k
      - window: { tumbling: 1s, time: processing }
        aggregate: { total: { sum: v } }
    sink: out
`,
        { env: {} },
      )
    ).pipelines[0];
    const t = new PipelineTest(plan);
    t.push('s', [
      { k: ['a'], v: 1 },
      { k: 'a', v: '2' },
      { k: 'a', v: 3 },
    ]);
    t.advance('1s');
    expect(t.deadLetters.map((d) => d.error.code)).toEqual(['TRB_BAD_RECORD', 'TRB_BAD_RECORD']);
    expect(t.values('out')).toEqual([{ key: 'a', start: 0, end: 1_000, total: 3 }]);
  });
});
