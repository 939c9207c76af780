import { TributaryError } from '../errors.js';
import type { Format } from './format.js';

/** The value's bytes as they are: a Buffer of its own (a copy, so it outlives the batch). */
export const bytes: Format = {
  name: 'bytes',
  decode: (data, start, end) => Buffer.from(data.subarray(start, end)),
  encode(value) {
    if (value instanceof Uint8Array) return value;
    throw new TributaryError(
      'TRB_BAD_RECORD',
      `encode: format bytes writes Buffers, got a ${value === null ? 'null' : typeof value}; use format: json for other values`,
    );
  },
};
