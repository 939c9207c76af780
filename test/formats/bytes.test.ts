import { describe, expect, it } from 'vitest';
import { bytes } from '../../src/formats/bytes.js';

describe('the bytes format', () => {
  it('gives a copy of the value bytes that outlives the batch buffer', () => {
    const data = Buffer.from('abcdef');
    const value = bytes.decode(data, 1, 4) as Buffer;
    data.fill(0);
    expect(value.toString()).toBe('bcd');
  });

  it('writes Buffers only', () => {
    expect(bytes.encode(Buffer.from('x'))).toEqual(Buffer.from('x'));
    expect(() => bytes.encode('x')).toThrow(/format bytes writes Buffers, got a string/);
  });
});
