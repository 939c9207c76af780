import Type, { type Static } from 'typebox';
import { show, suggestion } from '../../config/issues.js';
import { TributaryError } from '../../errors.js';
import type { IntakeConnector } from '../connector.js';
import { sourceTopicOptions } from '../source-topic.js';
import type { GeneratorCatalogue } from './event-generator.js';
import { createGeneratorIngestor } from './generator-ingestor.js';

export interface GeneratorSourceSettings {
  readonly type: 'generator';
  /** A name of the generator catalogue the platform is given. */
  readonly generator: string;
  /** Events per second. */
  readonly rate: number;
}

const options = Type.Object(
  {
    type: Type.Literal('generator'),
    generator: Type.String({
      minLength: 1,
      examples: ['clicks'],
      description:
        "Which generator, by its name in the catalogue the platform is given (tributary start gives the demo's: clicks, stock-ticks, iot-sensors, logins, host-metrics)",
    }),
    rate: Type.Optional(Type.Number({ exclusiveMinimum: 0, default: 100, description: 'Events per second' })),
    ...sourceTopicOptions,
  },
  { additionalProperties: false },
);

const names = (generators: GeneratorCatalogue | undefined): string[] => [...(generators?.keys() ?? [])];

/** Generated events at a steady rate, from a generator of the catalogue the platform is given. */
export const generatorConnector: IntakeConnector<GeneratorSourceSettings, Static<typeof options>> = {
  type: 'generator',
  summary: 'Events from a generator of the catalogue the platform is given (the demo data), at a steady rate',
  options,
  resolve: (_name, block, { generators, report }) => {
    // The same message the schema gave when it listed the demo's generators itself.
    if (generators && !generators.has(block.generator))
      report(
        ['generator'],
        `${show(block.generator)} is not a valid value${suggestion(block.generator, names(generators))}`,
      );
    return { type: 'generator', generator: block.generator, rate: block.rate ?? 100 };
  },
  create: async (name, settings, appender, { generators }) => {
    const make = generators?.get(settings.generator);
    if (!make) {
      const known = names(generators);
      throw new TributaryError(
        'TRB_INGEST_BAD_CONFIG',
        `sources.${name}.generator: ${show(settings.generator)} is not a generator the platform was given; ${
          known.length ? `the generators are ${known.join(', ')}` : 'it was given none (pass `generators`)'
        }`,
      );
    }
    return createGeneratorIngestor({ name, generator: make(), ratePerSecond: settings.rate }, appender);
  },
};
