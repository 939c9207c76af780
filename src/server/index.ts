export type * from '../contract/index.js';
export { type ApiKey, KeyRing, MIN_KEY_LENGTH, parseApiKeys, SCOPES, type Scope } from './api-keys.js';
export { buildServer } from './app.js';
export { statusOf } from './http-errors.js';
export { EventParseError, MAX_EVENT_DEPTH, parseEvents } from './ingest/parse-events.js';
export {
  DEFAULT_BODY_LIMIT,
  DEFAULT_HOST,
  DEFAULT_PORT,
  isLoopback,
  type LiveOptions,
  type ServerOptions,
} from './options.js';
export { type RunningServer, startServer } from './start.js';
