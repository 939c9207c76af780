import { describe, expect, it } from 'vitest';
import { mqttConnector } from '../../../src/connectors/mqtt/connector.js';
import { resolveBlock } from '../helpers.js';

describe('the mqtt connector', () => {
  it('subscribes on the local broker at QoS 0 unless told otherwise', () => {
    expect(resolveBlock(mqttConnector, { type: 'mqtt', topic: 'sensors/#' })).toEqual({
      settings: { type: 'mqtt', url: 'mqtt://127.0.0.1:1883', topic: 'sensors/#', qos: 0 },
      problems: [],
    });
  });

  it.each(['mqtt://broker:1883', 'mqtts://broker', 'ws://broker/mqtt', 'wss://broker', 'tcp://broker'])(
    'takes the broker URL %s',
    (url) => {
      expect(resolveBlock(mqttConnector, { type: 'mqtt', url, topic: 'a' }).problems).toEqual([]);
    },
  );

  it.each(['broker:1883', 'http://broker', 'mqtt:///nohost'])('refuses the broker URL %s', (url) => {
    expect(resolveBlock(mqttConnector, { type: 'mqtt', url, topic: 'a' }).problems).toEqual([
      `url: "${url}" is not a broker URL; use e.g. mqtt://127.0.0.1:1883`,
    ]);
  });

  it.each(['#', 'a/#', 'a/+/b', '+', 'a/b/c'])('takes the topic filter %s', (topic) => {
    expect(resolveBlock(mqttConnector, { type: 'mqtt', topic }).problems).toEqual([]);
  });

  it.each(['a/#/b', 'a#', 'a/b+', '+a/b'])('refuses the topic filter %s', (topic) => {
    expect(resolveBlock(mqttConnector, { type: 'mqtt', topic }).problems).toEqual([
      `topic: "${topic}" is not a topic filter; + stands for one whole level and # for the rest, e.g. sensors/+/temp or sensors/#`,
    ]);
  });

  it('refuses QoS 2, which the ingestor cannot keep, and leaves nothing to run', () => {
    expect(resolveBlock(mqttConnector, { type: 'mqtt', topic: 'a', qos: 2 })).toEqual({
      settings: undefined,
      problems: ['qos: 2 is not supported; use 1 (at least once) or 0'],
    });
  });
});
