import { describe, expect, it } from 'vitest';
import { EventParseError, MAX_EVENT_DEPTH, parseEvents } from '../../src/server/ingest/parse-events.js';

const nested = (levels: number) => '{"a":'.repeat(levels - 1) + '{}' + '}'.repeat(levels - 1);

const problem = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(EventParseError);
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
};

describe('parseEvents', () => {
  it('reads an object, an array and NDJSON into events', () => {
    expect(parseEvents('{"a":1}', 'json')).toEqual([{ value: { a: 1 } }]);
    expect(parseEvents(' [{"a":1},{"a":2}] ', 'json')).toEqual([{ value: { a: 1 } }, { value: { a: 2 } }]);
    expect(parseEvents('{"a":1}\n{"a":2}', 'ndjson')).toEqual([{ value: { a: 1 } }, { value: { a: 2 } }]);
  });

  it('counts NDJSON lines from 1, blank ones included', () => {
    expect(problem(() => parseEvents('{"a":1}\n\n\n{"a":', 'ndjson'))).toMatch(/^line 4: not valid JSON/);
    expect(problem(() => parseEvents('{"a":1}\r\n[]\r\n', 'ndjson'))).toBe(
      'line 2: an event must be a JSON object, not an array',
    );
  });

  it('turns JSON positions into lines and columns', () => {
    expect(problem(() => parseEvents('{\n  "a": 1,\n  "b" 2}', 'json'))).toBe(
      "the body is not valid JSON: Expected ':' after property name (line 3, column 7)",
    );
  });

  it(`allows ${MAX_EVENT_DEPTH} levels of nesting and refuses more`, () => {
    expect(parseEvents(nested(MAX_EVENT_DEPTH), 'json')).toHaveLength(1);
    expect(problem(() => parseEvents(nested(MAX_EVENT_DEPTH + 1), 'json'))).toMatch(/nested deeper than 64/);
    const arrays = `{"a":${'['.repeat(MAX_EVENT_DEPTH)}${']'.repeat(MAX_EVENT_DEPTH)}}`;
    expect(problem(() => parseEvents(arrays, 'json'))).toMatch(/nested deeper/);
  });

  it('names a number beyond the double range by its path', () => {
    expect(problem(() => parseEvents('[{"a":1},{"b":{"c":[0,1e309]}}]', 'json'))).toBe(
      '[1]: $.b.c[1] is out of range (it parses to Infinity); send it as a string',
    );
  });

  it('keeps the largest finite doubles and tiny numbers', () => {
    expect(parseEvents('{"max":1.7976931348623157e308,"tiny":1e-400,"neg":-0}', 'json')[0].value).toEqual({
      max: Number.MAX_VALUE,
      tiny: 0,
      neg: -0,
    });
  });

  it('keys events by a field when asked', () => {
    expect(parseEvents('{"id":"x"}\n{"id":7}\n{}', 'ndjson', { keyField: 'id' }).map((e) => e.key)).toEqual([
      'x',
      '7',
      undefined,
    ]);
    expect(problem(() => parseEvents('{"id":[1]}', 'json', { keyField: 'id' }))).toMatch(/is an array/);
  });

  it('parses a large NDJSON batch without a per-event allocation beyond the event', () => {
    const lines = Array.from({ length: 50_000 }, (_, i) => `{"user":"u${i % 100}","n":${i}}`);
    const events = parseEvents(`${lines.join('\n')}\n`, 'ndjson');
    expect(events).toHaveLength(50_000);
    expect(events[49_999]).toEqual({ value: { user: 'u99', n: 49_999 } });
  });
});
