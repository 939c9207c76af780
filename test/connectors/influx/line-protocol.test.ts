/** How a result becomes a line of line protocol: what is a tag, a field, its type, the time, and the escapes. */
import { describe, expect, it } from 'vitest';
import { encodePoint, type PointShape } from '../../../src/connectors/influx/line-protocol.js';

const shape: PointShape = { measurement: 'clicks', tags: ['key'], integerFields: [] };

describe('a result as line protocol', () => {
  it('tags the key, writes numbers as floats, booleans and strings, at the window end; the bounds are no fields', () => {
    expect(
      encodePoint(
        { key: 'u1', start: 0, end: 60_000, clicks: 3, ratio: 0.25, bot: false, page: '/' },
        59_999,
        'u1',
        shape,
      ),
    ).toEqual({ line: 'clicks,key=u1 clicks=3,ratio=0.25,bot=false,page="/" 60000' });
  });

  it('writes integers with the i suffix only for the fields listed, and refuses a fraction there', () => {
    const ints = { ...shape, integerFields: ['clicks'] };
    expect(encodePoint({ key: 'a', start: 0, end: 10, clicks: 3, avg: 2 }, 9, 'a', ints)).toEqual({
      line: 'clicks,key=a clicks=3i,avg=2 10',
    });
    expect(encodePoint({ key: 'a', start: 0, end: 10, clicks: 2.5 }, 9, 'a', ints)).toEqual({
      problem: expect.stringContaining('field "clicks" is listed in integer_fields but is 2.5'),
    });
  });

  it('takes the event time of a result that is not a window result, and the pipeline key for a missing key field', () => {
    expect(
      encodePoint({ user: 'ann', amount: 5 }, 1_234.6, 'ann', { ...shape, measurement: 'orders' }),
    ).toEqual({
      line: 'orders,key=ann user="ann",amount=5 1235',
    });
    expect(encodePoint(42, 7, undefined, shape)).toEqual({ line: 'clicks value=42 7' });
  });

  it('sorts tags, leaves out empty ones, and leaves out values with no field type', () => {
    const tagged = { ...shape, tags: ['region', 'key', 'host'] };
    expect(
      encodePoint(
        { key: 'k', region: 'eu', host: '', n: 1, nan: Number.NaN, none: null, list: [1], nested: { a: 1 } },
        5,
        'k',
        tagged,
      ),
    ).toEqual({ line: 'clicks,key=k,region=eu n=1 5' });
  });

  it('escapes commas, spaces, equals signs, quotes and backslashes where line protocol needs it', () => {
    const odd = { measurement: 'web clicks,eu', tags: ['key', 'a=b'], integerFields: [] };
    expect(
      encodePoint({ key: 'x, y=z', 'a=b': 'c d', 'f x,y=z': 1, s: 'say "hi" \\o/' }, 1, undefined, odd),
    ).toEqual({
      line: 'web\\ clicks\\,eu,a\\=b=c\\ d,key=x\\,\\ y\\=z f\\ x\\,y\\=z=1,s="say \\"hi\\" \\\\o/" 1',
    });
  });

  it('refuses a result with nothing to write, or a line break in a tag, which would start a line of its own', () => {
    expect(encodePoint({ key: 'a', start: 0, end: 1, label: null }, 0, 'a', shape)).toEqual({
      problem: expect.stringContaining('has no number, boolean or string field'),
    });
    expect(encodePoint({ key: 'a\nevil x=1 0', n: 1 }, 0, 'a', shape)).toEqual({
      problem: expect.stringContaining('holds a line break'),
    });
    // In a string field a line break is quoted, and fine.
    expect(encodePoint({ note: 'two\nlines' }, 0, undefined, shape)).toEqual({
      line: 'clicks note="two\nlines" 0',
    });
  });
});
