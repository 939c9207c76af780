import Type, { type Static } from 'typebox';
import { show } from '../../config/issues.js';
import type { IntakeConnector } from '../connector.js';
import { sourceTopicOptions } from '../source-topic.js';
import { DEFAULT_MQTT_URL } from './options.js';

export interface MqttSourceSettings {
  readonly type: 'mqtt';
  readonly url: string;
  /** The MQTT topic filter subscribed to. */
  readonly topic: string;
  readonly qos: 0 | 1;
}

const options = Type.Object(
  {
    type: Type.Literal('mqtt'),
    url: Type.Optional(
      Type.String({
        minLength: 1,
        default: DEFAULT_MQTT_URL,
        examples: [DEFAULT_MQTT_URL],
        description: 'The broker: mqtt://, mqtts://, ws://, wss://; MQTT_URL overrides it',
      }),
    ),
    topic: Type.String({
      minLength: 1,
      examples: ['sensors/#'],
      description: 'MQTT topic filter; + stands for one level, # for the rest',
    }),
    // 2 passes the schema so that it gets a message of its own (see resolve), not a did-you-mean "0".
    qos: Type.Optional(
      Type.Enum([0, 1, 2], {
        default: 0,
        description: '0: at most once; 1: at least once (acknowledged after the append); 2 is refused',
      }),
    ),
    ...sourceTopicOptions,
  },
  { additionalProperties: false },
);

/** `+` stands for one whole level, `#` for the rest and only at the end. */
const isTopicFilter = (filter: string): boolean => {
  const levels = filter.split('/');
  return !levels.some(
    (level, i) =>
      (level.includes('#') && (level !== '#' || i < levels.length - 1)) ||
      (level.includes('+') && level !== '+'),
  );
};

/** Messages of an MQTT subscription, acknowledged once appended. */
export const mqttConnector: IntakeConnector<MqttSourceSettings, Static<typeof options>> = {
  type: 'mqtt',
  summary: 'JSON messages of an MQTT subscription; with QoS 1 acknowledged only once appended',
  options,
  resolve: (_name, block, { report }) => {
    const url = block.url ?? DEFAULT_MQTT_URL;
    if (!/^(mqtts?|wss?|tcp|ssl):\/\/[^/]/.test(url)) {
      report(['url'], `${show(url)} is not a broker URL; use e.g. ${DEFAULT_MQTT_URL}`);
    }
    if (!isTopicFilter(block.topic)) {
      report(
        ['topic'],
        `${show(block.topic)} is not a topic filter; + stands for one whole level and # for the rest, e.g. sensors/+/temp or sensors/#`,
      );
    }
    const qos = block.qos ?? 0;
    if (qos === 2) {
      report(['qos'], '2 is not supported; use 1 (at least once) or 0');
      return undefined;
    }
    return { type: 'mqtt', url, topic: block.topic, qos };
  },
  create: async (name, settings, appender) => {
    const { createMqttIngestor } = await import('./mqtt-ingestor.js');
    return createMqttIngestor(
      { name, url: settings.url, filter: settings.topic, qos: settings.qos },
      appender,
    );
  },
};
