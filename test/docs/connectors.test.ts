import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CONNECTOR_DOCS_COMMAND,
  GENERATED_DOCS,
  generatedTables,
  optionsTable,
  renderConnectorDocs,
} from '../../scripts/connector-docs.js';
import { mqttConnector } from '../../src/connectors/mqtt/connector.js';

const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
const doc = read('docs/connectors.md');

// The tables come from the connectors' own definitions: a doc that differs is behind them.
describe('the docs with connector tables', () => {
  it.each(Object.entries(GENERATED_DOCS))('%s has the tables the connectors define', (file, names) => {
    const text = read(file);
    expect(text, `${file} is behind the connectors; run ${CONNECTOR_DOCS_COMMAND}`).toBe(
      renderConnectorDocs(text, names, file),
    );
  });

  it('has a table for every connector a configuration can name, and the sinks’ guarantees', () => {
    expect([...generatedTables().keys()]).toEqual([
      'guarantees',
      'options:generator',
      'options:mqtt',
      'options:file',
      'options:http',
      'options:kafka',
      'options:store',
      'options:log',
      'options:console',
      'options:blackhole',
      'options:redis',
      'options:influx',
    ]);
  });
});

describe('the connector docs generator', () => {
  it('writes key, type, default and meaning of each option from the schema', () => {
    expect(optionsTable(mqttConnector).split('\n').slice(2)).toEqual([
      '| `type` | `mqtt` | required | JSON messages of an MQTT subscription; with QoS 1 acknowledged only once appended |',
      '| `url` | string | `mqtt://127.0.0.1:1883` | The broker: mqtt://, mqtts://, ws://, wss://; MQTT_URL overrides it |',
      '| `topic` | string | required | MQTT topic filter; + stands for one level, # for the rest; e.g. `sensors/#` |',
      '| `qos` | `0` \\| `1` \\| `2` | `0` | 0: at most once; 1: at least once (acknowledged after the append); 2 is refused |',
      "| `partitions` | integer (≥ 1, ≤ 1024) | `log.partitions` | Partitions of the source's topic, each read by a task of its own in a pipeline whose key_by is partitioned; a topic that exists must have this many already (Tributary never repartitions one) |",
    ]);
  });

  it('rewrites only between the markers, and names the command when markers are missing', () => {
    const stale = doc.replace(/(<!-- options:http -->\n)[\s\S]*?(<!-- \/options:http -->)/, '$1| old |\n$2');
    expect(stale).not.toBe(doc);
    expect(renderConnectorDocs(stale)).toBe(doc);
    expect(() => renderConnectorDocs('# Connectors\n')).toThrow(
      /<!-- guarantees -->.*npm run docs:connectors/,
    );
  });
});
