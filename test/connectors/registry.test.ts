import { describe, expect, it } from 'vitest';
import {
  INTAKE_CONNECTORS,
  intakeConnector,
  SINK_CONNECTORS,
  sinkConnector,
} from '../../src/connectors/registry.js';

describe('the connector registry', () => {
  it.each([...INTAKE_CONNECTORS, ...SINK_CONNECTORS].map((c) => [c.type, c] as const))(
    'has the %s connector own its block, whose type is its name',
    (type, connector) => {
      const options = connector.options as { properties?: Record<string, { const?: unknown }> };
      expect(options.properties?.type?.const).toBe(type);
      expect(connector.summary).not.toBe('');
    },
  );

  it('finds connectors by type, and names the types for one it does not know', () => {
    expect(intakeConnector('mqtt').type).toBe('mqtt');
    expect(sinkConnector('store').type).toBe('store');
    expect(() => intakeConnector('amqp')).toThrow(
      '"amqp" is not a source type; the source types are generator, mqtt, file, http, kafka',
    );
  });
});
