export {
  type EventGenerator,
  type GeneratedEvent,
  type GeneratorCatalogue,
  type Random,
  seededRandom,
} from './event-generator.js';
export {
  createGeneratorIngestor,
  type GeneratorIngestor,
  type GeneratorOptions,
  type GeneratorStats,
} from './generator-ingestor.js';
