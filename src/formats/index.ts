import { TributaryError } from '../errors.js';
import { type AvroWriterOptions, avro } from './avro/index.js';
import { bytes } from './bytes.js';
import type { Format, FormatName } from './format.js';
import { json } from './json.js';
import { SchemaRegistry, type SchemaRegistryOptions } from './registry/index.js';
import { string } from './text.js';

export {
  type BatchValues,
  FORMAT_NAMES,
  type Format,
  type FormatName,
  PLAIN_FORMAT_NAMES,
} from './format.js';

/** What a format besides the plain ones is built with: plain JSON, so it crosses to a worker thread. */
export interface FormatOptions {
  /** The `schema_registry:` section: where `avro` values' schemas are. */
  readonly registry?: SchemaRegistryOptions;
  /** What an `avro` writer registers (or looks up) and writes with. */
  readonly writer?: AvroWriterOptions;
}

const PLAIN: Readonly<Record<Exclude<FormatName, 'avro'>, Format>> = { json, string, bytes };

/** One client per registry in a thread: the formats of every task share its cache of schemas. */
const registries = new Map<string, SchemaRegistry>();
const registryFor = (options: SchemaRegistryOptions): SchemaRegistry => {
  const key = JSON.stringify([options.url, options.username, options.password, options.timeoutMs]);
  let registry = registries.get(key);
  if (!registry) {
    registry = new SchemaRegistry(options);
    registries.set(key, registry);
  }
  return registry;
};

export const formatNamed = (name: FormatName, options: FormatOptions = {}): Format => {
  if (name !== 'avro') return PLAIN[name];
  if (!options.registry) {
    throw new TributaryError(
      'TRB_FORMAT_BAD_CONFIG',
      'format avro reads and writes schemas through a registry: add schema_registry: { url: http://… } to the configuration',
    );
  }
  return avro({
    registry: registryFor(options.registry),
    ...(options.writer ? { writer: options.writer } : {}),
  });
};
