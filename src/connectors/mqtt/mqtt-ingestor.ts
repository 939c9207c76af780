import { connect, type IConnackPacket, type IPublishPacket, type MqttClient } from 'mqtt';
import type { ErrorCode } from '../../errors.js';
import { DEAD_LETTER_TOPIC, ingestDeadLetter } from '../dead-letter.js';
import type { Appender, Ingestor } from '../ingestor.js';
import type { AppendRecord } from '../log/record-format.js';
import { type AckGate, createAckGate } from './ack-gate.js';
import { type MqttOptions, type ResolvedMqttOptions, resolveMqttOptions } from './options.js';

interface Received {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: number;
  readonly messageId?: number;
  /** The connection it came on: a PUBACK only makes sense on that connection. */
  readonly connection: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Why a payload cannot be an event, or its JSON value. */
const parsePayload = (payload: Buffer): { value: unknown } | { error: string } => {
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    return { error: 'payload is not UTF-8 text, so not JSON' };
  }
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    return { error: `payload is not JSON: ${text === '' ? 'it is empty' : describe(error)}` };
  }
};

/** Turns a batch of messages into event records and dead letters. */
const encode = (
  config: ResolvedMqttOptions,
  batch: readonly Received[],
): { events: AppendRecord[]; deadLetters: AppendRecord[] } => {
  const events: AppendRecord[] = [];
  const deadLetters: AppendRecord[] = [];
  for (const message of batch) {
    const parsed = parsePayload(message.payload);
    if ('error' in parsed) {
      deadLetters.push(
        ingestDeadLetter(config.name, parsed.error, message.payload, { mqttTopic: message.topic }),
      );
      continue;
    }
    const field = config.topicField;
    // Valid JSON that is not an object passes as it is: the pipeline's validation dead-letters it.
    const bytes =
      field && isObject(parsed.value)
        ? Buffer.from(JSON.stringify({ ...parsed.value, [field]: message.topic }))
        : message.payload;
    events.push({ value: bytes, key: message.topic });
  }
  return { events, deadLetters };
};

/**
 * Subscribes to MQTT topic filters and appends each message's JSON payload to a log topic,
 * in batches (up to `maxBatch` messages, or what arrived within `lingerMs`). With QoS 1 a
 * message is acknowledged to the broker only after its batch is appended, and the session
 * is persistent, so a message the broker handed over survives a crash of the ingestor: the
 * broker delivers it again (at-least-once). Payloads that are not JSON go to the
 * dead-letter topic with the reason and the MQTT topic. The connection is re-established with
 * exponential backoff; `stats()` reports whether it is up and the last error.
 *
 * @example
 * const sensors = createMqttIngestor({ name: 'sensors', filter: 'sensors/#', topicField: 'mqtt_topic' }, log);
 * await sensors.start();
 */
