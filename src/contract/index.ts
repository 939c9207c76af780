/**
 * The API contract, defined once: every route's request and response schema (TypeBox,
 * so validation, serialization and the OpenAPI at /docs come from it), the types derived
 * from them, and `PlatformApi`, what the server needs of a running platform. The server,
 * the runtime, the store, alerting and the dashboard import it; it imports none of them.
 * The dashboard imports types only, and run-time lists from `vocabulary.ts`.
 */
export * from './alerts.js';
export * from './errors.js';
export * from './fields.js';
export * from './live.js';
export * from './operations.js';
export * from './pipelines.js';
export type * from './platform-api.js';
export * from './series.js';
export * from './stats.js';
export * from './streams.js';
export * from './vocabulary.js';
