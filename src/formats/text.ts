import { TributaryError } from '../errors.js';
import type { Format } from './format.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 text: the value is a string; bytes that are not UTF-8 are refused, not mangled. */
export const string: Format = {
  name: 'string',
  decode(data, start, end) {
    try {
      return decoder.decode(data.subarray(start, end));
    } catch (error) {
      throw new TributaryError('TRB_BAD_RECORD', 'decode: the value is not UTF-8 text', { cause: error });
    }
  },
  encode(value) {
    if (typeof value !== 'string') {
      throw new TributaryError(
        'TRB_BAD_RECORD',
        `encode: format string writes strings, got a ${value === null ? 'null' : typeof value}; map the record to a string first or use format: json`,
      );
    }
    return Buffer.from(value);
  },
};
