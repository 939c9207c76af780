import { TributaryError } from '../../errors.js';

export interface MqttOptions {
  /** The source's name; also the topic it appends to unless `topic` says otherwise. */
  readonly name: string;
  /** The log topic events are appended to. Default `name`. */
  readonly topic?: string;
  /** The broker. Default `MQTT_URL` from the environment, else `mqtt://127.0.0.1:1883`. */
  readonly url?: string;
  /** MQTT topic filter(s) to subscribe to, e.g. `sensors/+/temperature` or `logs/#`. */
  readonly filter: string | readonly string[];
  /**
   * 1 (default): a message is acknowledged only after it is appended, and the session is
   * kept by the broker while the ingestor is away — at-least-once. 0: at-most-once.
   */
  readonly qos?: 0 | 1;
  /** Default `tributary-<name>`; a persistent session belongs to its client id. */
  readonly clientId?: string;
  /** Start a fresh session at each connect. Default: `true` for QoS 0, `false` for QoS 1. */
  readonly cleanSession?: boolean;
  readonly username?: string;
  readonly password?: string;
  /** Adds the MQTT topic to each event that is a JSON object, under this field. */
  readonly topicField?: string;
  /** The most messages in one append. Default 1,000. */
  readonly maxBatch?: number;
  /** How long a batch waits for more messages before it is appended. Default 5 ms. */
  readonly lingerMs?: number;
  /** Messages held in memory before the ingestor stops reading from the broker. Default 10,000. */
  readonly maxBuffered?: number;
  /** First reconnect delay; doubles per failed attempt up to `maxBackoffMs`. Default 250 ms. */
  readonly minBackoffMs?: number;
  /** Default 10,000 ms. */
  readonly maxBackoffMs?: number;
  /** Default 5,000 ms. */
  readonly connectTimeoutMs?: number;
  /**
   * How long `stop()` waits for buffered messages to be appended and acknowledged before it
   * closes the connection anyway; unacknowledged QoS 1 messages are then redelivered to the
   * next session. Default 5,000 ms.
   */
  readonly stopTimeoutMs?: number;
}

export interface ResolvedMqttOptions {
  readonly name: string;
  readonly topic: string;
  readonly url: string;
  readonly filters: readonly string[];
  readonly qos: 0 | 1;
  readonly clientId: string;
  readonly cleanSession: boolean;
  readonly username?: string;
  readonly password?: string;
  readonly topicField?: string;
  readonly maxBatch: number;
  readonly lingerMs: number;
  readonly maxBuffered: number;
  readonly minBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly connectTimeoutMs: number;
  readonly stopTimeoutMs: number;
}

export const DEFAULT_MQTT_URL = 'mqtt://127.0.0.1:1883';
const URL_SCHEMES = ['mqtt:', 'mqtts:', 'tcp:', 'tls:', 'ws:', 'wss:'];

const badConfig = (name: string, field: string, value: unknown, fix: string): TributaryError =>
  new TributaryError(
    'TRB_INGEST_BAD_CONFIG',
    `mqtt '${name}': ${field}: ${JSON.stringify(value) ?? String(value)} ${fix}`,
  );

const count = (name: string, field: string, value: unknown, fallback: number, min = 1): number => {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isInteger(value) && value >= min) return value;
  throw badConfig(name, field, value, `is not an integer >= ${min}`);
};

const text = (name: string, field: string, value: unknown): string | undefined => {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && value !== '') return value;
  throw badConfig(name, field, value, 'is not a non-empty string');
};

export const resolveMqttOptions = (options: MqttOptions, env = process.env): ResolvedMqttOptions => {
  const name = options?.name;
  if (typeof name !== 'string' || name === '') {
    throw badConfig(String(name), 'name', name, 'is not a name; give every source a non-empty name');
  }
  const url = options.url ?? env.MQTT_URL ?? DEFAULT_MQTT_URL;
  let scheme: string;
  try {
    scheme = new URL(url).protocol;
  } catch {
    scheme = '';
  }
  if (!URL_SCHEMES.includes(scheme)) {
    throw badConfig(name, 'url', url, 'is not a broker URL; use mqtt://host:1883, mqtts://, ws:// or wss://');
  }
  const filters = typeof options.filter === 'string' ? [options.filter] : options.filter;
  if (
    !Array.isArray(filters) ||
    filters.length === 0 ||
    filters.some((f) => typeof f !== 'string' || f === '')
  ) {
    throw badConfig(
      name,
      'filter',
      options.filter,
      'is not an MQTT topic filter (or a list of them), e.g. "sensors/#"',
    );
  }
  const qos = options.qos ?? 1;
  if (qos !== 0 && qos !== 1) throw badConfig(name, 'qos', qos, 'is not 0 or 1');
  const minBackoffMs = count(name, 'minBackoffMs', options.minBackoffMs, 250);
  const maxBackoffMs = count(name, 'maxBackoffMs', options.maxBackoffMs, 10_000);
  if (maxBackoffMs < minBackoffMs) {
    throw badConfig(name, 'maxBackoffMs', maxBackoffMs, `is below minBackoffMs (${minBackoffMs})`);
  }
  if (options.cleanSession !== undefined && typeof options.cleanSession !== 'boolean') {
    throw badConfig(name, 'cleanSession', options.cleanSession, 'is not true or false');
  }
  return {
    name,
    topic: text(name, 'topic', options.topic) ?? name,
    url,
    filters,
    qos,
    clientId: text(name, 'clientId', options.clientId) ?? `tributary-${name}`,
    cleanSession: options.cleanSession ?? qos === 0,
    username: text(name, 'username', options.username),
    password: options.password,
    topicField: text(name, 'topicField', options.topicField),
    maxBatch: count(name, 'maxBatch', options.maxBatch, 1_000),
    lingerMs: count(name, 'lingerMs', options.lingerMs, 5, 0),
    maxBuffered: count(name, 'maxBuffered', options.maxBuffered, 10_000),
    minBackoffMs,
    maxBackoffMs,
    connectTimeoutMs: count(name, 'connectTimeoutMs', options.connectTimeoutMs, 5_000),
    stopTimeoutMs: count(name, 'stopTimeoutMs', options.stopTimeoutMs, 5_000, 0),
  };
};
