import { type ErrorCode, TributaryError } from '../errors.js';
import { type AlertSinkSpec, alertsConnector } from './alerts/connector.js';
import { type BlackholeSinkSpec, blackholeConnector } from './blackhole/connector.js';
import type { IntakeConnector, IntakeContext, SinkConnector, SinkContext } from './connector.js';
import { type ConsoleSinkSpec, consoleConnector } from './console/connector.js';
import { type FileSourceSettings, fileConnector } from './file/connector.js';
import { type GeneratorSourceSettings, generatorConnector } from './generator/connector.js';
import { type HttpSourceSettings, httpConnector } from './http/connector.js';
import { influxConnector } from './influx/connector.js';
import type { InfluxSinkSpec } from './influx/write-endpoint.js';
import type { Appender, Ingestor } from './ingestor.js';
import { type KafkaSourceSettings, kafkaSinkConnector, kafkaSourceConnector } from './kafka/connector.js';
import type { KafkaSinkSpec } from './kafka/kafka-sink.js';
import { type LogSinkSpec, logConnector } from './log/connector.js';
import { type MqttSourceSettings, mqttConnector } from './mqtt/connector.js';
import { type RedisSinkSpec, redisConnector } from './redis/connector.js';
import type { Sink } from './sink.js';
import { type StoreSinkSpec, storeConnector } from './store/connector.js';

/** What intake builds a source's ingestor from: a connector's resolved options. */
export type SourceSettings =
  | GeneratorSourceSettings
  | MqttSourceSettings
  | FileSourceSettings
  | HttpSourceSettings
  | KafkaSourceSettings;

/** Every kind of source, by connector; in this order in messages and docs. */
export const INTAKE_CONNECTORS: readonly IntakeConnector<SourceSettings, any>[] = [
  generatorConnector,
  mqttConnector,
  fileConnector,
  httpConnector,
  kafkaSourceConnector,
] as IntakeConnector<SourceSettings, any>[];

/** The connector of `type`, or an error that lists the types there are. */
const ofType = <C extends { readonly type: string }>(
  connectors: readonly C[],
  type: string,
  noun: 'source' | 'sink',
  code: ErrorCode,
): C => {
  const connector = connectors.find((c) => c.type === type);
  if (connector) return connector;
  const types = connectors.map((c) => c.type).join(', ');
  throw new TributaryError(code, `"${type}" is not a ${noun} type; the ${noun} types are ${types}`);
};

export const intakeConnector = (type: string): IntakeConnector<SourceSettings, any> =>
  ofType(INTAKE_CONNECTORS, type, 'source', 'TRB_INGEST_BAD_CONFIG');

/** The ingestor of a source, appending to the topic of its name; none for a source fed over HTTP only. */
export const createIngestor = (
  name: string,
  settings: SourceSettings,
  appender: Appender,
  context: IntakeContext,
): Promise<Ingestor | undefined> => intakeConnector(settings.type).create(name, settings, appender, context);

/** Every kind of sink, by connector. */
export const SINK_CONNECTORS: readonly SinkConnector<SinkSpec>[] = [
  storeConnector,
  logConnector,
  consoleConnector,
  blackholeConnector,
  alertsConnector,
  kafkaSinkConnector,
  redisConnector,
  influxConnector,
] as SinkConnector<SinkSpec>[];

/** What a task builds a sink from: a connector's resolved options. */
export type SinkSpec =
  | StoreSinkSpec
  | LogSinkSpec
  | ConsoleSinkSpec
  | BlackholeSinkSpec
  | AlertSinkSpec
  | KafkaSinkSpec
  | RedisSinkSpec
  | InfluxSinkSpec;

export const sinkConnector = (type: string): SinkConnector<SinkSpec> =>
  ofType(SINK_CONNECTORS, type, 'sink', 'TRB_INVALID_PLAN');

export const createSink = (name: string, spec: SinkSpec, context: SinkContext): Promise<Sink> =>
  sinkConnector(spec.type).create(name, spec, context);
