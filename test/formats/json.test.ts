import { describe, expect, it } from 'vitest';
import { json } from '../../src/formats/json.js';

const bytes = (text: string) => Buffer.from(text);

describe('the json format', () => {
  it('reads one JSON value from a slice of a shared buffer', () => {
    const data = bytes('xx{"user":"a","n":1}yy');
    expect(json.decode(data, 2, 20)).toEqual({ user: 'a', n: 1 });
  });

  it('refuses what is not JSON, saying so', () => {
    expect(() => json.decode(bytes('{nope'), 0, 5)).toThrow(/^decode: not JSON \(/);
    expect(() => json.decode(bytes(''), 0, 0)).toThrow(/not JSON/);
  });

  it('writes JSON, and refuses values JSON cannot hold', () => {
    expect(Buffer.from(json.encode({ a: [1, 'x'] })).toString()).toBe('{"a":[1,"x"]}');
    expect(() => json.encode(undefined)).toThrow('encode: a undefined has no JSON form');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => json.encode(cyclic)).toThrow(/encode: not JSON/);
  });
});
