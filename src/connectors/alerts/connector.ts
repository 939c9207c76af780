import { Type } from 'typebox';
import type { SinkConnector } from '../connector.js';
import { AlertSink } from './alert-sink.js';

export interface AlertSinkSpec {
  readonly type: 'alerts';
}

/** Observations for the alert engine: the sink of pattern rules' pipelines. */
export const alertsConnector: SinkConnector<AlertSinkSpec> = {
  type: 'alerts',
  summary: 'Observations for the alert engine (the output of pattern rules)',
  guarantee: 'at-least-once',
  internal: true,
  options: Type.Object({ type: Type.Literal('alerts') }, { additionalProperties: false }),
  resolve: () => ({ type: 'alerts' }),
  create: async (name, _spec, context) => new AlertSink(name, context),
};
