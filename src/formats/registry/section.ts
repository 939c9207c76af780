import Type, { type Static } from 'typebox';
import { duration } from '../../config/durations.js';
import { millis } from '../../config/units.js';
import { RegistryOptionError, resolveRegistryOptions, type SchemaRegistryOptions } from './options.js';

/** The `schema_registry:` section: a Confluent-compatible registry, where `avro` values' schemas are. */
export const SchemaRegistrySectionSchema = Type.Object(
  {
    url: Type.String({
      minLength: 1,
      examples: ['http://127.0.0.1:8081'],
      description:
        'The Confluent-compatible REST API: http://host:8081 for Confluent, http://host:8080/apis/ccompat/v7 for Apicurio',
    }),
    username: Type.Optional(Type.String({ minLength: 1, description: 'HTTP basic auth user (an API key)' })),
    password: Type.Optional(
      Type.String({ minLength: 1, description: 'From the environment, never written in the file' }),
    ),
    timeout: Type.Optional(duration('The longest one request to the registry waits', { default: '10s' })),
  },
  { additionalProperties: false },
);

export type SchemaRegistrySectionFile = Static<typeof SchemaRegistrySectionSchema>;

/**
 * The section resolved and checked once, so that no request fails on a malformed URL. A
 * problem is reported at its field; the options are returned all the same, as the
 * configuration fails with the report.
 */
export const resolveSchemaRegistry = (
  section: SchemaRegistrySectionFile,
  report: (path: readonly string[], message: string) => void,
): SchemaRegistryOptions => {
  const options: SchemaRegistryOptions = {
    url: section.url,
    timeoutMs: millis(section.timeout, 10_000),
    ...(section.username === undefined ? {} : { username: section.username }),
    ...(section.password === undefined ? {} : { password: section.password }),
  };
  try {
    resolveRegistryOptions(options);
  } catch (error) {
    if (!(error instanceof RegistryOptionError)) throw error;
    report([error.field === 'timeoutMs' ? 'timeout' : error.field], error.problem);
  }
  return options;
};
