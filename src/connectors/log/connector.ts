import { Type } from 'typebox';
import { type FormatName, formatNamed, PLAIN_FORMAT_NAMES } from '../../formats/index.js';
import type { SinkConnector } from '../connector.js';
import { LogSink } from './log-sink.js';

export interface LogSinkSpec {
  readonly type: 'log';
  readonly topic: string;
  readonly format: FormatName;
}

/** Records into a topic of the embedded log, where other pipelines can read them. */
export const logConnector: SinkConnector<LogSinkSpec> = {
  type: 'log',
  summary: 'Records into a topic of the embedded log, encoded by format',
  guarantee: 'at-least-once',
  options: Type.Object(
    {
      type: Type.Literal('log'),
      topic: Type.Optional(
        Type.String({ minLength: 1, 'x-default': 'the sink name', description: 'Embedded-log topic' }),
      ),
      format: Type.Optional(
        Type.Enum(PLAIN_FORMAT_NAMES, { default: 'json', description: 'How records are encoded' }),
      ),
    },
    { additionalProperties: false },
  ),
  resolve: (name, options) => ({
    type: 'log',
    topic: (options.topic as string | undefined) ?? name,
    format: (options.format as FormatName | undefined) ?? 'json',
  }),
  create: async (name, spec, context) => new LogSink(name, spec.topic, formatNamed(spec.format), context),
};
