import { describe, expect, it } from 'vitest';
import { string } from '../../src/formats/text.js';

describe('the string format', () => {
  it('reads UTF-8 text', () => {
    expect(string.decode(Buffer.from('..héllo'), 2, 8)).toBe('héllo');
  });

  it('refuses bytes that are not UTF-8 instead of replacing them', () => {
    expect(() => string.decode(Buffer.from([0x61, 0xff, 0x62]), 0, 3)).toThrow(
      'decode: the value is not UTF-8 text',
    );
  });

  it('writes strings only', () => {
    expect(Buffer.from(string.encode('ü')).toString()).toBe('ü');
    expect(() => string.encode({ a: 1 })).toThrow(/format string writes strings, got a object/);
  });
});
