export type { BatchValues } from '../format.js';
export { AvroEncoder } from './avro-encoder.js';
export {
  AvroFormat,
  type AvroOptions,
  type AvroWriterOptions,
  avro,
} from './avro-format.js';
