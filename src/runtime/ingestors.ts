import { join } from 'node:path';
import type { SourceSettings } from '../config/settings.js';
import { createFileIngestor } from '../connectors/file/index.js';
import { createGeneratorIngestor } from '../connectors/generator/index.js';
import type { Appender, Ingestor } from '../connectors/ingestor.js';
import { createMqttIngestor } from '../connectors/mqtt/index.js';
import { createDemoGenerator } from '../demo/generators/index.js';
import { TributaryError } from '../engine/errors.js';
import type { SourceSpec } from './platform.js';

/**
 * The ingestor of a configured source, appending to the topic of the same name; none for
 * `http` sources, which are fed by `POST /api/v1/streams/:stream/events` alone.
 */
export const createIngestor = (
  name: string,
  spec: SourceSpec,
  appender: Appender,
  context: { readonly dataDir: string },
): Ingestor | undefined => {
  const source = spec as SourceSettings;
  switch (source.type) {
    case 'http':
      return undefined;
    case 'generator':
      return createGeneratorIngestor(
        { name, generator: createDemoGenerator(source.generator), ratePerSecond: source.rate },
        appender,
      );
    case 'mqtt':
      if (source.qos === 2) {
        throw new TributaryError(
          'TRB_INGEST_BAD_CONFIG',
          `sources.${name}.qos: 2 is not supported; use 1 (at least once) or 0`,
        );
      }
      return createMqttIngestor({ name, url: source.url, filter: source.topic, qos: source.qos }, appender);
    case 'file':
      return createFileIngestor(
        {
          name,
          path: source.path,
          format: source.format === 'pattern' ? { regex: source.pattern } : 'json',
          stateDir: join(context.dataDir, 'ingest'),
        },
        appender,
      );
  }
};
