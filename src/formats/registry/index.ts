export type { SchemaRegistryOptions } from './options.js';
export {
  type RegisteredSchema,
  type SchemaReference,
  SchemaRegistry,
  type SchemaType,
} from './schema-registry.js';
export {
  resolveSchemaRegistry,
  type SchemaRegistrySectionFile,
  SchemaRegistrySectionSchema,
} from './section.js';
