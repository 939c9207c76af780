import { Type } from 'typebox';
import type { SinkConnector } from '../connector.js';
import { ConsoleSink } from './console-sink.js';

export interface ConsoleSinkSpec {
  readonly type: 'console';
}

/** One JSON line per record on stdout. */
export const consoleConnector: SinkConnector<ConsoleSinkSpec> = {
  type: 'console',
  summary: 'One JSON line per record on stdout, for trying pipelines out',
  guarantee: 'at-least-once',
  options: Type.Object({ type: Type.Literal('console') }, { additionalProperties: false }),
  resolve: () => ({ type: 'console' }),
  create: async (name) => new ConsoleSink(name),
};
