export { createFileIngestor } from './file-ingestor.js';
export type { LineOrigin } from './line-parser.js';
export type { FileOptions, LineFormat } from './options.js';
export { type FilePosition, positionFile, readPosition } from './position-state.js';