export const createMqttIngestor = (options: MqttOptions, appender: Appender): Ingestor => {
  const config = resolveMqttOptions(options);
  const { name } = config;

  let client: MqttClient | undefined;
  let gate: AckGate | undefined;
  let connection = 0;
  let accepting = false;
  let pending: Received[] = [];
  let lingerTimer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> | undefined;
  /** `handleMessage` callbacks held while too much is buffered: the client reads no further. */
  const blocked: (() => void)[] = [];
  /** Bumped when `stop` gives up on appends in flight: their loop must not touch the next run. */
  let run = 0;
  let abandon: (() => void) | undefined;
  let events = 0;
  let rejected = 0;
  let lastError: string | undefined;

  const fail = (message: string): void => {
    const code: ErrorCode = 'TRB_MQTT_CONNECTION';
    lastError = `${code}: mqtt '${name}': ${message}`;
  };

  const unblock = (all = false): void => {
    while (blocked.length > 0 && (all || pending.length < config.maxBuffered)) blocked.shift()!();
  };

  /** Appends one batch, retrying with backoff until it succeeds or `stop` gives up on it. */
  const appendBatch = async (batch: Received[], ofRun: number): Promise<boolean> => {
    const { events: records, deadLetters } = encode(config, batch);
    let eventsDone = records.length === 0;
    let delay = config.minBackoffMs;
    for (;;) {
      try {
        if (!eventsDone) {
          await appender.append(config.topic, records);
          eventsDone = true;
        }
        if (deadLetters.length > 0) await appender.append(DEAD_LETTER_TOPIC, deadLetters);
        break;
      } catch (error) {
        lastError = `mqtt '${name}': append to the log failed, retrying in ${delay} ms: ${describe(error)}`;
        if (ofRun !== run) return false;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          abandon = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        abandon = undefined;
        if (ofRun !== run) return false;
        delay = Math.min(delay * 2, config.maxBackoffMs);
      }
    }
    events += records.length;
    rejected += deadLetters.length;
    if (lastError?.includes('append to the log failed')) lastError = undefined;
    for (const message of batch) {
      // Acks of an earlier connection are void: the broker redelivers those messages.
      if (message.qos === 1 && message.connection === connection && client?.connected)
        gate?.release(message.messageId!);
    }
    return true;
  };

  const flushAll = async (ofRun: number): Promise<void> => {
    while (pending.length > 0 && ofRun === run) {
      const batch = pending.splice(0, config.maxBatch);
      unblock();
      if (!(await appendBatch(batch, ofRun))) return;
    }
  };

  const flush = (): Promise<void> => {
    if (lingerTimer) clearTimeout(lingerTimer);
    lingerTimer = undefined;
    if (flushing) return flushing;
    const ofRun = run;
    const current = flushAll(ofRun).finally(() => {
      if (flushing === current) flushing = undefined;
    });
    flushing = current;
    return current;
  };

  const handleMessage = (packet: IPublishPacket, callback: (error?: Error) => void): void => {
    const { messageId } = packet;
    if (packet.qos === 1 && messageId !== undefined) gate?.hold(messageId);
    if (!accepting) {
      // Stopping: not acknowledged, so the broker delivers it to the next session.
      callback();
      return;
    }
    pending.push({
      topic: packet.topic,
      payload: Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload),
      qos: packet.qos,
      messageId,
      connection,
    });
    if (pending.length >= config.maxBatch) void flush();
    else if (!lingerTimer && !flushing) lingerTimer = setTimeout(() => void flush(), config.lingerMs);
    if (pending.length >= config.maxBuffered) blocked.push(() => callback());
    else callback();
  };

  const open = (): Promise<void> =>
    new Promise((resolve) => {
      let subscribed = false;
      const c = connect(config.url, {
        clientId: config.clientId,
        clean: config.cleanSession,
        username: config.username,
        password: config.password,
        protocolVersion: 4,
        reconnectPeriod: config.minBackoffMs,
        connectTimeout: config.connectTimeoutMs,
        keepalive: 30,
        resubscribe: true,
      });
      client = c;
      gate = createAckGate(c);
      c.handleMessage = handleMessage;
      c.on('connect', (connack: IConnackPacket) => {
        connection++;
        c.options.reconnectPeriod = config.minBackoffMs;
        lastError = undefined;
        if (connack.sessionPresent) {
          // The broker redelivers what it did not get an ack for: drop our unappended copies.
          pending = pending.filter((message) => message.qos === 0 || message.connection === connection);
        }
        // The first subscription is ours; after a reconnect the client renews it if needed.
        if (subscribed) return;
        c.subscribe([...config.filters], { qos: config.qos }, (error, granted) => {
          if (error) fail(`subscribing to ${config.filters.join(', ')} failed: ${error.message}`);
          else if (granted?.some((grant) => grant.qos === 128)) {
            fail(`the broker refused the subscription to ${config.filters.join(', ')}; check its ACLs`);
          } else subscribed = true;
          resolve();
        });
      });
      c.on('reconnect', () => {
        c.options.reconnectPeriod = Math.min(
          (c.options.reconnectPeriod ?? config.minBackoffMs) * 2,
          config.maxBackoffMs,
        );
      });
      c.on('error', (error) => {
        fail(`${config.url}: ${error.message}; reconnecting with backoff`);
        resolve();
      });
      c.on('close', () => {
        if (accepting && !lastError)
          fail(`the connection to ${config.url} closed; reconnecting with backoff`);
        resolve();
      });
    });

  return {
    name,
    async start() {
      if (client) return;
      accepting = true;
      await open();
    },
    async stop() {
      const c = client;
      if (!c) return;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), config.stopTimeoutMs);
      });
      const drained = await Promise.race([
        (async () => {
          while (pending.length > 0 || flushing) await flush();
          return true;
        })(),
        timedOut,
      ]);
      clearTimeout(timer);
      accepting = false;
      if (!drained) {
        // Whatever is not appended yet is not acknowledged either: the broker keeps it.
        run++;
        flushing = undefined;
        abandon?.();
      }
      if (lingerTimer) clearTimeout(lingerTimer);
      lingerTimer = undefined;
      pending = [];
      unblock(true);
      await new Promise<void>((resolve) => c.end(!drained, {}, () => resolve()));
      client = undefined;
      gate = undefined;
    },
    stats: () => ({
      events,
      rejected,
      active: client?.connected ?? false,
      ...(lastError ? { lastError } : {}),
    }),
  };
};
