import { TributaryError } from '../errors.js';
import type { Format } from './format.js';

/** UTF-8 JSON: one JSON value per record. */
export const json: Format = {
  name: 'json',
  decode(data, start, end) {
    try {
      return JSON.parse(data.toString('utf8', start, end));
    } catch (error) {
      throw new TributaryError('TRB_BAD_RECORD', `decode: not JSON (${(error as Error).message})`, {
        cause: error,
      });
    }
  },
  encode(value) {
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch (error) {
      throw new TributaryError('TRB_BAD_RECORD', `encode: not JSON (${(error as Error).message})`, {
        cause: error,
      });
    }
    if (text === undefined) {
      throw new TributaryError('TRB_BAD_RECORD', `encode: a ${typeof value} has no JSON form`);
    }
    return Buffer.from(text);
  },
};
