import { describe, expect, it } from 'vitest';
import { httpConnector } from '../../../src/connectors/http/connector.js';
import { nowhere, resolveBlock } from '../helpers.js';

describe('the http connector', () => {
  it('has nothing to set and no ingestor: the server appends what is POSTed', async () => {
    expect(resolveBlock(httpConnector, { type: 'http' })).toEqual({
      settings: { type: 'http' },
      problems: [],
    });
    expect(
      await httpConnector.create('orders', { type: 'http' }, nowhere, { dataDir: '/tmp' }),
    ).toBeUndefined();
  });
});
