export { type EventGenerator, type GeneratedEvent, type Random, seededRandom } from './event-generator.js';
export {
  createGeneratorIngestor,
  type GeneratorIngestor,
  type GeneratorOptions,
  type GeneratorStats,
} from './generator-ingestor.js';
