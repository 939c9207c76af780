import { Type } from 'typebox';
import type { SinkConnector } from '../connector.js';
import { StoreSink } from './store-sink.js';

export interface StoreSinkSpec {
  readonly type: 'store';
  readonly series: string;
}

/** Window results into a series of the result store (embedded or PostgreSQL). */
export const storeConnector: SinkConnector<StoreSinkSpec> = {
  type: 'store',
  summary: 'Window results into a series of the result store, upserted by key and window',
  guarantee: 'exactly-once',
  options: Type.Object(
    {
      type: Type.Literal('store'),
      series: Type.Optional(
        Type.String({ minLength: 1, 'x-default': 'the sink name', description: 'Series name' }),
      ),
    },
    { additionalProperties: false },
  ),
  resolve: (name, options) => ({ type: 'store', series: (options.series as string | undefined) ?? name }),
  create: async (name, spec, context) => new StoreSink(name, spec.series, context),
};
