export { AvroEncoder } from './avro-encoder.js';
export {
  AvroFormat,
  type AvroOptions,
  type AvroWriterOptions,
  avro,
  type BatchValues,
} from './avro-format.js';
