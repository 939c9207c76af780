import { Type } from 'typebox';
import type { SinkConnector } from '../connector.js';
import { BlackholeSink } from './blackhole-sink.js';

export interface BlackholeSinkSpec {
  readonly type: 'blackhole';
}

/** Discards every record: for benchmarks and dry runs. */
export const blackholeConnector: SinkConnector<BlackholeSinkSpec> = {
  type: 'blackhole',
  summary: 'Discards every record (its count still shows in the metrics), for benchmarks and dry runs',
  guarantee: 'exactly-once',
  options: Type.Object({ type: Type.Literal('blackhole') }, { additionalProperties: false }),
  resolve: () => ({ type: 'blackhole' }),
  create: async (name) => new BlackholeSink(name),
};
